#include "core/device_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace nest {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> commaList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    if (!trim(item).empty()) items.push_back(trim(item));
  return items;
}

// Shortest text that reads back as the same double.
std::string numberText(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool isHardwareKey(const std::string& key) {
  static const std::set<std::string> plain = {"BATCH",         "BLOCK",         "BLOCK_IN",      "BLOCK_OUT",
                                              "UOP_BUFF_SIZE", "INP_BUFF_SIZE", "WGT_BUFF_SIZE", "ACC_BUFF_SIZE",
                                              "CLOCK_MHZ",     "DRAM_BYTES_PER_CYCLE", "DRAM_LATENCY_CYCLES"};
  return key.rfind("LOG_", 0) == 0 || plain.count(key) != 0;
}

// A device whose partitions run on the host itself: no link to cross.
bool runsOnHost(const DeviceConfig& d) {
  const std::string b = d.registryBackend();
  return b == "cpu" || b == "interpreter";
}

// Where a problem is: "devices FILE:LINE, device 'NAME': ".
struct Where {
  std::string source;
  std::string device;
  [[noreturn]] void fail(int line0, const std::string& what) const {
    std::string at = "devices " + source;
    if (line0 >= 0) at += ":" + std::to_string(line0 + 1);
    if (!device.empty()) at += ", device '" + device + "'";
    failBadInput(at + ": " + what);
  }
};

double parseDouble(const Where& w, int line, const std::string& key, const std::string& text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < 0)
    w.fail(line, "\"" + key + "\" '" + text + "' is not a non-negative number");
  return v;
}

int64_t parseInt(const Where& w, int line, const std::string& key, const std::string& text) {
  int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < 0)
    w.fail(line, key + " '" + text + "' is not a non-negative integer");
  return v;
}

// One `"key" : "value"` line (spaces around ':' optional); false when it is not one.
bool splitParameterLine(const std::string& line, std::string& key, std::string& value) {
  size_t i = 0;
  auto quoted = [&](std::string& out) {
    if (i >= line.size() || line[i] != '"') return false;
    const size_t end = line.find('"', i + 1);
    if (end == std::string::npos) return false;
    out = line.substr(i + 1, end - i - 1);
    i = end + 1;
    return true;
  };
  auto spaces = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  if (!quoted(key)) return false;
  spaces();
  if (i >= line.size() || line[i] != ':') return false;
  ++i;
  spaces();
  if (!quoted(value)) return false;
  spaces();
  return i == line.size() && !key.empty();
}

// Fills the fields read from `parameters` (deviceID, lists, flags, link, hardware).
// `lines`: the 0-based file line of each parameter, for messages (empty: unknown).
void deriveFields(DeviceConfig& d, const Where& w, const std::vector<int>& lines) {
  const DeviceConfig fresh;
  d.deviceID.reset();
  d.supportedNodes.clear(), d.nonSupportedNodes.clear(), d.fuseOperators.clear(), d.hardware.clear();
  d.partitionDefaultDevice = false;
  d.linkBytesPerSecond = runsOnHost(d) ? 0 : fresh.linkBytesPerSecond;
  d.linkLatencyUs = runsOnHost(d) ? 0 : fresh.linkLatencyUs;
  for (size_t i = 0; i < d.parameters.size(); ++i) {
    const auto& [key, value] = d.parameters[i];
    const int line = i < lines.size() ? lines[i] : -1;
    if (key == "deviceID") {
      d.deviceID = static_cast<int>(parseInt(w, line, "\"deviceID\"", value));
    } else if (key == "supportedNodes") {
      d.supportedNodes = commaList(value);
    } else if (key == "nonSupportedNodes") {
      d.nonSupportedNodes = commaList(value);
    } else if (key == "fuseOperators") {
      d.fuseOperators = commaList(value);
    } else if (key == "partitionDefaultDevice") {
      if (value != "true" && value != "false") w.fail(line, "\"partitionDefaultDevice\" '" + value + "' is not true or false");
      d.partitionDefaultDevice = value == "true";
    } else if (key == "linkBandwidthGBps") {
      d.linkBytesPerSecond = parseDouble(w, line, key, value) * 1e9;
    } else if (key == "linkLatencyUs") {
      d.linkLatencyUs = parseDouble(w, line, key, value);
    } else if (isHardwareKey(key)) {
      d.hardware[key] = value;
    }
  }
}

std::string scalarText(const YAML::Node& n, const Where& w, const std::string& what) {
  if (!n.IsScalar() && !n.IsNull()) w.fail(n.Mark().line, what + " must be a single value");
  return n.IsNull() ? std::string() : n.Scalar();
}

DeviceConfig readDevice(const YAML::Node& e, const std::string& source, size_t index) {
  Where w{source, ""};
  if (!e.IsMap()) w.fail(e.Mark().line, "device " + std::to_string(index + 1) + " must be a map with name, backendName, dramMemory, parameters");
  DeviceConfig d;
  for (const auto& kv : e) {
    const std::string key = kv.first.Scalar();
    if (key != "name" && key != "backendName" && key != "dramMemory" && key != "parameters")
      w.fail(kv.first.Mark().line, "unknown key '" + key + "' (known: name, backendName, dramMemory, parameters)");
  }
  if (!e["name"] || trim(scalarText(e["name"], w, "name")).empty())
    w.fail(e.Mark().line, "device " + std::to_string(index + 1) + " has no name");
  d.name = trim(e["name"].Scalar());
  w.device = d.name;
  if (!e["backendName"] || trim(scalarText(e["backendName"], w, "backendName")).empty())
    w.fail(e.Mark().line, "no backendName");
  d.backendName = trim(e["backendName"].Scalar());
  if (e["dramMemory"]) d.dramMemory = parseInt(w, e["dramMemory"].Mark().line, "dramMemory", trim(scalarText(e["dramMemory"], w, "dramMemory")));
  std::vector<int> lines;
  if (e["parameters"]) {
    const YAML::Node p = e["parameters"];
    const std::string text = scalarText(p, w, "parameters");
    // A literal block starts on the line after its '|'.
    int lineNo = p.Mark().line < 0 ? -1 : p.Mark().line + (p.Tag() == "!" ? 1 : 0);
    std::stringstream ss(text);
    std::set<std::string> seen;
    for (std::string line; std::getline(ss, line); lineNo += lineNo < 0 ? 0 : 1) {
      if (trim(line).empty()) continue;
      std::string key, value;
      if (!splitParameterLine(trim(line), key, value))
        w.fail(lineNo, "parameters line '" + trim(line) + "' is not \"key\" : \"value\"");
      if (!seen.insert(key).second) w.fail(lineNo, "parameter \"" + key + "\" is given twice");
      d.parameters.emplace_back(key, value);
      lines.push_back(lineNo);
    }
  }
  deriveFields(d, w, lines);
  return d;
}

bool safePlain(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/')) return false;
  return s[0] != '-';
}

std::string yamlValue(const std::string& s) {
  if (safePlain(s)) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void setParameter(std::vector<std::pair<std::string, std::string>>& params, const std::string& key, const std::string& value) {
  for (auto& [k, v] : params)
    if (k == key) {
      v = value;
      return;
    }
  params.emplace_back(key, value);
}

std::string joinedComma(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

// The parameters that make a reader derive `d`'s fields: the stored ones, with the keys of
// fields set in code (not through `parameters`) updated or added.
std::vector<std::pair<std::string, std::string>> parametersFor(const DeviceConfig& d) {
  DeviceConfig probe = d;
  const Where w{"(written)", d.name};
  deriveFields(probe, w, {});
  auto params = d.parameters;
  if (probe.deviceID != d.deviceID) {
    if (d.deviceID) setParameter(params, "deviceID", std::to_string(*d.deviceID));
    else std::erase_if(params, [](const auto& p) { return p.first == "deviceID"; });
  }
  if (probe.supportedNodes != d.supportedNodes) setParameter(params, "supportedNodes", joinedComma(d.supportedNodes));
  if (probe.nonSupportedNodes != d.nonSupportedNodes) setParameter(params, "nonSupportedNodes", joinedComma(d.nonSupportedNodes));
  if (probe.fuseOperators != d.fuseOperators) setParameter(params, "fuseOperators", joinedComma(d.fuseOperators));
  if (probe.partitionDefaultDevice != d.partitionDefaultDevice)
    setParameter(params, "partitionDefaultDevice", d.partitionDefaultDevice ? "true" : "false");
  if (probe.linkBytesPerSecond != d.linkBytesPerSecond) setParameter(params, "linkBandwidthGBps", numberText(d.linkBytesPerSecond / 1e9));
  if (probe.linkLatencyUs != d.linkLatencyUs) setParameter(params, "linkLatencyUs", numberText(d.linkLatencyUs));
  for (const auto& [key, value] : d.hardware)
    if (!probe.hardware.count(key) || probe.hardware.at(key) != value) setParameter(params, key, value);
  std::erase_if(params, [&](const auto& p) { return isHardwareKey(p.first) && !d.hardware.count(p.first); });
  return params;
}

}  // namespace

std::string DeviceConfig::registryBackend() const {
  const std::string b = lower(backendName);
  if (b == "cpu") return "cpu";
  if (b == "vta" || b == "evta" || b == "npu") return "npu";
  if (b == "interpreter") return "interpreter";
  return "";
}

std::vector<DeviceConfig> parseDeviceConfigs(const std::string& yaml, const std::string& source) {
  const Where w{source, ""};
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    w.fail(e.mark.line, "not valid YAML: " + e.msg);
  }
  if (!root.IsSequence()) w.fail(root.Mark().line, "expected a list of devices (- name: ..., backendName: ..., dramMemory: ..., parameters: |)");
  std::vector<DeviceConfig> devices;
  for (size_t i = 0; i < root.size(); ++i) {
    DeviceConfig d = readDevice(root[i], source, i);
    for (const DeviceConfig& other : devices)
      if (other.name == d.name) w.fail(root[i].Mark().line, "device name '" + d.name + "' is used twice");
    devices.push_back(std::move(d));
  }
  if (devices.empty()) w.fail(-1, "the list has no device");
  return devices;
}

std::vector<DeviceConfig> readDeviceConfigs(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot read devices " + file.string() + ": no such file or not readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseDeviceConfigs(ss.str(), file.string());
}

std::string writeDeviceConfigs(const std::vector<DeviceConfig>& devices) {
  std::string out = "---\n";
  for (const DeviceConfig& d : devices) {
    out += "- name:    " + yamlValue(d.name) + "\n";
    out += "  backendName: " + yamlValue(d.backendName) + "\n";
    out += "  parameters: |\n";
    for (const auto& [key, value] : parametersFor(d)) {
      if (key.find_first_of("\"\n\r") != std::string::npos || value.find_first_of("\"\n\r") != std::string::npos)
        failBadInput("device '" + d.name + "': parameter \"" + key + "\" cannot be written: a key or value holds a quote or a line break");
      out += "    \"" + key + "\" : \"" + value + "\"\n";
    }
    out += "  dramMemory: " + std::to_string(d.dramMemory) + "\n";
  }
  return out + "...\n";
}

std::string glowNodeKind(const Node& node) {
  static const std::map<std::string, std::string> kinds = {
      {"Conv", "Convolution"},     {"MaxPool", "MaxPool"},
      {"AveragePool", "AvgPool"},  {"GlobalAveragePool", "AvgPool"},
      {"Gemm", "FullyConnected"},  {"MatMul", "MatMul"},
      {"Relu", "Relu"},            {"Add", "Add"},
      {"Concat", "Concat"},        {"Reshape", "Reshape"},
      {"Flatten", "Reshape"},      {"Softmax", "SoftMax"},
      {"Transpose", "Transpose"},  {"BatchNormalization", "BatchNormalization"},
      {"Quantize", "Quantize"},    {"Dequantize", "Dequantize"},
  };
  auto it = kinds.find(node.op);
  return it == kinds.end() ? node.op : it->second;
}

bool deviceListsAllow(const DeviceConfig& device, const Node& node) {
  const std::string kind = glowNodeKind(node);
  auto listed = [&](const std::vector<std::string>& list) { return std::find(list.begin(), list.end(), kind) != list.end(); };
  if (listed(device.nonSupportedNodes)) return false;
  return device.supportedNodes.empty() || listed(device.supportedNodes);
}

}  // namespace nest
