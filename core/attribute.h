// Node attributes: a sorted map from name to a typed value.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.h"

namespace nest {

using Ints = std::vector<int64_t>;
using Floats = std::vector<float>;
using Strings = std::vector<std::string>;

using Attribute = std::variant<int64_t, float, std::string, Ints, Floats, Strings, Tensor>;

class Attributes {
 public:
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void set(const std::string& name, Attribute value) { map_[name] = std::move(value); }
  void erase(const std::string& name) { map_.erase(name); }
  const std::map<std::string, Attribute>& all() const { return map_; }
  size_t size() const { return map_.size(); }

  // Typed getters; a missing attribute gives the default, a wrongly typed one throws.
  int64_t getInt(const std::string& name, int64_t def) const;
  int64_t getInt(const std::string& name) const;  // required
  float getFloat(const std::string& name, float def) const;
  std::string getString(const std::string& name, const std::string& def) const;
  Ints getInts(const std::string& name, const Ints& def = {}) const;
  Floats getFloats(const std::string& name, const Floats& def = {}) const;
  const Tensor* getTensor(const std::string& name) const;

  bool operator==(const Attributes& other) const;

 private:
  std::map<std::string, Attribute> map_;
};

bool attributeEquals(const Attribute& a, const Attribute& b);

}  // namespace nest
