// TEMPORARY (branch wb-part): deviceColor until the lead's overlay.cpp lands; delete at merge.
#include "app/gui/overlay.h"

namespace nest::gui {

QColor deviceColor(int index) {
  static const QColor hues[] = {QColor(0x4C, 0x78, 0xA8), QColor(0xF5, 0x85, 0x18), QColor(0x54, 0xA2, 0x4B),
                                QColor(0xE4, 0x57, 0x56), QColor(0x72, 0xB7, 0xB2), QColor(0xB2, 0x79, 0xA2),
                                QColor(0xEE, 0xCA, 0x3B), QColor(0xFF, 0x9D, 0xA6)};
  const int n = static_cast<int>(sizeof hues / sizeof hues[0]);
  return hues[((index % n) + n) % n];
}

}  // namespace nest::gui
