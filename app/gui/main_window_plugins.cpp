// MainWindow's Tools menu: load a pass plugin, list the registered passes. The loading itself is
// passes/pass_plugin.h's; here only the dialogs.
#include <QAction>
#include <QDialog>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>

#include "app/gui/main_window.h"
#include "app/gui/pass_plugins_dialog.h"
#include "core/error.h"
#include "passes/pass_plugin.h"

namespace nest::gui {

void MainWindow::buildToolsMenu() {
  QMenu* tools = menuBar()->addMenu(tr("&Tools"));
  QAction* load = tools->addAction(tr("Load Pass &Plugin…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Pass Plugin"), QString(),
                                                      tr("Pass plugins (*.so);;All files (*)"));
    if (!path.isEmpty()) loadPassPlugin(path);
  });
  load->setObjectName("loadPassPlugin");
  QAction* list = tools->addAction(tr("&Registered Passes…"), this, [this] { showRegisteredPasses(); });
  list->setObjectName("registeredPasses");
}

bool MainWindow::loadPassPlugin(const QString& path) {
  try {
    const LoadedPassPlugin plugin = nest::loadPassPlugin(path.toStdString());
    QStringList names;
    for (const std::string& n : plugin.passes) names << QString::fromStdString(n);
    flash(tr("Loaded %1: %2 (name them in a project's pass list)").arg(QFileInfo(path).fileName(), names.join(", ")), 6000);
    return true;
  } catch (const std::exception& e) {  // nest::Error from the loader; anything else is reported too
    showError(tr("Cannot load the pass plugin"), QString::fromStdString(e.what()));
    return false;
  }
}

QDialog* MainWindow::showRegisteredPasses() {
  QDialog* dialog = makeRegisteredPassesDialog(this);
  dialog->open();
  return dialog;
}

}  // namespace nest::gui
