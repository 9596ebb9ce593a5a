// The open project as a document: its settings and per-node assignments (a ProjectFile), where it
// is saved, and its undo stack. Every change is a ProjectEditCommand on the stack (Edit > Undo /
// Redo, the Undo History panel); the stack's clean state is the saved state. Saving is atomic
// (core's writeProjectFile: temporary file, then rename); autosave writes a copy next to a note of
// where it belongs, and a later launch offers to recover it. The compiler work an edit triggers
// is MainWindow's; the document only holds the data.
#pragma once
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUndoCommand>
#include <QUndoStack>

#include <functional>

#include "core/project_file.h"

namespace nest::gui {

class ProjectDocument : public QObject {
  Q_OBJECT
 public:
  explicit ProjectDocument(QObject* parent = nullptr);

  // A new document (the undo history is cleared, the state is clean). Paths in `project` are
  // absolute (model, profile, device configuration); `projectPath` is empty for a plain model.
  void reset(const ProjectFile& project, const QString& projectPath);
  const ProjectFile& project() const { return project_; }
  QString projectPath() const { return projectPath_; }
  QUndoStack* undoStack() { return &undo_; }
  bool isModified() const { return !undo_.isClean(); }
  bool isOpen() const { return open_; }
  // Unsaved from now on, whatever undo and redo do (a recovered autosave).
  void markModified() { undo_.resetClean(); }

  // One undoable edit: `change` is applied to a copy of the project; nothing is pushed when it
  // changes nothing. Returns whether an edit was pushed.
  bool edit(const QString& label, const std::function<void(ProjectFile&)>& change);
  // Used by the command only: the project after an edit, undo or redo.
  void setProject(const ProjectFile& project);

  // Writes the project to `path` (paths relative to its folder where they can be), atomically;
  // the document then lives there and is clean. False with `error` set on failure (the document
  // and any previous file are unchanged).
  bool save(const QString& path, QString* error);

  // Autosave: the project (absolute paths) to autosaveDir()/NAME-HASH.nestproj, with a
  // NAME-HASH.origin file holding the path it belongs to (the project, or the model when never
  // saved). discardAutosave removes both (after a save, or a close that discards the changes).
  void setAutosaveDir(const QString& dir) { autosaveDir_ = dir; }
  QString autosaveDir() const { return autosaveDir_; }
  QString autosavePath() const;
  bool autosave(QString* error);
  void discardAutosave();
  // Autosaved documents left by a session that did not end cleanly: their .nestproj paths.
  static QStringList pendingRecoveries(const QString& dir);
  // The path an autosave belongs to (its .origin note), empty when unknown.
  static QString recoveryOrigin(const QString& autosaveFile);

 signals:
  void projectChanged();  // after every edit, undo and redo (not after reset)

 private:
  ProjectFile project_;
  QString projectPath_;
  QString autosaveDir_;
  QUndoStack undo_;
  bool open_ = false;
};

// Replaces the document's project: `after` on redo, `before` on undo.
class ProjectEditCommand : public QUndoCommand {
 public:
  ProjectEditCommand(ProjectDocument* document, const QString& text, ProjectFile before, ProjectFile after);
  void undo() override;
  void redo() override;

 private:
  ProjectDocument* document_;
  ProjectFile before_, after_;
};

}  // namespace nest::gui
