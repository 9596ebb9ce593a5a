#include "core/assignment.h"

#include <set>

#include "core/error.h"
#include "core/node_keys.h"

namespace nest {

const Assignment* Assignments::find(const std::string& key) const {
  auto it = byKey.find(key);
  return it == byKey.end() ? nullptr : &it->second;
}

std::string Assignments::deviceOf(const Node& node) const {
  const Assignment* a = find(stableKey(node));
  return a ? a->device : std::string();
}

namespace {

// A setting the absorbed node gives must be the survivor's too; one it leaves out is the survivor's.
template <typename T>
bool kept(const T& survivor, const T& absorbed, const T& unset) {
  return absorbed == unset || absorbed == survivor;
}

std::string precisionOf(const QuantOverride& q) {
  return q.keepFloat ? "fp32" : q.precision ? quantPrecisionName(*q.precision) : "";
}

}  // namespace

bool Assignments::absorbable(const Node& survivor, const Node& absorbed) const {
  static const Assignment none;
  const Assignment* y = find(stableKey(absorbed));
  if (!y) return true;
  const Assignment* x = find(stableKey(survivor));
  if (!x) x = &none;
  return kept(x->device, y->device, std::string()) && kept(precisionOf(x->quant), precisionOf(y->quant), std::string()) &&
         kept(x->quant.schema, y->quant.schema, std::optional<QuantSchema>()) &&
         kept(x->quant.calibration, y->quant.calibration, std::optional<Calibration>());
}

Assignments parseAssignments(const nlohmann::json& nodes, const std::string& source) {
  Assignments out;
  if (nodes.is_null()) return out;
  if (!nodes.is_object()) failBadInput(source + ": \"nodes\" must be an object (node key -> assignment)");
  for (const auto& [key, entry] : nodes.items()) {
    const std::string where = source + ": nodes." + key;
    Assignment a;
    a.quant = parseQuantOverride(entry, where);  // checks that the entry is an object
    for (auto [field, target] : {std::pair{"device", &a.device}, {"name", &a.name}, {"glowName", &a.glowName}}) {
      if (!entry.contains(field)) continue;
      if (!entry[field].is_string() || entry[field].get<std::string>().empty())
        failBadInput(where + "." + field + " must be a non-empty string");
      *target = entry[field].get<std::string>();
    }
    if (entry.contains("autoPlaced")) {
      if (!entry["autoPlaced"].is_boolean()) failBadInput(where + ".autoPlaced must be true or false");
      a.autoPlaced = entry["autoPlaced"].get<bool>();
      if (a.autoPlaced && a.device.empty()) failBadInput(where + ".autoPlaced is set but the entry has no device");
    }
    out.byKey[key] = std::move(a);
  }
  return out;
}

nlohmann::json assignmentToJson(const Assignment& a) {
  nlohmann::json j = quantOverrideToJson(a.quant);
  if (!a.name.empty()) j["name"] = a.name;
  if (!a.glowName.empty()) j["glowName"] = a.glowName;
  if (!a.device.empty()) j["device"] = a.device;
  if (a.autoPlaced) j["autoPlaced"] = true;
  return j;
}

std::vector<DeviceSpec> parseDeviceList(const nlohmann::json& devices, const std::string& source) {
  std::vector<DeviceSpec> out;
  if (devices.is_null()) return out;
  if (!devices.is_array()) failBadInput(source + ": \"devices\" must be a list of {\"name\", \"backend\"} objects");
  std::set<std::string> seen;
  for (size_t i = 0; i < devices.size(); ++i) {
    const nlohmann::json& d = devices[i];
    const std::string where = source + ": devices[" + std::to_string(i) + "]";
    if (!d.is_object()) failBadInput(where + " must be an object {\"name\", \"backend\"}");
    DeviceSpec spec;
    for (auto [field, target] : {std::pair{"name", &spec.name}, {"backend", &spec.backend}}) {
      if (!d.contains(field) || !d[field].is_string() || d[field].get<std::string>().empty())
        failBadInput(where + "." + field + " must be a non-empty string");
      *target = d[field].get<std::string>();
    }
    if (d.contains("parameters")) {
      const nlohmann::json& params = d["parameters"];
      if (!params.is_object()) failBadInput(where + ".parameters must be an object of \"KEY\": \"VALUE\" strings");
      for (const auto& [key, value] : params.items()) {
        if (value.is_string()) spec.parameters[key] = value.get<std::string>();
        else if (value.is_number()) spec.parameters[key] = value.dump();
        else failBadInput(where + ".parameters." + key + " must be a string or a number");
      }
    }
    if (!seen.insert(spec.name).second) failBadInput(where + ": device '" + spec.name + "' is listed twice");
    out.push_back(std::move(spec));
  }
  return out;
}

nlohmann::json deviceListToJson(const std::vector<DeviceSpec>& devices) {
  nlohmann::json j = nlohmann::json::array();
  for (const DeviceSpec& d : devices) {
    nlohmann::json entry = {{"name", d.name}, {"backend", d.backend}};
    if (!d.parameters.empty()) entry["parameters"] = d.parameters;
    j.push_back(entry);
  }
  return j;
}

}  // namespace nest
