#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/op_table.h"
#include "core/resource_limits.h"
#include "core/text_ir.h"
#include "core/verifier.h"

namespace nest {

namespace {

class Parser {
 public:
  Parser(const std::string& text, const BlobStore& blobs) : s_(text), blobs_(blobs) {}

  Graph parse() {
    Graph g = parseOneGraph();
    skipSpace();
    if (!atEnd()) fail("unexpected text after the graph");
    return g;
  }

  // One attribute value and nothing else.
  Attribute parseWholeAttribute() {
    Attribute a = parseAttribute();
    skipSpace();
    if (!atEnd()) fail("unexpected text after the attribute value");
    return a;
  }

 private:
  // `graph "name" { ... }`: the top graph or a body (an If's branch, a Loop's body).
  Graph parseOneGraph() {
    Graph g;
    expectWord("graph");
    g.name = parseString();
    expect('{');
    NodeId maxId = 0;
    while (true) {
      skipSpace();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      if (atEnd()) fail("missing '}' at the end of the graph");
      if (tryWord("input")) {
        std::string name = parseValueRef();
        expect(':');
        g.inputs.push_back(name);
        g.setType(name, parseType());
      } else if (tryWord("output")) {
        g.outputs.push_back(parseValueRef());
      } else if (tryWord("const")) {
        std::string name = parseValueRef();
        expect(':');
        TensorType type = parseType();
        expect('=');
        g.setConstant(name, parseConstantBody(type));
      } else {
        parseNode(g, maxId);
      }
    }
    g.reserveId(maxId);
    return g;
  }

  void parseNode(Graph& g, NodeId& maxId) {
    std::vector<std::string> outputs;
    std::vector<TensorType> types;
    do {
      outputs.push_back(parseValueRef());
      expect(':');
      types.push_back(parseType());
    } while (tryChar(','));
    expect('=');
    std::string op = parseIdentifier();
    if (!OpTable::instance().find(op)) fail("unknown op '" + op + "'");
    expect('#');
    NodeId id = static_cast<NodeId>(parseInteger());
    std::string name;
    skipSpace();
    if (peek() == '"') name = parseString();
    expect('(');
    std::vector<std::string> inputs;
    if (!tryChar(')')) {
      do {
        inputs.push_back(tryWord("none") ? std::string() : parseValueRef());
      } while (tryChar(','));
      expect(')');
    }
    Attributes attrs;
    if (tryChar('{')) {
      do {
        std::string attrName = parseIdentifier();
        expect('=');
        attrs.set(attrName, parseAttribute());
      } while (tryChar(','));
      expect('}');
    }
    std::vector<NodeId> origin;
    if (tryWord("from")) {
      expect('[');
      do origin.push_back(static_cast<NodeId>(parseInteger()));
      while (tryChar(','));
      expect(']');
    }
    if (static_cast<int64_t>(g.nodes.size()) >= ResourceLimits::kMaxNodes) {
      try {
        checkNodeCount(static_cast<int64_t>(g.nodes.size()) + 1, "the graph");
      } catch (const Error& e) {
        fail(e.what());
      }
    }
    for (const Node& other : g.nodes)
      if (other.id == id) fail("node id #" + std::to_string(id) + " is used twice");
    g.reserveId(id);
    Node n;
    n.id = id;
    n.op = op;
    n.name = name;
    n.inputs = std::move(inputs);
    n.outputs = outputs;
    n.attrs = std::move(attrs);
    n.origin = std::move(origin);
    g.nodes.push_back(std::move(n));
    for (size_t i = 0; i < outputs.size(); ++i) g.setType(outputs[i], types[i]);
    if (id > maxId) maxId = id;
  }

  Tensor parseConstantBody(const TensorType& type) {
    skipSpace();
    if (tryWord("blob")) {
      expect('<');
      expectWord("fnv1a");
      expect(':');
      size_t start = pos_;
      while (!atEnd() && std::isxdigit(static_cast<unsigned char>(peek()))) ++pos_;
      if (pos_ == start || pos_ - start > 16) fail("a blob hash is 1 to 16 hex digits");
      uint64_t key = std::stoull(s_.substr(start, pos_ - start), nullptr, 16);
      expect('>');
      auto it = blobs_.find(key);
      if (it == blobs_.end()) fail("constant data blob<fnv1a:" + s_.substr(start, pos_ - 1 - start) + "> is not available (weights file missing?)");
      if (!(it->second.elem() == type.elem && it->second.shape() == type.shape)) fail("blob does not match the declared type");
      Tensor t = it->second;
      t.setQuant(type.quant);
      return t;
    }
    expectWord("dense");
    expect('<');
    Tensor t = parseDenseValues(type);
    expect('>');
    return t;
  }

  Tensor parseDenseValues(const TensorType& type) {
    // Before allocating: every value takes at least one character and a separator, so a type that
    // holds more values than the rest of the text can spell is refused here.
    const int64_t declared = numElements(type.shape);
    if (declared > 0 && static_cast<uint64_t>(declared) > (s_.size() - pos_ + 1) / 2)
      fail("type " + typeToString(type) + " holds " + std::to_string(declared) + " values, more than the text gives");
    Tensor t(type);
    expect('[');
    int64_t i = 0;
    if (!tryChar(']')) {
      do {
        if (i >= t.numElements()) fail("more values than the type " + typeToString(type) + " holds");
        storeElement(t, i++);
      } while (tryChar(','));
      expect(']');
    }
    if (i != t.numElements()) fail(std::to_string(i) + " values given, type " + typeToString(type) + " holds " +
                                   std::to_string(t.numElements()));
    return t;
  }

  void storeElement(Tensor& t, int64_t i) {
    skipSpace();
    if (t.elem() == ElemType::Bool) {
      if (tryWord("true")) t.mutableData<uint8_t>()[i] = 1;
      else if (tryWord("false")) t.mutableData<uint8_t>()[i] = 0;
      else fail("expected true or false");
      return;
    }
    if (isFloat(t.elem())) {
      double v = parseNumber();
      if (t.elem() == ElemType::F16) t.mutableData<uint16_t>()[i] = floatToHalf(static_cast<float>(v));
      else if (t.elem() == ElemType::F32) t.mutableData<float>()[i] = static_cast<float>(v);
      else t.mutableData<double>()[i] = v;
      return;
    }
    if (t.elem() == ElemType::U64) {
      size_t start = pos_;
      while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
      if (start == pos_) fail("expected an unsigned integer");
      const std::string digits = s_.substr(start, pos_ - start);
      try {
        t.mutableData<uint64_t>()[i] = std::stoull(digits);
      } catch (const std::out_of_range&) {
        fail("unsigned integer " + digits + " does not fit 64 bits");
      }
      return;
    }
    int64_t v = parseInteger();
    dispatchStorageType(t.elem(), [&](auto tag) { t.mutableData<decltype(tag)>()[i] = static_cast<decltype(tag)>(v); });
  }

  Attribute parseAttribute() {
    skipSpace();
    char c = peek();
    if (c == '"') return parseString();
    if (tryWord("graph")) {  // a body, spelled as a graph
      pos_ -= 5;
      try {
        checkNestingDepth(depth_ + 1, "the text IR");
      } catch (const Error& e) {
        fail(e.what());
      }
      ++depth_;
      GraphAttr body = std::make_shared<const Graph>(parseOneGraph());
      --depth_;
      return body;
    }
    if (tryWord("dense")) {
      expect('<');
      TensorType type = parseType();
      expect(':');
      Tensor t = parseDenseValues(type);
      expect('>');
      return t;
    }
    if (c == '[') {
      if (s_.compare(pos_, 3, "[]i") == 0) { pos_ += 3; return Ints{}; }
      if (s_.compare(pos_, 3, "[]f") == 0) { pos_ += 3; return Floats{}; }
      if (s_.compare(pos_, 3, "[]s") == 0) { pos_ += 3; return Strings{}; }
      ++pos_;
      skipSpace();
      if (peek() == '"') {
        Strings v;
        do v.push_back(parseString());
        while (tryChar(','));
        expect(']');
        return v;
      }
      std::vector<std::string> items;
      bool anyFloat = false;
      do {
        items.push_back(numberToken());
        anyFloat = anyFloat || looksFloat(items.back());
      } while (tryChar(','));
      expect(']');
      if (anyFloat) {
        Floats v;
        for (auto& it : items) v.push_back(static_cast<float>(toDouble(it)));
        return v;
      }
      Ints v;
      for (auto& it : items) v.push_back(toInteger(it));
      return v;
    }
    std::string tok = numberToken();
    if (looksFloat(tok)) return static_cast<float>(toDouble(tok));
    return toInteger(tok);
  }

  TensorType parseType() {
    std::string elemName = parseIdentifier();
    auto elem = parseElemType(elemName);
    if (!elem) fail("unknown element type '" + elemName + "'");
    TensorType t;
    t.elem = *elem;
    if (tryChar('<')) {
      QuantParams q;
      std::string key = parseIdentifier();
      expect('=');
      if (key == "scale") {
        q.scales.push_back(static_cast<float>(parseNumber()));
        expect(',');
        expectWord("zp");
        expect('=');
        q.zeroPoints.push_back(parseInteger());
      } else if (key == "axis") {
        q.axis = parseInteger();
        expect(',');
        expectWord("scales");
        expect('=');
        expect('[');
        do q.scales.push_back(static_cast<float>(parseNumber()));
        while (tryChar(','));
        expect(']');
        expect(',');
        expectWord("zps");
        expect('=');
        expect('[');
        do q.zeroPoints.push_back(parseInteger());
        while (tryChar(','));
        expect(']');
      } else {
        fail("expected scale= or axis= in a quantized type");
      }
      expect('>');
      t.quant = q;
    }
    expect('[');
    if (!tryChar(']')) {
      do {
        int64_t d = parseInteger();
        if (d < 0) fail("negative dimension");
        t.shape.push_back(d);
      } while (tryChar(','));
      expect(']');
    }
    try {
      checkTensorSize(t.shape, t.elem, "type " + typeToString(t));
    } catch (const Error& e) {
      fail(e.what());
    }
    return t;
  }

  // --- lexical helpers ---
  bool atEnd() const { return pos_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[pos_]; }
  void skipSpace() {
    while (!atEnd()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      } else if (s_[pos_] == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/') {
        while (!atEnd() && s_[pos_] != '\n') ++pos_;  // comment
      } else {
        break;
      }
    }
  }
  bool tryChar(char c) {
    skipSpace();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!tryChar(c)) fail(std::string("expected '") + c + "'");
  }
  bool tryWord(const char* w) {
    skipSpace();
    size_t n = std::strlen(w);
    if (s_.compare(pos_, n, w) != 0) return false;
    if (pos_ + n < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_ + n])) || s_[pos_ + n] == '_')) return false;
    pos_ += n;
    return true;
  }
  void expectWord(const char* w) {
    if (!tryWord(w)) fail(std::string("expected '") + w + "'");
  }
  std::string parseIdentifier() {
    skipSpace();
    size_t start = pos_;
    while (!atEnd() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) ++pos_;
    if (start == pos_) fail("expected a name");
    return s_.substr(start, pos_ - start);
  }
  std::string parseString() {
    skipSpace();
    if (peek() != '"') fail("expected a quoted string");
    ++pos_;
    std::string out;
    while (true) {
      if (atEnd()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        if (atEnd()) fail("unterminated string");
        char e = s_[pos_++];
        if (e == 'n') out += '\n';
        else if (e == 'x') {
          if (pos_ + 2 > s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_])) ||
              !std::isxdigit(static_cast<unsigned char>(s_[pos_ + 1])))
            fail("bad \\x escape");
          out += static_cast<char>(std::stoi(s_.substr(pos_, 2), nullptr, 16));
          pos_ += 2;
        } else out += e;
      } else {
        out += c;
      }
    }
    return out;
  }
  std::string parseValueRef() {
    skipSpace();
    if (peek() != '%') fail("expected a value name starting with '%'");
    ++pos_;
    if (peek() == '"') return parseString();
    size_t start = pos_;
    while (!atEnd()) {
      char c = peek();
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-') ++pos_;
      else break;
    }
    if (start == pos_) fail("empty value name");
    return s_.substr(start, pos_ - start);
  }
  std::string numberToken() {
    skipSpace();
    size_t start = pos_;
    while (!atEnd()) {
      char c = peek();
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+') ++pos_;
      else break;
    }
    if (start == pos_) fail("expected a number");
    return s_.substr(start, pos_ - start);
  }
  static bool looksFloat(const std::string& t) {
    return t.find_first_of(".eE") != std::string::npos || t.find("inf") != std::string::npos || t == "nan";
  }
  double toDouble(const std::string& t) {
    if (t == "nan") return NAN;
    if (t == "inf") return INFINITY;
    if (t == "-inf") return -INFINITY;
    try {
      size_t used = 0;
      double v = std::stod(t, &used);
      if (used != t.size()) fail("bad number '" + t + "'");
      return v;
    } catch (const std::out_of_range&) {
      return 0.0;  // subnormal underflow: stod throws, the value is 0 at float precision
    } catch (const std::invalid_argument&) {
      fail("bad number '" + t + "'");
    }
  }
  double parseNumber() { return toDouble(numberToken()); }
  int64_t parseInteger() { return toInteger(numberToken()); }
  // std::stoll throws invalid_argument and out_of_range; both become this parser's error.
  int64_t toInteger(const std::string& t) {
    try {
      size_t used = 0;
      int64_t v = std::stoll(t, &used);
      if (used != t.size()) fail("bad integer '" + t + "'");
      return v;
    } catch (const std::exception&) {
      fail("bad integer '" + t + "'");
    }
  }
  [[noreturn]] void fail(const std::string& reason) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    failBadInput("text IR line " + std::to_string(line) + ":" + std::to_string(col) + ": " + reason);
  }

  const std::string& s_;
  const BlobStore& blobs_;
  size_t pos_ = 0;
  int depth_ = 0;  // bodies being parsed around the current position
};

}  // namespace

Attribute parseAttributeText(const std::string& text) {
  static const BlobStore noBlobs;
  return Parser(text, noBlobs).parseWholeAttribute();
}

Graph parseGraph(const std::string& text, const BlobStore& blobs) {
  Graph g = Parser(text, blobs).parse();
  verifyGraph(g);
  return g;
}

// Weights file: "NESTW1\n", then per blob: u64 hash, i32 elem, i32 rank, i64 dims[rank], bytes.
static std::string weightsFileBytes(const BlobStore& blobs) {
  std::ostringstream w(std::ios::binary);
  w << "NESTW1\n";
  for (const auto& [hash, t] : blobs) {
    int32_t elem = static_cast<int32_t>(t.elem()), rank = static_cast<int32_t>(t.shape().size());
    w.write(reinterpret_cast<const char*>(&hash), 8);
    w.write(reinterpret_cast<const char*>(&elem), 4);
    w.write(reinterpret_cast<const char*>(&rank), 4);
    w.write(reinterpret_cast<const char*>(t.shape().data()), 8 * rank);
    w.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.byteSize()));
  }
  return std::move(w).str();
}

void writeTextIrFile(const Graph& graph, const std::filesystem::path& file) {
  BlobStore blobs = blobsOf(graph);
  std::filesystem::path weights = file.string() + ".weights";
  // The weights first: the text names them by hash, so a new text never points at old weights.
  if (!blobs.empty()) writeFileAtomically(weights, weightsFileBytes(blobs));
  writeFileAtomically(file, printGraph(graph));
  if (blobs.empty()) std::filesystem::remove(weights);
}

Graph readTextIrFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) failBadInput("cannot open " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  BlobStore blobs;
  std::ifstream w(file.string() + ".weights", std::ios::binary);
  if (w) {
    std::string magic;
    std::getline(w, magic);
    if (magic != "NESTW1") failBadInput(file.string() + ".weights is not a NEST weights file");
    uint64_t hash;
    while (w.read(reinterpret_cast<char*>(&hash), 8)) {
      int32_t elem = 0, rank = 0;
      w.read(reinterpret_cast<char*>(&elem), 4);
      w.read(reinterpret_cast<char*>(&rank), 4);
      if (!w || rank < 0 || rank > 64 || elem < 0 || elem > static_cast<int32_t>(ElemType::Bool))
        failBadInput(file.string() + ".weights is corrupt");
      Shape shape(static_cast<size_t>(rank));
      w.read(reinterpret_cast<char*>(shape.data()), 8 * rank);
      checkTensorSize(shape, static_cast<ElemType>(elem), file.string() + ".weights blob");
      const auto here = w.tellg();
      w.seekg(0, std::ios::end);
      const auto left = static_cast<uint64_t>(w.tellg() - here);
      w.seekg(here);
      if (!w || left < numElements(shape) * elemSize(static_cast<ElemType>(elem)))
        failBadInput(file.string() + ".weights is truncated");
      Tensor t(TensorType(static_cast<ElemType>(elem), shape));
      if (!w.read(static_cast<char*>(t.rawMutable()), static_cast<std::streamsize>(t.byteSize())))
        failBadInput(file.string() + ".weights is truncated");
      blobs.emplace(hash, std::move(t));
    }
  }
  try {
    return parseGraph(ss.str(), blobs);
  } catch (const Error& e) {
    throw Error(e.kind(), file.string() + ": " + e.what());
  }
}

}  // namespace nest
