// Precision mode's "Calibrate…" dialog: the calibration inputs (an image folder, a .npy / .pb
// file or an MNIST idx file, chosen with file dialogs or typed), a preprocessing preset (ImageNet,
// MNIST, None) whose spec can be edited, a sample limit, and the profile to write. Accepting it
// only returns the choices; MainWindow runs calibrationJob with progress and Cancel.
#pragma once
#include <QDialog>

#include "app/gui/quant_jobs.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace nest::gui {

class CalibrationDialog : public QDialog {
  Q_OBJECT
 public:
  // `suggestedProfile`: the output path offered (next to the model or project).
  CalibrationDialog(const CalibrationInputs& previous, const QString& suggestedProfile, QWidget* parent = nullptr);
  CalibrationInputs inputs() const;
  QString profilePath() const;
  // For tests: the widgets.
  QLineEdit* inputEdit() const { return input_; }
  QComboBox* presetBox() const { return preset_; }
  QLineEdit* specEdit() const { return spec_; }
  QSpinBox* limitBox() const { return limit_; }
  QLineEdit* outputEdit() const { return output_; }

 private:
  QLineEdit* input_ = nullptr;
  QComboBox* preset_ = nullptr;
  QLineEdit* spec_ = nullptr;
  QSpinBox* limit_ = nullptr;
  QLineEdit* output_ = nullptr;
};

}  // namespace nest::gui
