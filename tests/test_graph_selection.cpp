// Selection queries (core/graph_selection.h) on the imported ResNet-18 seed model (torchvision,
// exported with batch norms kept): producer / consumer chains, nodes of an op, name scopes.
#include <QtTest>

#include <algorithm>

#include "core/graph_selection.h"
#include "core/model_loader.h"
#include "test_support.h"

using namespace nest;

namespace {

const Node& nodeNamed(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node named " + name);
}

std::vector<std::string> namesOf(const Graph& g, const std::vector<NodeId>& ids) {
  std::vector<std::string> names;
  for (NodeId id : ids) names.push_back(g.findNode(id)->name);
  return names;
}

bool inGraphOrder(const Graph& g, const std::vector<NodeId>& ids) {
  std::vector<size_t> at;
  for (NodeId id : ids)
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].id == id) at.push_back(i);
  return at.size() == ids.size() && std::is_sorted(at.begin(), at.end()) &&
         std::adjacent_find(at.begin(), at.end()) == at.end();
}

}  // namespace

class TestGraphSelection : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const auto path = testing::seedModels() / "resnet18" / "model.onnx";
    if (!std::filesystem::exists(path)) QFAIL(qPrintable(QString::fromStdString("missing seed model " + path.string())));
    graph_ = loadModel(path);
    // Stem conv1, bn1, relu, maxpool (4); layer1: two blocks of conv1, bn1, relu, conv2, bn2, Add,
    // relu_1 (14); layers 2-4: the same plus a downsample Conv + BatchNormalization in the first
    // block (16 each); avgpool, flatten, fc (3).
    QCOMPARE(graph_.nodes.size(), size_t(4 + 14 + 3 * 16 + 3));
  }

  void nodesOfAnOp() {
    // 1 stem + 4 per layer + 3 downsamples.
    const std::vector<NodeId> convs = nodesOfOp(graph_, "Conv");
    QCOMPARE(convs.size(), size_t(20));
    QVERIFY(inGraphOrder(graph_, convs));
    QCOMPARE(nodesOfOp(graph_, "BatchNormalization").size(), size_t(20));
    QCOMPARE(nodesOfOp(graph_, "Add").size(), size_t(8));      // one per basic block
    QCOMPARE(nodesOfOp(graph_, "Relu").size(), size_t(17));    // stem + 2 per block
    QCOMPARE(nodesOfOp(graph_, "Gemm").size(), size_t(1));
    QVERIFY(nodesOfOp(graph_, "conv").empty());  // exact op name
    QVERIFY(nodesOfOp(graph_, "").empty());
  }

  void producerChainOfTheFirstAdd() {
    const std::vector<NodeId> adds = nodesOfOp(graph_, "Add");
    QVERIFY(!adds.empty());
    const std::vector<NodeId> chain = producerChain(graph_, adds.front());
    // The stem (conv1, bn1, relu, maxpool) and the residual branch of layer1.0 (conv1, bn1, relu,
    // conv2, bn2), then the Add itself.
    const std::vector<std::string> expected{
        "/conv1/Conv", "/bn1/BatchNormalization", "/relu/Relu", "/maxpool/MaxPool",
        "/layer1/layer1.0/conv1/Conv", "/layer1/layer1.0/bn1/BatchNormalization", "/layer1/layer1.0/relu/Relu",
        "/layer1/layer1.0/conv2/Conv", "/layer1/layer1.0/bn2/BatchNormalization", "/layer1/layer1.0/Add"};
    QCOMPARE(namesOf(graph_, chain), expected);
    // The first node has only itself; an unknown id nothing.
    QCOMPARE(producerChain(graph_, graph_.nodes.front().id), std::vector<NodeId>{graph_.nodes.front().id});
    QVERIFY(producerChain(graph_, 999999).empty());
    // The last node (fc) depends on every node.
    QCOMPARE(producerChain(graph_, graph_.nodes.back().id).size(), graph_.nodes.size());
  }

  void consumerChainOfTheLastConv() {
    const Node& conv = nodeNamed(graph_, "/layer4/layer4.1/conv2/Conv");
    const std::vector<NodeId> chain = consumerChain(graph_, conv.id);
    const std::vector<std::string> expected{
        "/layer4/layer4.1/conv2/Conv", "/layer4/layer4.1/bn2/BatchNormalization", "/layer4/layer4.1/Add",
        "/layer4/layer4.1/relu_1/Relu", "/avgpool/GlobalAveragePool", "/Flatten", "/fc/Gemm"};
    QCOMPARE(namesOf(graph_, chain), expected);
    // The stem conv feeds every node.
    QCOMPARE(consumerChain(graph_, graph_.nodes.front().id).size(), graph_.nodes.size());
    // layer3.0's downsample conv: itself, its BN, then everything from layer3.0's Add on:
    // Add, relu_1 (2), layer3.1 (7), layer4 (16), head (3).
    const Node& down = nodeNamed(graph_, "/layer3/layer3.0/downsample/downsample.0/Conv");
    QCOMPARE(consumerChain(graph_, down.id).size(), size_t(2 + 2 + 7 + 16 + 3));
    QVERIFY(consumerChain(graph_, 999999).empty());
  }

  void nameScopes() {
    const Node& conv = nodeNamed(graph_, "/layer1/layer1.0/conv1/Conv");
    const std::vector<std::string> expected{"/layer1/", "/layer1/layer1.0/", "/layer1/layer1.0/conv1/"};
    QCOMPARE(nameScopesOf(conv), expected);
    QCOMPARE(nameScopesOf(nodeNamed(graph_, "/Flatten")), std::vector<std::string>{});
    QCOMPARE(nameScopesOf(nodeNamed(graph_, "/fc/Gemm")), std::vector<std::string>{"/fc/"});
    Node plain;
    plain.name = "conv1";
    QVERIFY(nameScopesOf(plain).empty());
    plain.name = "a/b/c";
    QCOMPARE(nameScopesOf(plain), (std::vector<std::string>{"a/", "a/b/"}));
  }

  void nodesInAScope() {
    // layer3: block 0 with its downsample (9 nodes), block 1 (7).
    const std::vector<NodeId> layer3 = nodesInScope(graph_, "/layer3/");
    QCOMPARE(layer3.size(), size_t(16));
    QVERIFY(inGraphOrder(graph_, layer3));
    QCOMPARE(nodesInScope(graph_, "/layer3/layer3.0/").size(), size_t(9));
    QCOMPARE(nodesInScope(graph_, "/layer3/layer3.1/").size(), size_t(7));
    QCOMPARE(nodesInScope(graph_, "/layer1/").size(), size_t(14));
    QCOMPARE(nodesInScope(graph_, "/layer3/layer3.0/downsample/").size(), size_t(2));
    QCOMPARE(nodesInScope(graph_, "/layer1/layer1.0/conv1/").size(), size_t(1));
    QVERIFY(nodesInScope(graph_, "/layer9/").empty());
    QVERIFY(nodesInScope(graph_, "").empty());
    // Every scope of a node holds that node.
    for (const Node& n : graph_.nodes)
      for (const std::string& s : nameScopesOf(n)) {
        const std::vector<NodeId> in = nodesInScope(graph_, s);
        QVERIFY(std::find(in.begin(), in.end(), n.id) != in.end());
      }
  }

 private:
  Graph graph_;
};

QTEST_GUILESS_MAIN(TestGraphSelection)
#include "test_graph_selection.moc"
