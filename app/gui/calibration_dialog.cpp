#include "app/gui/calibration_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace nest::gui {

namespace {

QString calibrationFileFilter() {
  return QObject::tr("Calibration data (*.npy *.pb *idx* *ubyte*);;All files (*)");
}

// A line edit with buttons after it, as one row.
QWidget* withButtons(QLineEdit* edit, std::initializer_list<QPushButton*> buttons) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit, 1);
  for (QPushButton* b : buttons) layout->addWidget(b);
  return row;
}

// The preset whose spec is `spec`, or -1.
int presetIndexOf(const QString& spec) {
  const QStringList names = preprocessPresetNames();
  for (int i = 0; i < names.size(); ++i)
    if (presetSpec(names[i]) == spec.trimmed()) return i;
  return -1;
}

}  // namespace

CalibrationDialog::CalibrationDialog(const CalibrationInputs& previous, const QString& suggestedProfile,
                                     QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Calibrate"));

  input_ = new QLineEdit(previous.inputs.join(QStringLiteral("; ")));
  input_->setPlaceholderText(tr("image folder, .npy / .pb file or MNIST idx file"));
  input_->setToolTip(tr("One source per graph input in graph-input order, or NAME=PATH, separated by ';'"));
  auto* folder = new QPushButton(tr("Folder…"));
  auto* file = new QPushButton(tr("File…"));
  connect(folder, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Calibration image folder"), input_->text());
    if (!dir.isEmpty()) input_->setText(dir);
  });
  connect(file, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Calibration data"), QFileInfo(input_->text()).path(),
                                                   calibrationFileFilter());
    if (!f.isEmpty()) input_->setText(f);
  });

  preset_ = new QComboBox;
  preset_->addItems(preprocessPresetNames());
  preset_->addItem(tr("Custom"));
  spec_ = new QLineEdit(previous.preprocess);
  spec_->setPlaceholderText(tr("none: tensors as stored, idx images raw 0..255"));
  spec_->setToolTip(tr("resize=HxW, crop=HxW, layout=NCHW|NHWC, channels=rgb|bgr|gray, scale=S, mean=M..., std=S..."));
  spec_->setCursorPosition(0);
  const int initial = presetIndexOf(previous.preprocess);
  preset_->setCurrentIndex(initial < 0 ? preset_->count() - 1 : initial);
  connect(preset_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i < 0 || i >= preprocessPresetNames().size()) return;  // "Custom" keeps the text
    const QString spec = presetSpec(preset_->itemText(i));
    if (spec_->text().trimmed() != spec) {
      spec_->setText(spec);
      spec_->setCursorPosition(0);  // a long spec reads from its start
    }
  });
  // Editing the spec by hand shows which preset (if any) it still is.
  connect(spec_, &QLineEdit::textEdited, this, [this](const QString& text) {
    const int i = presetIndexOf(text);
    preset_->setCurrentIndex(i < 0 ? preset_->count() - 1 : i);
  });

  limit_ = new QSpinBox;
  limit_->setRange(0, 1'000'000);
  limit_->setSpecialValueText(tr("all"));
  limit_->setSuffix(tr(" samples"));
  limit_->setValue(previous.limit < 0 ? 0 : previous.limit);

  output_ = new QLineEdit(suggestedProfile);
  output_->setPlaceholderText(tr("profile.yaml"));
  auto* browseOut = new QPushButton(tr("…"));
  browseOut->setToolTip(tr("Choose where to write the profile"));
  browseOut->setMaximumWidth(browseOut->fontMetrics().horizontalAdvance(browseOut->text()) + 28);
  connect(browseOut, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Profile to write"), output_->text(),
                                                   tr("Profiles (*.yaml *.yml);;All files (*)"));
    if (!f.isEmpty()) output_->setText(f);
  });

  auto* form = new QFormLayout;
  form->addRow(tr("Input:"), withButtons(input_, {folder, file}));
  form->addRow(tr("Preprocessing:"), preset_);
  form->addRow(tr("Spec:"), spec_);
  form->addRow(tr("Limit:"), limit_);
  form->addRow(tr("Profile:"), withButtons(output_, {browseOut}));

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  QPushButton* ok = buttons->button(QDialogButtonBox::Ok);
  auto updateOk = [this, ok] {
    ok->setEnabled(!input_->text().trimmed().isEmpty() && !output_->text().trimmed().isEmpty());
  };
  connect(input_, &QLineEdit::textChanged, this, updateOk);
  connect(output_, &QLineEdit::textChanged, this, updateOk);
  updateOk();

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
  resize(680, sizeHint().height());
}

CalibrationInputs CalibrationDialog::inputs() const {
  CalibrationInputs in;
  for (const QString& part : input_->text().split(QLatin1Char(';'), Qt::SkipEmptyParts))
    if (!part.trimmed().isEmpty()) in.inputs << part.trimmed();
  in.preprocess = spec_->text().trimmed();
  in.limit = limit_->value() == 0 ? -1 : limit_->value();
  return in;
}

QString CalibrationDialog::profilePath() const { return output_->text().trimmed(); }

}  // namespace nest::gui
