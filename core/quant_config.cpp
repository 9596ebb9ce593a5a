#include "core/quant_config.h"

#include "core/error.h"
#include "core/node_keys.h"

namespace nest {

namespace {

const QuantOverride* findOverride(const std::map<std::string, QuantOverride>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

void apply(QuantSettings& s, const QuantOverride* o) {
  if (!o) return;
  if (o->schema) s.schema = *o->schema;
  if (o->calibration) s.calibration = *o->calibration;
  if (o->precision) s.precision = *o->precision;
}

std::string stringField(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j[key].is_string()) failBadInput(where + "." + key + " must be a string");
  return j[key].get<std::string>();
}

std::map<std::string, QuantOverride> parseOverrides(const nlohmann::json& j, const std::string& where) {
  std::map<std::string, QuantOverride> m;
  if (j.is_null()) return m;
  if (!j.is_object()) failBadInput(where + " must be an object (name -> overrides)");
  for (const auto& [name, entry] : j.items()) m[name] = parseQuantOverride(entry, where + "." + name);
  return m;
}

}  // namespace

QuantOverride parseQuantOverride(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) failBadInput(where + " must be an object");
  QuantOverride o;
  if (j.contains("keepFloat")) {
    if (!j["keepFloat"].is_boolean()) failBadInput(where + ".keepFloat must be true or false");
    o.keepFloat = j["keepFloat"].get<bool>();
  }
  if (j.contains("schema")) o.schema = parseQuantSchema(stringField(j, "schema", where), where + ".schema");
  if (j.contains("calibration"))
    o.calibration = parseCalibration(stringField(j, "calibration", where), where + ".calibration");
  if (j.contains("precision")) {
    const std::string p = stringField(j, "precision", where);
    if (p == "fp32") {
      if (j.contains("keepFloat") && !o.keepFloat)
        failBadInput(where + ": precision fp32 contradicts keepFloat false");
      o.keepFloat = true;  // fp32 is how a device assignment spells "keep float"
    } else {
      o.precision = parseQuantPrecision(p, where + ".precision");
    }
  }
  return o;
}

bool QuantConfig::keepsFloat(const Node& node) const {
  if (const QuantOverride* o = findOverride(nodes, stableKey(node))) return o->keepFloat;
  if (const QuantOverride* o = findOverride(opTypes, node.op)) return o->keepFloat;
  return false;
}

QuantSettings QuantConfig::settingsFor(const Node& node) const {
  QuantSettings s = defaults;
  apply(s, findOverride(opTypes, node.op));
  apply(s, findOverride(nodes, stableKey(node)));
  return s;
}

QuantConfig parseQuantConfig(const nlohmann::json& quantization, const nlohmann::json& opTypes,
                             const nlohmann::json& nodes, const std::string& source) {
  QuantConfig c;
  if (!quantization.is_null()) {
    const std::string where = source + ": quantization";
    if (!quantization.is_object()) failBadInput(where + " must be an object");
    QuantOverride d = parseQuantOverride(quantization, where);
    if (d.keepFloat) failBadInput(where + ".keepFloat belongs to nodes or opTypes entries");
    apply(c.defaults, &d);
    if (quantization.contains("perChannel")) {
      if (!quantization["perChannel"].is_boolean()) failBadInput(where + ".perChannel must be true or false");
      c.perChannel = quantization["perChannel"].get<bool>();
    }
    if (quantization.contains("biasCorrection")) {
      if (!quantization["biasCorrection"].is_boolean()) failBadInput(where + ".biasCorrection must be true or false");
      c.biasCorrection = quantization["biasCorrection"].get<bool>();
    }
    if (quantization.contains("absorbHighBias")) {
      if (!quantization["absorbHighBias"].is_boolean()) failBadInput(where + ".absorbHighBias must be true or false");
      c.absorbHighBias = quantization["absorbHighBias"].get<bool>();
    }
  }
  c.opTypes = parseOverrides(opTypes, source + ": opTypes");
  c.nodes = parseOverrides(nodes, source + ": nodes");
  return c;
}

nlohmann::json quantOverrideToJson(const QuantOverride& o) {
  nlohmann::json j = nlohmann::json::object();
  if (o.keepFloat) j["keepFloat"] = true;
  if (o.schema) j["schema"] = quantSchemaName(*o.schema);
  if (o.calibration) j["calibration"] = calibrationName(*o.calibration);
  if (o.precision) j["precision"] = quantPrecisionName(*o.precision);
  return j;
}

}  // namespace nest
