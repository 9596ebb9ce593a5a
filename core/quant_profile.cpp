#include "core/quant_profile.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <variant>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text_ir.h"

namespace nest {

namespace {

// FNV-1a, 64 bit, fed field by field.
struct Fnv1a {
  uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  // Every field ends with a separator so that "ab"+"c" and "a"+"bc" differ.
  void str(const std::string& s) { bytes(s.data(), s.size()); bytes("\x1f", 1); }
  void u64(uint64_t v) { bytes(&v, sizeof v); }
};

void hashAttribute(Fnv1a& f, const Attribute& a) {
  f.u64(a.index());
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float>) f.bytes(&v, sizeof v);
        else if constexpr (std::is_same_v<T, std::string>) f.str(v);
        else if constexpr (std::is_same_v<T, Strings>) {
          f.u64(v.size());
          for (const auto& s : v) f.str(s);
        } else if constexpr (std::is_same_v<T, Tensor>) {
          f.str(typeToString(v.type()));
          f.u64(v.contentHash());
        } else if constexpr (std::is_same_v<T, GraphAttr>) {
          f.str(v ? printGraph(*v) : std::string());  // a body, by its text (blobs by hash)
        } else {  // Ints, Floats
          f.u64(v.size());
          f.bytes(v.data(), v.size() * sizeof(v[0]));
        }
      },
      a);
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// Shortest text that reads back as the same float (Glow prints all digits for the same reason:
// power-of-two scales must survive the round trip).
std::string floatText(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// YAML single-quoted scalar: every printable character stands for itself, '' is a quote.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else out += c;
  }
  return out + "'";
}

[[noreturn]] void failAt(const std::string& source, const YAML::Mark& mark, const std::string& what) {
  std::string where = source;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  failBadInput("profile " + where + ": " + what);
}

float readFloat(const YAML::Node& n, const std::string& source, const std::string& what) {
  if (!n.IsScalar()) failAt(source, n.Mark(), what + " must be a number");
  const std::string& s = n.Scalar();
  float v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) failAt(source, n.Mark(), what + " '" + s + "' is not a number");
  return v;
}

}  // namespace

const ValueProfile* QuantProfile::find(const std::string& name) const {
  for (const ValueProfile& v : values)
    if (v.name == name) return &v;
  return nullptr;
}

std::string graphHash(const Graph& g) {
  Fnv1a f;
  auto valueWithType = [&](const std::string& v) {
    f.str(v);
    const TensorType* t = g.findType(v);
    f.str(t ? typeToString(*t) : std::string("?"));
  };
  f.u64(g.inputs.size());
  for (const auto& v : g.inputs) valueWithType(v);
  f.u64(g.outputs.size());
  for (const auto& v : g.outputs) f.str(v);
  f.u64(g.constants().size());
  for (const auto& [name, t] : g.constants()) {
    valueWithType(name);
    f.u64(t.contentHash());
  }
  f.u64(g.nodes.size());
  for (const Node& n : g.nodes) {
    f.str(n.op);
    f.u64(n.attrs.all().size());
    for (const auto& [key, a] : n.attrs.all()) {
      f.str(key);
      hashAttribute(f, a);
    }
    f.u64(n.inputs.size());
    for (const auto& v : n.inputs) f.str(v);
    f.u64(n.outputs.size());
    for (const auto& v : n.outputs) valueWithType(v);
  }
  return hex16(f.h);
}

std::string profileToYaml(const QuantProfile& profile) {
  std::string out = "---\nGraphPreLowerHash: 0x" + profile.graphHash + "\n...\n---\n";
  if (profile.values.empty()) out += "[]\n";
  for (const ValueProfile& v : profile.values) {
    out += "- NodeOutputName:  " + quoted(v.name) + "\n";
    out += "  Min:             " + floatText(v.min) + "\n";
    out += "  Max:             " + floatText(v.max) + "\n";
    out += "  Histogram:       [";
    for (size_t i = 0; i < v.histogram.size(); ++i) out += (i ? ", " : " ") + floatText(v.histogram[i]);
    out += v.histogram.empty() ? "]\n" : " ]\n";
    auto list = [&](const char* key, size_t n, auto at) {
      if (n == 0) return;
      out += std::string("  ") + key + std::string(17 - std::string(key).size() - 2, ' ') + "[";
      for (size_t i = 0; i < n; ++i) out += (i ? ", " : " ") + floatText(static_cast<float>(at(i)));
      out += " ]\n";
    };
    list("ChannelMeans:", v.channelMeans.size(), [&](size_t i) { return v.channelMeans[i]; });
    list("ChannelMins:", v.channelMins.size(), [&](size_t i) { return v.channelMins[i]; });
    list("ChannelMaxs:", v.channelMaxs.size(), [&](size_t i) { return v.channelMaxs[i]; });
  }
  return out + "...\n";
}

namespace {
// YAML::LoadAll, one document at a time: yaml-cpp 0.7's LoadAll loops forever (and grows without
// bound) on a stray ',' in block context, a token its document parser never consumes. Documents
// are split at their '---' / '...' marker lines and each is loaded alone; blank lines stand in for
// the text before it, so error marks keep their line numbers.
std::vector<YAML::Node> loadYamlDocuments(const std::string& text) {
  std::vector<YAML::Node> docs;
  std::string doc;
  bool content = false, started = false;
  int line = 0, docLine = 0;
  auto flush = [&](bool force) {
    if (content || force) docs.push_back(YAML::Load(std::string(static_cast<size_t>(docLine), '\n') + doc));
    doc.clear();
    content = false;
  };
  auto marker = [](const std::string& l, const char* m) {
    return l.compare(0, 3, m) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
  };
  for (size_t pos = 0; pos <= text.size(); ++line) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string l = text.substr(pos, end - pos);
    pos = end + 1;
    if (marker(l, "---")) {
      flush(started);
      started = true;
      docLine = line;
      doc = "   " + l.substr(3) + "\n";  // what follows the marker on its line, at its column
      content = l.find_first_not_of(" \t\r", 3) != std::string::npos && l[l.find_first_not_of(" \t\r", 3)] != '#';
      continue;
    }
    if (marker(l, "...")) {
      flush(started);
      started = false;
      docLine = line + 1;
      continue;
    }
    const size_t first = l.find_first_not_of(" \t\r");
    if (first != std::string::npos && l[first] != '#') content = true;
    doc += l + "\n";
  }
  flush(started);
  return docs;
}
}  // namespace

QuantProfile parseProfileYaml(const std::string& text, const std::string& source) {
  std::vector<YAML::Node> docs;
  try {
    docs = loadYamlDocuments(text);
  } catch (const YAML::Exception& e) {
    failAt(source, e.mark, "not valid YAML: " + e.msg);
  }
  QuantProfile profile;
  // Glow writes [GlowToolsVersion,] GraphPreLowerHash, then the list; read all three forms.
  size_t d = 0;
  if (d < docs.size() && docs[d].IsMap() && docs[d]["GlowToolsVersion"]) ++d;
  if (d < docs.size() && docs[d].IsMap()) {
    YAML::Node hash = docs[d]["GraphPreLowerHash"];
    if (!hash || !hash.IsScalar()) failAt(source, docs[d].Mark(), "expected a document 'GraphPreLowerHash: 0x...'");
    std::string h = hash.Scalar();
    if (h.size() > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) h = h.substr(2);
    if (h.empty() || h.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      failAt(source, hash.Mark(), "GraphPreLowerHash '" + hash.Scalar() + "' is not a hex number");
    for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    profile.graphHash = h;
    ++d;
  }
  if (d >= docs.size()) failBadInput("profile " + source + ": no list of NodeOutputName/Min/Max/Histogram entries");
  const YAML::Node& list = docs[d];
  if (!list.IsSequence()) failAt(source, list.Mark(), "expected a list of NodeOutputName/Min/Max/Histogram entries");
  if (d + 1 < docs.size()) failAt(source, docs[d + 1].Mark(), "unexpected document after the profile list");
  for (const YAML::Node& e : list) {
    if (!e.IsMap()) failAt(source, e.Mark(), "a profile entry must be a map with NodeOutputName, Min, Max, Histogram");
    for (const char* key : {"NodeOutputName", "Min", "Max", "Histogram"})
      if (!e[key]) failAt(source, e.Mark(), std::string("profile entry without '") + key + "'");
    ValueProfile v;
    if (!e["NodeOutputName"].IsScalar()) failAt(source, e["NodeOutputName"].Mark(), "NodeOutputName must be a string");
    v.name = e["NodeOutputName"].Scalar();
    v.min = readFloat(e["Min"], source, "Min of '" + v.name + "'");
    v.max = readFloat(e["Max"], source, "Max of '" + v.name + "'");
    if (v.min > v.max) failAt(source, e["Min"].Mark(), "Min > Max for '" + v.name + "'");
    const YAML::Node& hist = e["Histogram"];
    if (!hist.IsSequence()) failAt(source, hist.Mark(), "Histogram of '" + v.name + "' must be a list of counts");
    for (const YAML::Node& c : hist) {
      float count = readFloat(c, source, "histogram count of '" + v.name + "'");
      if (count < 0) failAt(source, c.Mark(), "negative histogram count for '" + v.name + "'");
      v.histogram.push_back(count);
    }
    auto readList = [&](const char* key, auto push) {
      if (const YAML::Node& list = e[key]) {
        if (!list.IsSequence()) failAt(source, list.Mark(), std::string(key) + " of '" + v.name + "' must be a list of numbers");
        for (const YAML::Node& m : list) push(readFloat(m, source, std::string(key) + " entry of '" + v.name + "'"));
      }
    };
    readList("ChannelMeans", [&](float x) { v.channelMeans.push_back(x); });
    readList("ChannelMins", [&](float x) { v.channelMins.push_back(x); });
    readList("ChannelMaxs", [&](float x) { v.channelMaxs.push_back(x); });
    if (v.channelMins.size() != v.channelMaxs.size())
      failAt(source, e.Mark(), "ChannelMins and ChannelMaxs of '" + v.name + "' differ in length");
    if (profile.find(v.name)) failAt(source, e.Mark(), "value '" + v.name + "' is profiled twice");
    profile.values.push_back(std::move(v));
  }
  return profile;
}

QuantProfile readProfile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot read profile " + file.string() + ": no such file or not readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseProfileYaml(ss.str(), file.string());
}

void writeProfile(const std::filesystem::path& file, const QuantProfile& profile) {
  writeFileAtomically(file, profileToYaml(profile));
}

void requireMatchingProfile(const QuantProfile& profile, const Graph& graph, const std::string& profileSource) {
  std::string mine = graphHash(graph);
  if (profile.graphHash == mine) return;
  failBadInput("profile " + profileSource + " was recorded for a different graph (hash " +
               (profile.graphHash.empty() ? std::string("none") : profile.graphHash) + ", this graph " + mine +
               "): re-run nestc profile");
}

}  // namespace nest
