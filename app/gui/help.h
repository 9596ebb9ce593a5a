// Help for a new user: the welcome page (recent files and the bundled samples, shown over the
// graph view while no model is open), the keyboard-shortcut list built from the window's actions,
// and a pass's section of docs/passes.md (compiled in as the resource :/docs/passes.md).
#pragma once
#include <QDialog>
#include <QStringList>
#include <QWidget>

class QListWidget;
class QListWidgetItem;

namespace nest::gui {

// Covers `covered` (kept at its size) while shown.
class WelcomePage : public QWidget {
  Q_OBJECT
 public:
  explicit WelcomePage(QWidget* covered);
  void setRecentFiles(const QStringList& files);
  QListWidget* recentList() const { return recent_; }
  QListWidget* samplesList() const { return samples_; }

 signals:
  void openRequested(const QString& path);  // a recent file or a sample was clicked
  void openDialogRequested();               // the "Open a model…" button

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void activate(QListWidgetItem* item);
  QListWidget* recent_;
  QListWidget* samples_;
};

// The sample models shipped with the workbench: <exe>/../share/nest-workbench/samples, else the
// source tree's resources/samples. Absolute paths, sorted by name.
QStringList bundledSamples();

// "Keyboard Shortcuts": one row per action of `window` that has a shortcut (its menu text without
// "&" and "…", and every shortcut of it, ", "-separated), sorted by name.
struct ShortcutRow {
  QString action;
  QString keys;
};
QList<ShortcutRow> shortcutRows(const QWidget* window);
QDialog* makeShortcutsDialog(QWidget* window);

// The section "## <pass>" of the passes documentation (markdown, up to the next heading of level
// 1 or 2); "" when the document has none.
QString passSection(const QString& markdown, const QString& pass);
QString passesDocument();  // :/docs/passes.md
// A dialog showing the section of `pass` (or saying that it has none).
QDialog* makePassDocDialog(QWidget* parent, const QString& pass);

}  // namespace nest::gui
