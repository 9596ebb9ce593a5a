#include "app/gui/project_document.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "core/atomic_file.h"
#include "core/error.h"

namespace nest::gui {

namespace {

// `target` relative to `folder` when it can be written so, else absolute.
std::filesystem::path relativeTo(const std::filesystem::path& folder, const std::filesystem::path& target) {
  const std::filesystem::path absolute = std::filesystem::absolute(target);
  const std::filesystem::path relative = absolute.lexically_relative(folder);
  return relative.empty() ? absolute : relative;
}

bool sameProject(const ProjectFile& a, const ProjectFile& b) { return projectFileToJson(a) == projectFileToJson(b); }

}  // namespace

ProjectDocument::ProjectDocument(QObject* parent) : QObject(parent) {}

void ProjectDocument::reset(const ProjectFile& project, const QString& projectPath) {
  undo_.clear();
  project_ = project;
  projectPath_ = projectPath;
  open_ = true;
  undo_.setClean();
}

bool ProjectDocument::edit(const QString& label, const std::function<void(ProjectFile&)>& change) {
  if (!open_) return false;
  ProjectFile after = project_;
  change(after);
  if (sameProject(after, project_)) return false;
  undo_.push(new ProjectEditCommand(this, label, project_, std::move(after)));
  return true;
}

void ProjectDocument::setProject(const ProjectFile& project) {
  project_ = project;
  emit projectChanged();
}

bool ProjectDocument::save(const QString& path, QString* error) {
  if (!open_) {
    if (error) *error = tr("nothing to save: no model is loaded");
    return false;
  }
  try {
    const std::filesystem::path file = QFileInfo(path).absoluteFilePath().toStdString();
    const std::filesystem::path folder = file.parent_path();
    ProjectFile written = project_;
    written.model = relativeTo(folder, project_.model);
    if (!written.deviceConfig.empty()) written.deviceConfig = relativeTo(folder, project_.deviceConfig);
    if (written.quantization.contains("profile"))
      written.quantization["profile"] =
          relativeTo(folder, written.quantization["profile"].get<std::string>()).generic_string();
    writeProjectFile(file, written);
  } catch (const Error& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  discardAutosave();  // the autosave belonged to the old path
  projectPath_ = QFileInfo(path).absoluteFilePath();
  undo_.setClean();
  return true;
}

QString ProjectDocument::autosavePath() const {
  if (!open_ || autosaveDir_.isEmpty()) return QString();
  const QString origin = projectPath_.isEmpty() ? QString::fromStdString(project_.model.string()) : projectPath_;
  const QByteArray hash = QCryptographicHash::hash(origin.toUtf8(), QCryptographicHash::Sha1).toHex().left(10);
  return QDir(autosaveDir_).filePath(QFileInfo(origin).completeBaseName() + "-" + QString::fromLatin1(hash) +
                                     ".nestproj");
}

bool ProjectDocument::autosave(QString* error) {
  const QString path = autosavePath();
  if (path.isEmpty()) return false;
  try {
    QDir().mkpath(autosaveDir_);
    // Absolute paths: the copy lives elsewhere than the project it belongs to.
    writeProjectFile(path.toStdString(), project_);
    const QString origin = projectPath_.isEmpty() ? QString::fromStdString(project_.model.string()) : projectPath_;
    writeFileAtomically((path.chopped(9) + ".origin").toStdString(), origin.toStdString());
  } catch (const Error& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  return true;
}

void ProjectDocument::discardAutosave() {
  const QString path = autosavePath();
  if (path.isEmpty()) return;
  QFile::remove(path);
  QFile::remove(path.chopped(9) + ".origin");
}

QStringList ProjectDocument::pendingRecoveries(const QString& dir) {
  QStringList found;
  if (dir.isEmpty()) return found;
  for (const QFileInfo& info : QDir(dir).entryInfoList({"*.nestproj"}, QDir::Files, QDir::Time))
    found.append(info.absoluteFilePath());
  return found;
}

QString ProjectDocument::recoveryOrigin(const QString& autosaveFile) {
  QFile note(autosaveFile.chopped(9) + ".origin");
  if (!note.open(QIODevice::ReadOnly)) return QString();
  return QString::fromUtf8(note.readAll()).trimmed();
}

ProjectEditCommand::ProjectEditCommand(ProjectDocument* document, const QString& text, ProjectFile before,
                                       ProjectFile after)
    : QUndoCommand(text), document_(document), before_(std::move(before)), after_(std::move(after)) {}

void ProjectEditCommand::undo() { document_->setProject(before_); }
void ProjectEditCommand::redo() { document_->setProject(after_); }

}  // namespace nest::gui
