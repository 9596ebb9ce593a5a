// Writing the displayed graph to a file: SVG (nest::render::layoutToSvg of the layout, vector, the
// same as `nestc render`) or PNG (the Qt drawing of the whole scene at 2x).
#pragma once
#include <QString>

#include "app/render/graph_layout.h"

class QGraphicsScene;

namespace nest::gui {

// Both return an empty string on success, else the error text.
QString exportLayoutSvg(const render::GraphLayout& layout, const QString& title, const QString& path);
// `scale` pixels per scene point (reduced so that no side exceeds 16384 px).
QString exportScenePng(QGraphicsScene* scene, const QString& path, double scale = 2.0);

}  // namespace nest::gui
