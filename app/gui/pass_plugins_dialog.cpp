#include "app/gui/pass_plugins_dialog.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "passes/pass_registry.h"

namespace nest::gui {

QDialog* makeRegisteredPassesDialog(QWidget* parent) {
  auto* dialog = new QDialog(parent);
  dialog->setObjectName("registeredPassesDialog");
  dialog->setWindowTitle(QObject::tr("Registered Passes"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  const std::vector<PassInfo> passes = allPasses();
  auto* table = new QTableWidget(static_cast<int>(passes.size()), 3, dialog);
  table->setObjectName("registeredPassesTable");
  table->setHorizontalHeaderLabels({QObject::tr("Pass"), QObject::tr("Origin"), QObject::tr("Summary")});
  table->verticalHeader()->hide();
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setAlternatingRowColors(true);
  int plugins = 0;
  for (int r = 0; r < table->rowCount(); ++r) {
    const PassInfo& p = passes[static_cast<size_t>(r)];
    const std::string origin = passOrigin(p.name);
    plugins += origin != kBuiltinOrigin;
    table->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(p.name)));
    table->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(origin)));
    table->setItem(r, 2, new QTableWidgetItem(QString::fromStdString(p.summary)));
  }
  table->resizeColumnsToContents();
  table->horizontalHeader()->setStretchLastSection(true);
  auto* note = new QLabel(QObject::tr("%1 passes, %2 from plugins. Plugin passes run wherever a built-in pass does: "
                                      "name them in a project's pass list.")
                              .arg(passes.size())
                              .arg(plugins),
                          dialog);
  note->setObjectName("registeredPassesSummary");
  note->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(table);
  layout->addWidget(note);
  layout->addWidget(buttons);
  dialog->resize(820, 520);
  return dialog;
}

}  // namespace nest::gui
