#include "core/attribute.h"

#include "core/error.h"
#include "core/graph.h"

namespace nest {

namespace {
template <typename T>
const T& typed(const std::map<std::string, Attribute>& m, const std::string& name, const char* what) {
  const Attribute& a = m.at(name);
  if (auto* v = std::get_if<T>(&a)) return *v;
  failBadInput("attribute '" + name + "' should be " + what);
}
}  // namespace

int64_t Attributes::getInt(const std::string& name, int64_t def) const {
  return has(name) ? typed<int64_t>(all(), name, "an integer") : def;
}

int64_t Attributes::getInt(const std::string& name) const {
  if (!has(name)) failBadInput("required attribute '" + name + "' is missing");
  return typed<int64_t>(all(), name, "an integer");
}

float Attributes::getFloat(const std::string& name, float def) const {
  if (!has(name)) return def;
  if (auto* i = std::get_if<int64_t>(&all().at(name))) return static_cast<float>(*i);
  return typed<float>(all(), name, "a float");
}

std::string Attributes::getString(const std::string& name, const std::string& def) const {
  return has(name) ? typed<std::string>(all(), name, "a string") : def;
}

Ints Attributes::getInts(const std::string& name, const Ints& def) const {
  if (!has(name)) return def;
  if (auto* f = std::get_if<Floats>(&all().at(name)); f && f->empty()) return {};
  return typed<Ints>(all(), name, "a list of integers");
}

Floats Attributes::getFloats(const std::string& name, const Floats& def) const {
  if (!has(name)) return def;
  if (auto* i = std::get_if<Ints>(&all().at(name))) return Floats(i->begin(), i->end());
  return typed<Floats>(all(), name, "a list of floats");
}

const Tensor* Attributes::getTensor(const std::string& name) const {
  if (!has(name)) return nullptr;
  return &typed<Tensor>(all(), name, "a tensor");
}

const Graph* Attributes::getGraph(const std::string& name) const {
  if (!has(name)) return nullptr;
  const GraphAttr& g = typed<GraphAttr>(all(), name, "a graph");
  if (!g) failBadInput("attribute '" + name + "' holds no graph");
  return g.get();
}

bool attributeEquals(const Attribute& a, const Attribute& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& va) {
        using T = std::decay_t<decltype(va)>;
        const T& vb = std::get<T>(b);
        if constexpr (std::is_same_v<T, Tensor>)
          return va.type() == vb.type() && va.sameBytes(vb);
        else if constexpr (std::is_same_v<T, GraphAttr>)
          return va == vb || (va && vb && graphsEqual(*va, *vb));
        else
          return va == vb;
      },
      a);
}

const std::map<std::string, Attribute>& Attributes::all() const {
  static const Map kNone;
  return map_ ? *map_ : kNone;
}

Attributes::Map& Attributes::writable() {
  if (!map_) map_ = std::make_shared<Map>();
  else if (map_.use_count() > 1) map_ = std::make_shared<Map>(*map_);
  return *map_;
}

bool Attributes::operator==(const Attributes& other) const {
  const Map& a = all();
  const Map& b = other.all();
  if (a.size() != b.size()) return false;
  for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt)
    if (it->first != jt->first || !attributeEquals(it->second, jt->second)) return false;
  return true;
}

}  // namespace nest
