#include "app/gui/inspector.h"

#include <QHeaderView>
#include <QLocale>

#include <type_traits>

#include "app/gui/constant_stats.h"
#include "core/graph_stats.h"
#include "passes/pass_manager.h"
#include "core/text_format.h"

namespace nest::gui {

namespace {

template <typename T>
QString listText(const std::vector<T>& values) {
  constexpr size_t kMax = 16;
  QStringList parts;
  for (size_t i = 0; i < values.size() && i < kMax; ++i) {
    if constexpr (std::is_same_v<T, std::string>)
      parts << QString::fromStdString(quoteString(values[i]));
    else if constexpr (std::is_same_v<T, float>)
      parts << QString::fromStdString(formatFloat(values[i]));
    else
      parts << QString::number(values[i]);
  }
  if (values.size() > kMax) parts << QStringLiteral("… (%1 in all)").arg(values.size());
  return "[" + parts.join(", ") + "]";
}

QTreeWidgetItem* add(QTreeWidgetItem* parent, const QString& key, const QString& value) {
  auto* item = new QTreeWidgetItem(parent, {key, value});
  item->setToolTip(0, key);  // both columns may be elided: the tooltips have the full text
  item->setToolTip(1, value);
  return item;
}

}  // namespace

QString attributeText(const Attribute& value) {
  return std::visit(
      [](const auto& v) -> QString {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) return QString::number(v);
        else if constexpr (std::is_same_v<T, float>) return QString::fromStdString(formatFloat(v));
        else if constexpr (std::is_same_v<T, std::string>) return QString::fromStdString(quoteString(v));
        else if constexpr (std::is_same_v<T, Tensor>) return "tensor " + QString::fromStdString(typeToString(v.type()));
        else if constexpr (std::is_same_v<T, GraphAttr>)
          return v ? QString("graph \"%1\" (%2 nodes)").arg(QString::fromStdString(v->name)).arg(v->nodes.size())
                   : QString("graph");
        else return listText(v);
      },
      value);
}

Inspector::Inspector(QWidget* parent) : QTreeWidget(parent) {
  setColumnCount(2);
  setHeaderLabels({tr("Property"), tr("Value")});
  // A fixed, user-resizable property column: long value names (operands, results) are elided in
  // the middle instead of pushing the Value column out of a narrow dock.
  header()->setSectionResizeMode(0, QHeaderView::Interactive);
  header()->setStretchLastSection(true);
  setColumnWidth(0, 130);
  setTextElideMode(Qt::ElideMiddle);
  setRootIsDecorated(true);
  setAlternatingRowColors(true);
  setUniformRowHeights(true);
}

// Precision (of the first result: float, or integer with its quantization) and memory (result
// and constant-operand bytes), read off the types.
static void addPrecisionAndMemory(QTreeWidgetItem* root, const Graph& graph, const Node& node) {
  const QLocale locale = QLocale::c();
  qint64 resultBytes = 0, constantBytes = 0;
  for (const std::string& out : node.outputs)
    if (const TensorType* t = graph.findType(out)) resultBytes += static_cast<qint64>(t->byteSize());
  for (const std::string& in : node.inputs)
    if (!in.empty() && graph.isConstant(in))
      if (const TensorType* t = graph.findType(in)) constantBytes += static_cast<qint64>(t->byteSize());
  const TensorType* first = node.outputs.empty() ? nullptr : graph.findType(node.outputs.front());
  QString precision = first ? QString::fromUtf8(elemTypeName(first->elem).data(), static_cast<qsizetype>(elemTypeName(first->elem).size()))
                            : QObject::tr("?");
  if (first && first->quant)
    precision += first->quant->perChannel() ? QObject::tr(", quantized per channel") : QObject::tr(", quantized per tensor");
  add(root, QObject::tr("precision"), precision);
  add(root, QObject::tr("memory"), QObject::tr("results %1, constants %2")
                              .arg(locale.formattedDataSize(resultBytes), locale.formattedDataSize(constantBytes)));
}

void Inspector::showNode(const Graph* graph, NodeId id) {
  clear();
  const Node* node = graph && id ? graph->findNode(id) : nullptr;
  if (!node) return;
  QTreeWidgetItem* root = invisibleRootItem();
  const QLocale locale = QLocale::c();
  add(root, tr("op"), QString::fromStdString(node->op));
  add(root, tr("name"), QString::fromStdString(node->name));
  add(root, tr("id"), QString::number(node->id));

  auto* attrs = add(root, tr("attributes"), QString::number(node->attrs.size()));
  for (const auto& [name, value] : node->attrs.all()) add(attrs, QString::fromStdString(name), attributeText(value));

  auto* inputs = add(root, tr("operands"), QString::number(node->inputs.size()));
  for (const std::string& in : node->inputs) {
    if (in.empty()) {
      add(inputs, tr("(absent)"), QString());
      continue;
    }
    const TensorType* t = graph->findType(in);
    QString text = t ? QString::fromStdString(typeToString(*t)) : tr("?");
    if (graph->isConstant(in)) text += tr("  (constant)");
    add(inputs, QString::fromStdString(in), text);
  }

  auto* results = add(root, tr("results"), QString::number(node->outputs.size()));
  for (const std::string& out : node->outputs) {
    const TensorType* t = graph->findType(out);
    add(results, QString::fromStdString(out), t ? QString::fromStdString(typeToString(*t)) : tr("?"));
  }

  QStringList origin;
  for (NodeId o : node->origin) origin << QString::number(o);
  add(root, tr("origin"), origin.isEmpty() ? tr("(none)") : origin.join(", "));
  const int record = run_ && run_->initial ? run_->recordOf(graph) : -2;
  if (record >= -1) {  // the nodes of the imported graph this one derives from, as of its pass
    const std::vector<NodeId> chain = run_->traceBackAt(node->id, record);
    auto* prov = add(root, tr("provenance"), QString::number(chain.size()));
    for (NodeId o : chain) {
      const Node* from = run_->initial->findNode(o);
      add(prov, QStringLiteral("#%1").arg(o),
          from ? QString::fromStdString(from->op + "  \"" + from->name + "\"") : tr("(not in the imported graph)"));
    }
  }
  addConstantStatsItems(this, root, *graph, *node);
  add(root, tr("MACs"), locale.toString(static_cast<qlonglong>(nodeMacs(*graph, *node))));
  addPrecisionAndMemory(root, *graph, *node);
  expandAll();
}

void Inspector::addFact(const QString& key, const QString& value) {
  add(invisibleRootItem(), key, value);
}

QString Inspector::property(const QString& key) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->text(0) == key) return topLevelItem(i)->text(1);
  return QString();
}

}  // namespace nest::gui
