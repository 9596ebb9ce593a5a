// icon_render SVG OUT_DIR SIZE...: draws the hand-written icon SVG with QPainter into
// OUT_DIR/SIZExSIZE/apps/NAME.png for each size (NAME: the SVG's file name without .svg), the
// hicolor theme's layout. Qt's SVG module is not a dependency, so this reads the small subset
// the icon uses (rect with rx, line, circle; fill, stroke, stroke-width as attributes) and
// refuses anything else, naming the element and line: the PNGs can never silently differ
// from the SVG.
#include <QBuffer>
#include <QColor>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QXmlStreamReader>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/atomic_file.h"

namespace {

struct Shape {
  QString kind;  // rect, line, circle
  double a = 0, b = 0, c = 0, d = 0, radius = 0;  // rect: x y w h rx; line: x1 y1 x2 y2; circle: cx cy r
  QColor fill, stroke;
  double strokeWidth = 0;
};

struct Icon {
  double viewSize = 0;
  std::vector<Shape> shapes;
};

[[noreturn]] void fail(const QString& message) {
  std::fprintf(stderr, "icon_render: error: %s\n", qPrintable(message));
  std::exit(2);
}

double number(const QXmlStreamReader& xml, const QString& file, const char* name, bool required = true) {
  const QStringView text = xml.attributes().value(name);
  if (text.isEmpty() && !required) return 0;
  bool ok = false;
  const double value = text.toDouble(&ok);
  if (!ok)
    fail(QStringLiteral("%1:%2: <%3> needs a number in %4, got '%5'")
             .arg(file).arg(xml.lineNumber()).arg(xml.name().toString(), name, text.toString()));
  return value;
}

QColor color(const QXmlStreamReader& xml, const QString& file, const char* name) {
  const QString text = xml.attributes().value(name).toString();
  if (text.isEmpty() || text == "none") return {};
  const QColor c = QColor::fromString(text);
  if (!c.isValid()) fail(QStringLiteral("%1:%2: %3='%4' is not a colour").arg(file).arg(xml.lineNumber()).arg(name, text));
  return c;
}

Icon readIcon(const QString& file) {
  QFile in(file);
  if (!in.open(QIODevice::ReadOnly)) fail(QStringLiteral("cannot read %1: %2").arg(file, in.errorString()));
  QXmlStreamReader xml(&in);
  Icon icon;
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    const QString name = xml.name().toString();
    if (name == "svg") {
      const QStringList box = xml.attributes().value("viewBox").toString().split(' ', Qt::SkipEmptyParts);
      if (box.size() != 4 || box[0] != "0" || box[1] != "0" || box[2] != box[3])
        fail(QStringLiteral("%1: the <svg> needs a square viewBox \"0 0 N N\"").arg(file));
      icon.viewSize = box[2].toDouble();
      continue;  // its children follow
    }
    Shape s;
    s.kind = name;
    if (name == "rect") {
      s.a = number(xml, file, "x"), s.b = number(xml, file, "y");
      s.c = number(xml, file, "width"), s.d = number(xml, file, "height");
      s.radius = number(xml, file, "rx", false);
    } else if (name == "line") {
      s.a = number(xml, file, "x1"), s.b = number(xml, file, "y1");
      s.c = number(xml, file, "x2"), s.d = number(xml, file, "y2");
    } else if (name == "circle") {
      s.a = number(xml, file, "cx"), s.b = number(xml, file, "cy");
      s.radius = number(xml, file, "r");
    } else {
      fail(QStringLiteral("%1:%2: <%3> is not drawn by icon_render (rect, line and circle are)").arg(file).arg(xml.lineNumber()).arg(name));
    }
    s.fill = color(xml, file, "fill");
    s.stroke = color(xml, file, "stroke");
    s.strokeWidth = number(xml, file, "stroke-width", false);
    icon.shapes.push_back(s);
    xml.skipCurrentElement();
  }
  if (xml.hasError()) fail(QStringLiteral("%1:%2: %3").arg(file).arg(xml.lineNumber()).arg(xml.errorString()));
  if (icon.viewSize <= 0 || icon.shapes.empty()) fail(QStringLiteral("%1: no <svg> with shapes").arg(file));
  return icon;
}

QImage draw(const Icon& icon, int size) {
  QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  QPainter p(&image);
  p.setRenderHint(QPainter::Antialiasing);
  p.scale(size / icon.viewSize, size / icon.viewSize);
  for (const Shape& s : icon.shapes) {
    p.setBrush(s.fill.isValid() ? QBrush(s.fill) : Qt::NoBrush);
    p.setPen(s.stroke.isValid() && s.strokeWidth > 0 ? QPen(s.stroke, s.strokeWidth, Qt::SolidLine, Qt::FlatCap) : QPen(Qt::NoPen));
    if (s.kind == "rect") p.drawRoundedRect(QRectF(s.a, s.b, s.c, s.d), s.radius, s.radius);
    if (s.kind == "line") p.drawLine(QPointF(s.a, s.b), QPointF(s.c, s.d));
    if (s.kind == "circle") p.drawEllipse(QPointF(s.a, s.b), s.radius, s.radius);
  }
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  QGuiApplication app(argc, argv);  // offscreen is enough: nothing is shown
  const QStringList args = app.arguments().mid(1);
  if (args.size() < 3) fail("usage: icon_render ICON.svg OUT_DIR SIZE...");
  const Icon icon = readIcon(args[0]);
  const std::string name = std::filesystem::path(args[0].toStdString()).stem().string();
  for (const QString& sizeText : args.mid(2)) {
    bool ok = false;
    const int size = sizeText.toInt(&ok);
    if (!ok || size < 1 || size > 4096) fail(QStringLiteral("size '%1' is not a number of pixels (1..4096)").arg(sizeText));
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    draw(icon, size).save(&buffer, "PNG");
    const auto dir = std::filesystem::path(args[1].toStdString()) / (std::to_string(size) + "x" + std::to_string(size)) / "apps";
    try {
      std::filesystem::create_directories(dir);
      nest::writeFileAtomically(dir / (name + ".png"), std::string_view(png.constData(), png.size()));
    } catch (const std::exception& e) {
      fail(QString::fromStdString(e.what()));
    }
  }
  return 0;
}
