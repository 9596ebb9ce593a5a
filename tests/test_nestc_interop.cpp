// NEST-C interop (issue 12, items 1 and 4): every shared device file and partition plan reads with
// the figures pinned, write -> read round trips, the problems of broken plans and device files,
// plan names matched to graph nodes, and `nestc plan`.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/device_config.h"
#include "core/partition_plan.h"
#include "test_support.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
#define NEST_CONTAINS(text, part) NEST_VERIFY(contains((text), (part)), "'" + std::string(part) + "' not in:\n" + (text))

fs::path interop() { return testing::testdata() / "nestc-interop"; }
fs::path sharedPlan(const std::string& name) { return interop() / "plans" / name; }
fs::path sharedDevices(const std::string& name) { return interop() / "devices" / name; }
fs::path ourDevices(const std::string& name) { return testing::sourceDir() / "resources" / "devices" / name; }
QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<int> nodeCounts(const PartitionPlan& plan) {
  std::vector<int> counts(plan.partitions.size(), 0);
  for (const auto& [name, p] : plan.nodeToPartition) ++counts[p];
  return counts;
}

std::string field(const PartitionPlan& plan, std::string PlanPartition::*member) {
  std::string s;
  for (const PlanPartition& p : plan.partitions) s += (s.empty() ? "" : ":") + p.*member;
  return s;
}

// A plan with one problem of each kind the text reader finds: a short backendNames (line 4), an
// entry that is not NAME-ID (line 7) and an unknown partition id (line 8).
const char* kBrokenPlan =
    "---\n"
    "funcName: m\n"
    "numOfPartitions: 3\n"
    "backendNames: CPU:VTA\n"
    "partitionNames: p0:p1:p2\n"
    "nodeToPartition: a-0\n"
    "  :b\n"
    "  :c-7\n"
    "  :d-1\n"
    "logicalIDs: 0:1:0\n"
    "...\n";

// conv0/fwd stands for an ONNX Conv that Glow made two nodes of (__1 transpose, __2 convolution).
const char* kSmallGraph = R"(graph "small" {
  input %x: f32[1,4]
  %a: f32[1,4] = Relu #1 "conv0/fwd"(%x)
  %b: f32[1,4] = Relu #2 "relu0"(%a)
  %c: f32[1,4] = Add #3 "add0"(%a, %b)
  %y: f32[1,4] = Relu #4(%c)
  output %y
}
)";

PartitionPlan smallPlan(const std::string& entries) {
  return parsePlan("---\nfuncName: small\nnumOfPartitions: 3\nbackendNames: CPU:VTA:CPU\npartitionNames: p0:p1:p2\n"
                   "nodeToPartition: " + entries + "\nlogicalIDs: 0:1:0\n...\n",
                   "small.yaml");
}

}  // namespace

class NestcInteropTest : public QObject {
  Q_OBJECT

 private slots:
  void sharedDeviceFilesRead() {
    QCOMPARE(filesIn(interop() / "devices").size(), size_t{3});
    auto evta = readDeviceConfigs(sharedDevices("cpu-evta.yaml"));
    QCOMPARE(evta.size(), size_t{2});
    QCOMPARE(evta[0].name, std::string("PU1"));
    QCOMPARE(evta[0].backendName, std::string("CPU"));
    QCOMPARE(evta[0].registryBackend(), std::string("cpu"));
    QCOMPARE(evta[0].dramMemory, int64_t{200000000});
    QCOMPARE(evta[0].deviceID, std::optional<int>(0));
    QVERIFY(evta[0].partitionDefaultDevice);
    QVERIFY(evta[0].nonSupportedNodes.empty());
    QCOMPARE(evta[0].fuseOperators, std::vector<std::string>{"Convolution-Relu"});
    QCOMPARE(evta[0].parameters.size(), size_t{4});
    QCOMPARE(evta[0].parameters[0], (std::pair<std::string, std::string>{"nonSupportedNodes", ""}));
    QCOMPARE(evta[0].linkBytesPerSecond, 0.0);  // on the host
    QCOMPARE(evta[0].linkLatencyUs, 0.0);
    QCOMPARE(evta[1].name, std::string("PU2"));
    QCOMPARE(evta[1].registryBackend(), std::string("npu"));
    QCOMPARE(evta[1].deviceID, std::optional<int>(1));
    QCOMPARE(evta[1].supportedNodes, std::vector<std::string>{"Convolution"});
    QVERIFY(!evta[1].partitionDefaultDevice);
    QCOMPARE(evta[1].linkBytesPerSecond, 8e9);  // the defaults off the host
    QCOMPARE(evta[1].linkLatencyUs, 10.0);

    auto vta = readDeviceConfigs(sharedDevices("cpu-vta.yaml"));
    QCOMPARE(vta.size(), size_t{2});
    QCOMPARE(vta[0].name + "," + vta[1].name, std::string("PU1,PU2"));
    QCOMPARE(vta[1].supportedNodes, std::vector<std::string>{"Convolution"});
    QVERIFY(!vta[0].partitionDefaultDevice);

    auto hetero = readDeviceConfigs(sharedDevices("heterogeneous.yaml"));
    QCOMPARE(hetero.size(), size_t{3});
    QCOMPARE(hetero[0].name + "," + hetero[1].name + "," + hetero[2].name, std::string("Device1,Device2,Device3"));
    QCOMPARE(hetero[0].nonSupportedNodes, std::vector<std::string>{"AvgPool"});
    QCOMPARE(hetero[0].deviceID, std::optional<int>(0));
    QVERIFY(!hetero[1].deviceID.has_value());
    QCOMPARE(hetero[2].backendName, std::string("Interpreter"));
    QCOMPARE(hetero[2].registryBackend(), std::string("interpreter"));
    QVERIFY(hetero[2].supportedNodes.empty());
    QCOMPARE(hetero[2].dramMemory, int64_t{2000000});
  }

  void ourDeviceFilesRead() {
    auto one = readDeviceConfigs(ourDevices("cpu-npu.yaml"));
    QCOMPARE(one.size(), size_t{2});
    QCOMPARE(one[0].name, std::string("CPU0"));
    QVERIFY(one[0].partitionDefaultDevice);
    QCOMPARE(one[0].linkBytesPerSecond, 0.0);
    QCOMPARE(one[1].name, std::string("NPU1"));
    QCOMPARE(one[1].backendName, std::string("VTA"));
    QCOMPARE(one[1].registryBackend(), std::string("npu"));
    QCOMPARE(one[1].deviceID, std::optional<int>(1));
    QCOMPARE(one[1].linkBytesPerSecond, 8e9);
    QCOMPARE(one[1].linkLatencyUs, 10.0);
    QCOMPARE(one[1].hardware.size(), size_t{13});
    QCOMPARE(one[1].hardware.at("LOG_BLOCK_IN"), std::string("4"));
    QCOMPARE(one[1].hardware.at("LOG_WGT_BUFF_SIZE"), std::string("18"));
    QCOMPARE(one[1].hardware.at("CLOCK_MHZ"), std::string("300"));
    QCOMPARE(one[1].supportedNodes.size(), size_t{4});
    QVERIFY(one[0].hardware.empty());

    auto two = readDeviceConfigs(ourDevices("cpu-2npu.yaml"));
    QCOMPARE(two.size(), size_t{3});
    QCOMPARE(two[0].name + "," + two[1].name + "," + two[2].name, std::string("CPU0,NPU1,NPU2"));
    QCOMPARE(two[2].deviceID, std::optional<int>(2));
    QCOMPARE(two[2].hardware, two[1].hardware);
  }

  void deviceRoundTrips() {
    std::vector<fs::path> files = filesIn(interop() / "devices");
    files.push_back(ourDevices("cpu-npu.yaml"));
    files.push_back(ourDevices("cpu-2npu.yaml"));
    for (const fs::path& file : files) {
      const auto devices = readDeviceConfigs(file);
      const std::string text = writeDeviceConfigs(devices);
      const auto back = parseDeviceConfigs(text, "written");
      NEST_VERIFY(back == devices, file.string() + " does not read back the same:\n" + text);
      QCOMPARE(writeDeviceConfigs(back), text);
    }
    // Fields set in code, not through `parameters`, are written as keys and read back.
    DeviceConfig npu;
    npu.name = "npu x";
    npu.backendName = "VTA";
    npu.dramMemory = 1 << 20;
    npu.deviceID = 3;
    npu.supportedNodes = {"Convolution", "Add"};
    npu.linkBytesPerSecond = 2.5e9;
    npu.linkLatencyUs = 4;
    npu.hardware = {{"LOG_BLOCK", "5"}};
    const std::string text = writeDeviceConfigs({npu});
    NEST_CONTAINS(text, "- name:    'npu x'\n  backendName: VTA\n  parameters: |\n");
    NEST_CONTAINS(text, "    \"linkBandwidthGBps\" : \"2.5\"\n");
    NEST_CONTAINS(text, "    \"supportedNodes\" : \"Convolution,Add\"\n");
    auto back = parseDeviceConfigs(text, "written");
    QCOMPARE(back.size(), size_t{1});
    QCOMPARE(back[0].parameters.size(), size_t{5});  // deviceID, supportedNodes, link x2, LOG_BLOCK
    back[0].parameters.clear();
    NEST_VERIFY(back[0] == npu, text);
  }

  void badDeviceFiles() {
    const std::string one = "---\n- name: A\n  backendName: CPU\n  parameters: |\n    \"deviceID\" : \"0\"\n  dramMemory: 100\n";
    auto msg = testing::errorOf([&] { parseDeviceConfigs(one + "- backendName: VTA\n  dramMemory: 100\n...\n", "bad1.yaml"); });
    NEST_CONTAINS(msg, "devices bad1.yaml:7: device 2 has no name");
    msg = testing::errorOf([&] { parseDeviceConfigs(one + "- name: A\n  backendName: VTA\n...\n", "bad2.yaml"); });
    NEST_CONTAINS(msg, "devices bad2.yaml:7: device name 'A' is used twice");
    msg = testing::errorOf([&] {
      parseDeviceConfigs("---\n- name: A\n  backendName: CPU\n  parameters: |\n    \"deviceID\" : \"0\"\n    deviceID: 1\n...\n", "bad3.yaml");
    });
    NEST_CONTAINS(msg, "devices bad3.yaml:6, device 'A': parameters line 'deviceID: 1' is not \"key\" : \"value\"");
    msg = testing::errorOf([&] { parseDeviceConfigs("---\n- name: A\n  dramMemory: 100\n", "bad4.yaml"); });
    NEST_CONTAINS(msg, "devices bad4.yaml:2, device 'A': no backendName");
    msg = testing::errorOf([&] { parseDeviceConfigs("---\n- name: A\n  backendName: CPU\n  dramMemory: 1e5\n", "bad5.yaml"); });
    NEST_CONTAINS(msg, "devices bad5.yaml:4, device 'A': dramMemory '1e5' is not a non-negative integer");
    msg = testing::errorOf([&] {
      parseDeviceConfigs("- name: A\n  backendName: CPU\n  parameters: |\n    \"partitionDefaultDevice\" : \"yes\"\n", "bad6.yaml");
    });
    NEST_CONTAINS(msg, "devices bad6.yaml:4, device 'A': \"partitionDefaultDevice\" 'yes' is not true or false");
    msg = testing::errorOf([&] { parseDeviceConfigs("- name: A\n  backendName: [CPU\n", "bad7.yaml"); });
    NEST_CONTAINS(msg, "devices bad7.yaml:");
    NEST_CONTAINS(msg, "not valid YAML");
    // The file's path names it.
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "mine.yaml";
    std::ofstream(file) << one << "- name: A\n  backendName: VTA\n";
    msg = testing::errorOf([&] { readDeviceConfigs(file); });
    NEST_CONTAINS(msg, "devices " + file.string() + ":7: device name 'A' is used twice");
    msg = testing::errorOf([&] { readDeviceConfigs(dir.path().toStdString() + "/none.yaml"); });
    NEST_CONTAINS(msg, "none.yaml: no such file");
  }

  void nodeKindsAndLists() {
    const Graph g = testing::graphFromText(R"(graph "k" {
  input %x: f32[1,1,4,4]
  const %w: f32[1,1,1,1] = dense<[1.0]>
  %c: f32[1,1,4,4] = Conv #1(%x, %w) {kernel_shape=[1, 1]}
  %p: f32[1,1,1,1] = GlobalAveragePool #2(%c)
  %r: f32[1,1,1,1] = Sigmoid #3(%p)
  output %r
}
)");
    QCOMPARE(glowNodeKind(g.nodes[0]), std::string("Convolution"));
    QCOMPARE(glowNodeKind(g.nodes[1]), std::string("AvgPool"));
    QCOMPARE(glowNodeKind(g.nodes[2]), std::string("Sigmoid"));
    const auto hetero = readDeviceConfigs(sharedDevices("heterogeneous.yaml"));
    QVERIFY(deviceListsAllow(hetero[0], g.nodes[0]));
    QVERIFY(!deviceListsAllow(hetero[0], g.nodes[1]));  // nonSupportedNodes AvgPool
    QVERIFY(deviceListsAllow(hetero[2], g.nodes[1]));   // empty supportedNodes: every kind
    const auto vta = readDeviceConfigs(sharedDevices("cpu-vta.yaml"));
    QVERIFY(deviceListsAllow(vta[1], g.nodes[0]));
    QVERIFY(!deviceListsAllow(vta[1], g.nodes[2]));  // supportedNodes Convolution only
  }

  void sharedPlansRead() {
    QCOMPARE(filesIn(interop() / "plans").size(), size_t{5});
    struct Expected {
      std::string file, funcName, backends, logical;
      std::vector<int> counts;
      int defaultPartition;
    };
    const std::vector<Expected> expected = {
        {"mobilenetv2-optimal.yaml", "onnxzoo_mobilenet_v210.onnx", "CPU:CPU:CPU", "0:0:0", {1, 102, 0}, 2},
        {"resnet18-optimal-parallel.yaml", "mxnet_exported_resnet18.onnx",
         "CPU:VTA:CPU:VTA:CPU:CPU:VTA:CPU:VTA:CPU:CPU:VTA:CPU:VTA:CPU:CPU:VTA:CPU:VTA:CPU:CPU",
         "0:1:0:1:0:0:1:0:1:0:0:1:0:1:0:0:1:0:1:0:0",
         {2, 6, 2, 3, 2, 1, 3, 2, 3, 2, 1, 3, 2, 3, 2, 1, 3, 2, 3, 5, 0}, 20},
        {"resnet18-relay.yaml", "mxnet_exported_resnet18.onnx", "Relay:CPU:CPU:CPU", "2:0:0:0", {5, 1, 45, 0}, 3},
        {"resnet18-vta-cpu.yaml", "mxnet_exported_resnet18.onnx", "CPU:VTA:CPU:VTA:CPU:CPU", "0:1:0:1:0:0", {5, 1, 1, 1, 43, 0}, 5},
        {"synthetic-two-adds.yaml", "main", "CPU:CPU:CPU", "0:1:1", {1, 1, 0}, 2},
    };
    for (const Expected& e : expected) {
      const PartitionPlan plan = readPlan(sharedPlan(e.file));
      QCOMPARE(plan.funcName, e.funcName);
      QCOMPARE(field(plan, &PlanPartition::backendName), e.backends);
      QCOMPARE(field(plan, &PlanPartition::logicalIDs), e.logical);  // "2:0:0:0" stays text
      QCOMPARE(nodeCounts(plan), e.counts);
      QCOMPARE(plan.defaultPartition(), e.defaultPartition);
      for (size_t p = 0; p < plan.partitions.size(); ++p) QCOMPARE(plan.partitions[p].name, "p" + std::to_string(p));
      QVERIFY(planProblems(plan).empty());
    }
    const PartitionPlan parallel = readPlan(sharedPlan("resnet18-optimal-parallel.yaml"));
    QCOMPARE(parallel.parallelGroups, (std::vector<std::vector<int>>{{5, 6}, {10, 11}, {15, 16}}));
    QCOMPARE(parallel.nodeToPartition.front(), (std::pair<std::string, int>{"_defaultpreprocess0_broadcast_minus0", 0}));
    QCOMPARE(parallel.nodeToPartition.back(), (std::pair<std::string, int>{"resnetv10_dense0_fwd", 19}));
    // CRLF lines and trailing spaces (mobilenetv2) are trimmed off the entries.
    const PartitionPlan mobile = readPlan(sharedPlan("mobilenetv2-optimal.yaml"));
    QCOMPARE(mobile.nodeToPartition[3], (std::pair<std::string, int>{"mobilenetv20_features_linearbottleneck0_conv0_fwd__2", 1}));
    QCOMPARE(mobile.nodeToPartition.back().first, std::string("mobilenetv20_output_flatten0_reshape0__2"));
    // Entries that share a line (resnet18-relay) are split at every ':'.
    const PartitionPlan relay = readPlan(sharedPlan("resnet18-relay.yaml"));
    QCOMPARE(relay.nodeToPartition[5], (std::pair<std::string, int>{"resnetv10_stage1_conv0_fwd__2", 1}));
    QVERIFY(readPlan(sharedPlan("synthetic-two-adds.yaml")).parallelGroups.empty());
  }

  void planRoundTrips() {
    for (const fs::path& file : filesIn(interop() / "plans")) {
      const PartitionPlan plan = readPlan(file);
      const std::string text = writePlan(plan);
      NEST_VERIFY(parsePlan(text, "written") == plan, file.string() + " does not read back the same:\n" + text);
      QCOMPARE(writePlan(parsePlan(text, "written")), text);  // byte-identical re-write
    }
    // NEST-C's layout, exactly.
    QCOMPARE(writePlan(readPlan(sharedPlan("synthetic-two-adds.yaml"))),
             std::string("---\nfuncName: main\nnumOfPartitions: 3\nbackendNames: CPU:CPU:CPU\npartitionNames: p0:p1:p2\n"
                         "nodeToPartition: add1-0\n  :add2-1\nlogicalIDs: 0:1:1\n...\n"));
    const std::string parallel = writePlan(readPlan(sharedPlan("resnet18-optimal-parallel.yaml")));
    NEST_CONTAINS(parallel, "nodeToPartition: _defaultpreprocess0_broadcast_minus0-0\n  :_defaultpreprocess0_broadcast_div0-0\n");
    NEST_CONTAINS(parallel, "  :resnetv10_dense0_fwd-19\nlogicalIDs: 0:1:0:1:0:0:1:0:1:0:0:1:0:1:0:0:1:0:1:0:0\n"
                            "parallelPartitions: (p5||p6):(p10||p11):(p15||p16)\n...\n");
    // A written file is NEST-C's own form: the shared file itself comes back byte for byte, but
    // for the empty line after its "..." (the other LF files end at "...\n", as we do).
    std::ifstream in(sharedPlan("resnet18-optimal-parallel.yaml"), std::ios::binary);
    QCOMPARE(parallel + "\n", std::string(std::istreambuf_iterator<char>(in), {}));
    // Older files hold every entry on one line; we break before each ':' as NEST-C's writer does.
    std::ifstream vtaCpu(sharedPlan("resnet18-vta-cpu.yaml"), std::ios::binary);
    std::string original(std::istreambuf_iterator<char>(vtaCpu), {});
    for (size_t at = original.find(":", original.find("nodeToPartition: ") + 17); at < original.find("\nlogicalIDs");
         at = original.find(":", at + 4))
      original.replace(at, 1, "\n  :");
    QCOMPARE(writePlan(readPlan(sharedPlan("resnet18-vta-cpu.yaml"))), original);
    // A plan built in code; a "-backend" field on an entry is read and dropped.
    PartitionPlan plan;
    plan.funcName = "model v2.onnx";
    plan.partitions = {{"p0", "CPU", "0"}, {"p1", "VTA-1", "1-2"}, {"p2", "CPU", "0"}};
    plan.nodeToPartition = {{"a", 0}, {"b", 1}};
    const std::string text = writePlan(plan);
    NEST_CONTAINS(text, "funcName: 'model v2.onnx'\n");
    QVERIFY(parsePlan(text, "written") == plan);
    std::string withBackend = text;
    withBackend.replace(withBackend.find("b-1"), 3, "b-1-VTA");
    QVERIFY(parsePlan(withBackend, "written") == plan);
  }

  void brokenPlans() {
    const std::string msg = testing::errorOf([&] { parsePlan(kBrokenPlan, "broken.yaml"); });
    NEST_CONTAINS(msg, "plan broken.yaml:4: numOfPartitions is 3 but backendNames has 2 entries");
    NEST_CONTAINS(msg, "plan broken.yaml:7: nodeToPartition entry 'b' is not NAME-ID");
    NEST_CONTAINS(msg, "plan broken.yaml:8: nodeToPartition entry 'c-7' names partition id 7, which partitionNames lacks");
    QCOMPARE(std::count(msg.begin(), msg.end(), '\n'), 2L);  // exactly these three, one a line
    const std::string missing = testing::errorOf([&] { parsePlan("---\nfuncName: f\nnumOfPartitions: x\nwhat: 1\n...\n", "m.yaml"); });
    NEST_CONTAINS(missing, "plan m.yaml:3: numOfPartitions 'x' is not a positive integer");
    NEST_CONTAINS(missing, "plan m.yaml:4: unknown key 'what'");
    NEST_CONTAINS(missing, "plan m.yaml: no backendNames");
    NEST_CONTAINS(missing, "plan m.yaml: no nodeToPartition");
    const std::string groups = testing::errorOf([&] {
      parsePlan("funcName: f\nnumOfPartitions: 3\nbackendNames: A:B:C\npartitionNames: p0:p1:p2\nnodeToPartition: a-0:b-1\n"
                "logicalIDs: 0:1:x\nparallelPartitions: (p0||p9):p1\n",
                "g.yaml");
    });
    NEST_CONTAINS(groups, "plan g.yaml:7: parallelPartitions group '(p0||p9)' names partition 'p9', which partitionNames lacks");
    NEST_CONTAINS(groups, "plan g.yaml:7: parallelPartitions group 'p1' is not (pA||pB...)");
    NEST_CONTAINS(groups, "plan g.yaml: logicalIDs entry 'x' of partition p2 is not device ids joined by '-'");
    const std::string notYaml = testing::errorOf([&] { parsePlan("funcName: [f\n", "y.yaml"); });
    NEST_CONTAINS(notYaml, "plan y.yaml:");
    NEST_CONTAINS(notYaml, "not valid YAML");
    NEST_CONTAINS(testing::errorOf([&] { readPlan("/no/such/plan.yaml"); }), "cannot read plan /no/such/plan.yaml");
  }

  void planProblemsOfStructs() {
    PartitionPlan plan = readPlan(sharedPlan("synthetic-two-adds.yaml"));
    QVERIFY(planProblems(plan).empty());
    plan.nodeToPartition.push_back({"add1", 1});  // listed twice
    plan.nodeToPartition.push_back({"x-y", 7});   // not a Glow name, index out of range
    plan.partitions[1].name = "q1";
    plan.partitions.push_back({"p3", "", "0"});  // empty backend; p2 and p3 both unnamed
    plan.parallelGroups = {{0}, {0, 1}};
    const auto problems = planProblems(plan);
    const std::vector<std::string> expected = {
        "partition name 'q1' is not p<ID> (p0, p1, ...)",
        "partition p3 has no backend name",
        "node add1 is listed twice in nodeToPartition",
        "node name 'x-y' is not a Glow name ([A-Za-z0-9_]+)",
        "node x-y is in partition index 7, out of range",
        "partitions p2, p3 have no listed node; only one may (the default partition, for unlisted nodes)",
        "a parallel group needs two partitions or more",
        "partition p0 is in two parallel groups",
    };
    QCOMPARE(problems, expected);
    QCOMPARE(plan.defaultPartition(), -1);
    NEST_CONTAINS(testing::errorOf([&] { writePlan(plan); }), "cannot write the plan of 'main': partition name 'q1'");
  }

  void partitionOfGraphNodes() {
    const Graph g = testing::graphFromText(kSmallGraph);
    QCOMPARE(g.nodes.size(), size_t{4});
    // conv0_fwd__1 (Glow's transpose) and conv0_fwd__2 (its convolution) name our one node: the
    // largest suffix wins. relu0__1 is relu0; the unnamed Relu goes to the default p2.
    const auto parts = partitionOfNodes(smallPlan("conv0_fwd__1-0\n  :conv0_fwd__2-1\n  :relu0__1-1\n  :add0-0"), g);
    QCOMPARE(parts.size(), size_t{4});
    QCOMPARE(parts.at(g.nodes[0].id), 1);
    QCOMPARE(parts.at(g.nodes[1].id), 1);
    QCOMPARE(parts.at(g.nodes[2].id), 0);
    QCOMPARE(parts.at(g.nodes[3].id), 2);
    // Every name the graph lacks, in one error.
    const std::string msg = testing::errorOf([&] { partitionOfNodes(smallPlan("conv0_fwd__2-1:ghost__2-0:relu0-1:nothere-0:add0_-1"), g); });
    NEST_CONTAINS(msg, "the partition plan of 'small' names 3 node(s) that graph 'small' lacks: ghost__2, nothere, add0_");
    // The unnamed node's Glow name is OP_OUTPUT.
    const auto listed = partitionOfNodes(smallPlan("Relu_y-1:add0-0"), g);
    QCOMPARE(listed.at(g.nodes[3].id), 1);
    QCOMPARE(listed.at(g.nodes[0].id), 2);
  }

  void nestcPlanSummary() {
    const auto r = testing::runNestc({"plan", q(sharedPlan("resnet18-optimal-parallel.yaml"))});
    NEST_VERIFY(r.code == 0, r.all());
    NEST_CONTAINS(r.out, "funcName: mxnet_exported_resnet18.onnx\n");
    NEST_CONTAINS(r.out, "partitions: 21, listed nodes: 51\n");
    NEST_CONTAINS(r.out, "  p1         VTA          1            6\n");
    NEST_CONTAINS(r.out, "  p20        CPU          0            0 + unlisted nodes (default)\n");
    NEST_CONTAINS(r.out, "default partition: p20");
    NEST_CONTAINS(r.out, "parallel groups: (p5||p6) (p10||p11) (p15||p16)\n");
    NEST_CONTAINS(r.out, "partitions per backend: CPU 13, VTA 8\n");
    const auto relay = testing::runNestc({"plan", q(sharedPlan("resnet18-relay.yaml"))});
    NEST_VERIFY(relay.code == 0, relay.all());
    NEST_CONTAINS(relay.out, "  p0         Relay        2            5\n");
    NEST_CONTAINS(relay.out, "parallel groups: none");

    QTemporaryDir dir;
    const fs::path broken = fs::path(dir.path().toStdString()) / "broken.yaml";
    std::ofstream(broken) << kBrokenPlan;
    const auto bad = testing::runNestc({"plan", q(broken)});
    QCOMPARE(bad.code, 2);
    NEST_CONTAINS(bad.err, "plan " + broken.string() + ":4: numOfPartitions is 3 but backendNames has 2 entries\n");
    NEST_CONTAINS(bad.err, ":7: nodeToPartition entry 'b' is not NAME-ID\n");
    NEST_CONTAINS(bad.err, ":8: nodeToPartition entry 'c-7' names partition id 7, which partitionNames lacks\n");
    NEST_CONTAINS(bad.err, "nestc plan: 3 problems in " + broken.string());
    const auto help = testing::runNestc({"plan", "--help"});
    QCOMPARE(help.code, 0);
    NEST_CONTAINS(help.out, "nodeToPartition");
  }
};

QTEST_GUILESS_MAIN(NestcInteropTest)
#include "test_nestc_interop.moc"
