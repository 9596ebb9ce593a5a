// Node attributes: a sorted map from name to a typed value.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.h"

namespace nest {

using Ints = std::vector<int64_t>;
using Floats = std::vector<float>;
using Strings = std::vector<std::string>;

class Graph;
// A subgraph (If's branches, Loop's body): immutable once made, so copies of a node (graph
// snapshots) share it; a pass that rewrites a body makes a new one. Outer-scope values the body
// reads are explicit operands of its node and inputs of the body (core/ops/control_flow_ops.cpp).
using GraphAttr = std::shared_ptr<const Graph>;

using Attribute = std::variant<int64_t, float, std::string, Ints, Floats, Strings, Tensor, GraphAttr>;

class Attributes {
 public:
  bool has(const std::string& name) const { return map_ && map_->count(name) != 0; }
  void set(const std::string& name, Attribute value) { writable()[name] = std::move(value); }
  void erase(const std::string& name) {
    if (has(name)) writable().erase(name);
  }
  const std::map<std::string, Attribute>& all() const;
  size_t size() const { return map_ ? map_->size() : 0; }

  // Typed getters; a missing attribute gives the default, a wrongly typed one throws.
  int64_t getInt(const std::string& name, int64_t def) const;
  int64_t getInt(const std::string& name) const;  // required
  float getFloat(const std::string& name, float def) const;
  std::string getString(const std::string& name, const std::string& def) const;
  Ints getInts(const std::string& name, const Ints& def = {}) const;
  Floats getFloats(const std::string& name, const Floats& def = {}) const;
  const Tensor* getTensor(const std::string& name) const;
  const Graph* getGraph(const std::string& name) const;  // nullptr when missing

  bool operator==(const Attributes& other) const;

 private:
  using Map = std::map<std::string, Attribute>;
  Map& writable();  // the map, unshared (copied) first when a copy of these attributes shares it

  // Shared between copies until one of them writes (copying a node, e.g. for a graph snapshot,
  // does not copy its attributes); null when there are none.
  std::shared_ptr<Map> map_;
};

bool attributeEquals(const Attribute& a, const Attribute& b);

}  // namespace nest
