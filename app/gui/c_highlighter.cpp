#include "app/gui/c_highlighter.h"

namespace nest::gui {

namespace {
QTextCharFormat makeFormat(const QColor& color, bool bold = false, bool italic = false) {
  QTextCharFormat f;
  f.setForeground(color);
  if (bold) f.setFontWeight(QFont::Bold);
  f.setFontItalic(italic);
  return f;
}
}  // namespace

CHighlighter::CHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
  formats_[int(Kind::Keyword)] = makeFormat(QColor(0x8b, 0x00, 0x8b), true);
  formats_[int(Kind::Type)] = makeFormat(QColor(0x00, 0x5f, 0xaf));
  formats_[int(Kind::Number)] = makeFormat(QColor(0xb3, 0x58, 0x00));
  formats_[int(Kind::String)] = makeFormat(QColor(0x2e, 0x7d, 0x32));
  formats_[int(Kind::Comment)] = makeFormat(QColor(0x80, 0x80, 0x80), false, true);
  formats_[int(Kind::Preprocessor)] = makeFormat(QColor(0x9c, 0x27, 0xb0));
  const QString keywords =
      "auto|break|case|const|continue|default|do|else|enum|extern|for|goto|if|inline|register|restrict|return|"
      "sizeof|static|struct|switch|typedef|union|volatile|while|_Alignas|_Alignof|_Static_assert";
  const QString types =
      "void|char|short|int|long|float|double|signed|unsigned|_Bool|bool|size_t|ptrdiff_t|u?int(8|16|32|64)_t|"
      "uintptr_t|intptr_t|[A-Za-z_][A-Za-z0-9_]*_t";
  rules_ = {
      {QRegularExpression("\\b(" + keywords + ")\\b"), Kind::Keyword},
      {QRegularExpression("\\b(" + types + ")\\b"), Kind::Type},
      {QRegularExpression(R"(\b(0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+\.?[0-9]*([eE][-+]?[0-9]+)?[fFuUlL]*|\.[0-9]+([eE][-+]?[0-9]+)?[fF]?)\b)"),
       Kind::Number},
      {QRegularExpression(R"("(\\.|[^"\\])*"|'(\\.|[^'\\])*')"), Kind::String},
  };
}

QTextCharFormat CHighlighter::formatOf(Kind kind) const { return formats_[int(kind)]; }

void CHighlighter::highlightBlock(const QString& text) {
  // Preprocessor lines take one colour (their strings and comments aside).
  static const QRegularExpression preprocessor(R"(^\s*#.*$)");
  if (const auto m = preprocessor.match(text); m.hasMatch())
    setFormat(int(m.capturedStart()), int(m.capturedLength()), formats_[int(Kind::Preprocessor)]);
  else
    for (const Rule& rule : rules_)
      for (auto it = rule.pattern.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        setFormat(int(m.capturedStart()), int(m.capturedLength()), formats_[int(rule.kind)]);
      }
  // Strings again over what the number rule coloured inside them, then comments over everything.
  static const QRegularExpression strings(R"("(\\.|[^"\\])*")");
  for (auto it = strings.globalMatch(text); it.hasNext();) {
    const auto m = it.next();
    setFormat(int(m.capturedStart()), int(m.capturedLength()), formats_[int(Kind::String)]);
  }
  // Comments: // to the end of the line, /* ... */ across lines (block state 1 = inside one).
  const QTextCharFormat& comment = formats_[int(Kind::Comment)];
  int start = previousBlockState() == 1 ? 0 : -1;
  int from = 0;
  setCurrentBlockState(0);
  while (true) {
    if (start < 0) {
      const int block = int(text.indexOf("/*", from));
      const int line = int(text.indexOf("//", from));
      if (line >= 0 && (block < 0 || line < block)) {
        setFormat(line, int(text.size()) - line, comment);
        return;
      }
      if (block < 0) return;
      start = block;
      from = block + 2;
    }
    const int end = int(text.indexOf("*/", std::max(from, start)));
    if (end < 0) {
      setFormat(start, int(text.size()) - start, comment);
      setCurrentBlockState(1);
      return;
    }
    setFormat(start, end + 2 - start, comment);
    from = end + 2;
    start = -1;
  }
}

}  // namespace nest::gui
