// Tools > Registered Passes…: every pass in the registry (built-in, then plugin passes loaded
// with --load-pass-plugin or Tools > Load Pass Plugin…) with its origin and summary.
#pragma once

class QDialog;
class QWidget;

namespace nest::gui {

// A non-modal dialog (deleted on close) holding a table "registeredPassesTable" with the columns
// Pass, Origin ("built-in" or the plugin's path) and Summary, one row per registered pass.
QDialog* makeRegisteredPassesDialog(QWidget* parent);

}  // namespace nest::gui
