// Syntax highlighting for the generated C in the Code tab: keywords, types, numbers, strings and
// character literals, comments (line and block) and preprocessor lines.
#pragma once
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>
#include <QVector>

namespace nest::gui {

class CHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
 public:
  enum class Kind { Keyword, Type, Number, String, Comment, Preprocessor };
  explicit CHighlighter(QTextDocument* document);
  // The format a kind is drawn with (tests check that a token got it).
  QTextCharFormat formatOf(Kind kind) const;

 protected:
  void highlightBlock(const QString& text) override;

 private:
  struct Rule {
    QRegularExpression pattern;
    Kind kind;
  };
  QVector<Rule> rules_;
  QTextCharFormat formats_[6];
};

}  // namespace nest::gui
