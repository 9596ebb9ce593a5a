#include "app/gui/help.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSet>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>

namespace nest::gui {

WelcomePage::WelcomePage(QWidget* covered) : QWidget(covered), recent_(new QListWidget(this)), samples_(new QListWidget(this)) {
  setObjectName("welcomePage");
  setAutoFillBackground(true);
  auto* title = new QLabel(tr("<h2>NEST Workbench</h2>"
                              "<p>Open an ONNX model (.onnx, .onnxtxt), a NEST IR file (.nir) or a project (.nestproj) "
                              "to see its graph and how every pass of the pipeline changes it. You can also drop a file "
                              "here.</p>"),
                           this);
  title->setWordWrap(true);
  auto* open = new QPushButton(tr("Open a model…"), this);
  open->setObjectName("welcomeOpen");
  connect(open, &QPushButton::clicked, this, &WelcomePage::openDialogRequested);
  for (QListWidget* list : {recent_, samples_}) {
    list->setTextElideMode(Qt::ElideMiddle);
    list->setMaximumHeight(160);
    connect(list, &QListWidget::itemClicked, this, &WelcomePage::activate);
    connect(list, &QListWidget::itemActivated, this, &WelcomePage::activate);
  }
  recent_->setObjectName("welcomeRecent");
  samples_->setObjectName("welcomeSamples");
  for (const QString& sample : bundledSamples()) {
    auto* item = new QListWidgetItem(QFileInfo(sample).fileName(), samples_);
    item->setData(Qt::UserRole, sample);
    item->setToolTip(sample);
  }
  if (samples_->count() == 0) samples_->addItem(tr("(no samples installed)"));

  auto* column = new QWidget(this);
  column->setMaximumWidth(640);
  auto* inner = new QVBoxLayout(column);
  inner->addWidget(title);
  inner->addWidget(open, 0, Qt::AlignLeft);
  inner->addSpacing(12);
  inner->addWidget(new QLabel(tr("<b>Recent files</b>"), column));
  inner->addWidget(recent_);
  inner->addSpacing(12);
  inner->addWidget(new QLabel(tr("<b>Samples</b> (click to open)"), column));
  inner->addWidget(samples_);
  inner->addStretch(1);
  auto* outer = new QHBoxLayout(this);
  outer->addStretch(1);
  outer->addWidget(column, 4);
  outer->addStretch(1);
  setRecentFiles({});
  covered->installEventFilter(this);
  setGeometry(covered->rect());
}

void WelcomePage::setRecentFiles(const QStringList& files) {
  recent_->clear();
  for (const QString& f : files) {
    auto* item = new QListWidgetItem(QFileInfo(f).fileName() + "  —  " + QFileInfo(f).absolutePath(), recent_);
    item->setData(Qt::UserRole, f);
    item->setToolTip(f);
  }
  if (files.isEmpty()) recent_->addItem(tr("(none yet)"));
}

bool WelcomePage::eventFilter(QObject* watched, QEvent* event) {
  if (watched == parentWidget() && event->type() == QEvent::Resize) setGeometry(parentWidget()->rect());
  return QWidget::eventFilter(watched, event);
}

void WelcomePage::activate(QListWidgetItem* item) {
  const QString path = item ? item->data(Qt::UserRole).toString() : QString();
  if (!path.isEmpty()) emit openRequested(path);
}

QStringList bundledSamples() {
  const QStringList dirs = {QCoreApplication::applicationDirPath() + "/../share/nest-workbench/samples",
                            QStringLiteral(NEST_WORKBENCH_SAMPLES_DIR)};
  for (const QString& dir : dirs) {
    const QDir d(dir);
    const QStringList names = d.entryList({"*.onnx", "*.onnxtxt", "*.nir", "*.nestproj"}, QDir::Files, QDir::Name);
    if (names.isEmpty()) continue;
    QStringList out;
    for (const QString& n : names) out << QFileInfo(d.filePath(n)).absoluteFilePath();
    return out;
  }
  return {};
}

QList<ShortcutRow> shortcutRows(const QWidget* window) {
  QList<ShortcutRow> rows;
  QSet<QString> seen;
  for (const QAction* action : window->findChildren<QAction*>()) {
    if (action->shortcuts().isEmpty() || action->text().isEmpty()) continue;
    QString name = action->text();
    name.remove('&');
    name.remove(QStringLiteral("…"));
    name = name.trimmed();
    QStringList keys;
    for (const QKeySequence& k : action->shortcuts()) keys << k.toString(QKeySequence::NativeText);
    const QString id = name + '\t' + keys.join(", ");
    if (seen.contains(id)) continue;
    seen.insert(id);
    rows.append({name, keys.join(", ")});
  }
  std::sort(rows.begin(), rows.end(), [](const ShortcutRow& a, const ShortcutRow& b) {
    return QString::localeAwareCompare(a.action, b.action) < 0;
  });
  return rows;
}

namespace {
QDialog* dialogWith(QWidget* parent, const QString& title, QWidget* body, QSize size) {
  auto* dialog = new QDialog(parent);
  dialog->setWindowTitle(title);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  body->setParent(dialog);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(body, 1);
  layout->addWidget(buttons);
  dialog->resize(size);
  return dialog;
}
}  // namespace

QDialog* makeShortcutsDialog(QWidget* window) {
  const QList<ShortcutRow> rows = shortcutRows(window);
  auto* table = new QTableWidget(static_cast<int>(rows.size()), 2);
  table->setObjectName("shortcutsTable");
  table->setHorizontalHeaderLabels({QObject::tr("Action"), QObject::tr("Shortcut")});
  table->verticalHeader()->hide();
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setAlternatingRowColors(true);
  for (int r = 0; r < rows.size(); ++r) {
    table->setItem(r, 0, new QTableWidgetItem(rows[r].action));
    table->setItem(r, 1, new QTableWidgetItem(rows[r].keys));
  }
  table->resizeColumnsToContents();
  table->horizontalHeader()->setStretchLastSection(true);
  return dialogWith(window, QObject::tr("Keyboard Shortcuts"), table, QSize(480, 560));
}

QString passSection(const QString& markdown, const QString& pass) {
  const QStringList lines = markdown.split('\n');
  qsizetype start = -1;
  for (qsizetype i = 0; i < lines.size(); ++i) {
    const QString line = lines[i].trimmed();
    if (start < 0) {
      if (line == "## " + pass || line == "## `" + pass + "`") start = i;
    } else if (line.startsWith("## ") || line.startsWith("# ")) {
      return lines.mid(start, i - start).join('\n').trimmed();
    }
  }
  return start < 0 ? QString() : lines.mid(start).join('\n').trimmed();
}

QString passesDocument() {
  QFile file(QStringLiteral(":/docs/passes.md"));
  return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QDialog* makePassDocDialog(QWidget* parent, const QString& pass) {
  auto* browser = new QTextBrowser;
  browser->setObjectName("passDocBrowser");
  browser->setOpenExternalLinks(true);
  const QString section = pass.isEmpty() ? QString() : passSection(passesDocument(), pass);
  if (pass.isEmpty())
    browser->setPlainText(QObject::tr("Select a pass in the Passes panel first."));
  else if (section.isEmpty())
    browser->setPlainText(QObject::tr("docs/passes.md has no section for the pass '%1'.").arg(pass));
  else
    browser->setMarkdown(section);
  return dialogWith(parent, QObject::tr("Pass: %1").arg(pass.isEmpty() ? QObject::tr("(none selected)") : pass), browser,
                    QSize(640, 520));
}

}  // namespace nest::gui
