// MainWindow's Help menu, its welcome page and the actions that need a model.
#include <QAction>
#include <QDialog>
#include <QListWidget>
#include <QMenuBar>

#include "app/gui/graph_view.h"
#include "app/gui/help.h"
#include "app/gui/main_window.h"

namespace nest::gui {

void MainWindow::buildHelpMenu() {
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, [this] { makeShortcutsDialog(this)->open(); });
  keys->setObjectName("keyboardShortcuts");
  QAction* passDoc = help->addAction(tr("&Pass Documentation"), this,
                                     [this] { makePassDocDialog(this, selectedPassName())->open(); });
  passDoc->setObjectName("passDocumentation");
  passDoc->setShortcut(QKeySequence::HelpContents);

  welcome_ = new WelcomePage(view_);
  welcome_->setRecentFiles(recentFiles());
  connect(welcome_, &WelcomePage::openRequested, this, [this](const QString& path) { openFile(path); });
  connect(welcome_, &WelcomePage::openDialogRequested, this, &MainWindow::openDialog);
}

void MainWindow::updateModelActions() {
  for (QAction* action : modelActions_) action->setEnabled(model_ != nullptr);
  if (welcome_) welcome_->setVisible(model_ == nullptr);
}

QString MainWindow::selectedPassName() const {
  const int row = passes_->currentRow();
  if (!model_ || row < 0 || row >= static_cast<int>(model_->run.records.size())) return QString();
  return QString::fromStdString(model_->run.records[static_cast<size_t>(row)].pass);
}

}  // namespace nest::gui
