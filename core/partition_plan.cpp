#include "core/partition_plan.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/node_keys.h"

namespace nest {

namespace {

const char* const kKeys[] = {"funcName", "numOfPartitions", "backendNames", "partitionNames",
                             "nodeToPartition", "logicalIDs", "parallelPartitions"};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The ':'-separated entries of a value, each trimmed (a folded multi-line value has spaces and
// line breaks around its ':').
std::vector<std::string> colonList(const std::string& text) {
  std::vector<std::string> items;
  if (trim(text).empty()) return items;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(':', start);
    items.push_back(trim(text.substr(start, end == std::string::npos ? std::string::npos : end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return items;
}

std::optional<int> nonNegativeInt(const std::string& s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

bool isNodeName(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The id of a partition named "p<ID>".
std::optional<int> partitionId(const std::string& name) {
  if (name.size() < 2 || name[0] != 'p') return std::nullopt;
  return nonNegativeInt(name.substr(1));
}

std::string joined(const std::vector<std::string>& items, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? sep : "") + items[i];
  return s;
}

// A value as YAML writes it: plain where NEST-C's own files are plain, single-quoted otherwise.
std::string yamlValue(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_.-+/()|:").find(c) != std::string_view::npos;
  }) && (std::isalnum(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '(') && s.back() != ':';
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The 0-based line of the first line from `from` on that holds `text` (for messages).
int lineOf(const std::vector<std::string>& lines, int from, const std::string& text) {
  for (int i = std::max(from, 0); i < static_cast<int>(lines.size()); ++i)
    if (lines[i].find(text) != std::string::npos) return i;
  return from;
}

}  // namespace

int PartitionPlan::defaultPartition() const {
  std::vector<bool> named(partitions.size(), false);
  for (const auto& [node, p] : nodeToPartition)
    if (p >= 0 && p < static_cast<int>(partitions.size())) named[p] = true;
  int unnamed = -1, count = 0;
  for (size_t p = 0; p < partitions.size(); ++p)
    if (!named[p]) unnamed = static_cast<int>(p), ++count;
  return count == 1 ? unnamed : -1;
}

std::vector<std::string> planProblems(const PartitionPlan& plan) {
  std::vector<std::string> problems;
  const int n = static_cast<int>(plan.partitions.size());
  if (plan.funcName.empty()) problems.push_back("funcName is empty");
  if (n == 0) problems.push_back("the plan has no partition");
  std::set<int> ids;
  for (const PlanPartition& p : plan.partitions) {
    const auto id = partitionId(p.name);
    if (!id) problems.push_back("partition name '" + p.name + "' is not p<ID> (p0, p1, ...)");
    else if (!ids.insert(*id).second) problems.push_back("partition id " + std::to_string(*id) + " is used twice in partitionNames");
    if (p.backendName.empty()) problems.push_back("partition " + p.name + " has no backend name");
    bool idsOk = !p.logicalIDs.empty();
    std::stringstream ss(p.logicalIDs);
    for (std::string part; std::getline(ss, part, '-');) idsOk = idsOk && nonNegativeInt(part).has_value();
    if (!idsOk || p.logicalIDs.back() == '-')
      problems.push_back("logicalIDs entry '" + p.logicalIDs + "' of partition " + p.name + " is not device ids joined by '-'");
  }
  std::set<std::string> listed;
  std::vector<bool> named(plan.partitions.size(), false);
  for (const auto& [node, p] : plan.nodeToPartition) {
    if (!isNodeName(node)) problems.push_back("node name '" + node + "' is not a Glow name ([A-Za-z0-9_]+)");
    if (!listed.insert(node).second) problems.push_back("node " + node + " is listed twice in nodeToPartition");
    if (p < 0 || p >= n) problems.push_back("node " + node + " is in partition index " + std::to_string(p) + ", out of range");
    else named[p] = true;
  }
  std::vector<std::string> empty;
  for (int p = 0; p < n; ++p)
    if (!named[p]) empty.push_back(plan.partitions[p].name);
  if (empty.size() > 1)
    problems.push_back("partitions " + joined(empty, ", ") +
                       " have no listed node; only one may (the default partition, for unlisted nodes)");
  std::set<int> grouped;
  for (const auto& group : plan.parallelGroups) {
    if (group.size() < 2) problems.push_back("a parallel group needs two partitions or more");
    for (int p : group) {
      if (p < 0 || p >= n) problems.push_back("parallel group names partition index " + std::to_string(p) + ", out of range");
      else if (!grouped.insert(p).second) problems.push_back("partition " + plan.partitions[p].name + " is in two parallel groups");
    }
  }
  return problems;
}

PartitionPlan parsePlan(const std::string& yaml, const std::string& source) {
  auto at = [&](int line0) { return "plan " + source + (line0 >= 0 ? ":" + std::to_string(line0 + 1) : std::string()); };
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    failBadInput(at(e.mark.line) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) failBadInput(at(root.Mark().line) + ": expected a map of funcName, numOfPartitions, backendNames, ...");

  std::vector<std::string> lines;
  {
    std::stringstream ss(yaml);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
  }
  std::vector<std::string> problems;  // each "plan FILE:LINE: what"
  auto problem = [&](int line0, const std::string& what) { problems.push_back(at(line0) + ": " + what); };

  // Every value is read as its text: YAML 1.1 would turn 2:0:0:0 into a number.
  std::map<std::string, std::pair<std::string, int>> values;  // key -> (text, line)
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const int line = kv.first.Mark().line;
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      problem(line, "unknown key '" + key + "' (known: " + joined({std::begin(kKeys), std::end(kKeys)}, ", ") + ")");
    else if (!kv.second.IsScalar() && !kv.second.IsNull())
      problem(line, key + " must be a plain string ('a:b:c' for a list)");
    else
      values[key] = {kv.second.IsNull() ? std::string() : kv.second.Scalar(), line};
  }
  for (const char* key : kKeys)
    if (!values.count(key) && std::string(key) != "parallelPartitions") problem(-1, std::string("no ") + key);

  PartitionPlan plan;
  auto text = [&](const char* key) { return values.count(key) ? values[key].first : std::string(); };
  auto lineOfKey = [&](const char* key) { return values.count(key) ? values[key].second : -1; };
  plan.funcName = trim(text("funcName"));

  std::optional<int> count;
  if (values.count("numOfPartitions")) {
    count = nonNegativeInt(trim(text("numOfPartitions")));
    if (!count || *count == 0) problem(lineOfKey("numOfPartitions"), "numOfPartitions '" + text("numOfPartitions") + "' is not a positive integer");
  }
  const auto backends = colonList(text("backendNames")), names = colonList(text("partitionNames")),
             logical = colonList(text("logicalIDs"));
  size_t n = names.size();
  if (count && *count > 0) {
    for (const auto& [key, list] : {std::pair{"backendNames", &backends}, {"partitionNames", &names}, {"logicalIDs", &logical}})
      if (values.count(key) && list->size() != static_cast<size_t>(*count))
        problem(lineOfKey(key), "numOfPartitions is " + std::to_string(*count) + " but " + key + " has " +
                                    std::to_string(list->size()) + " entries");
  }
  for (size_t i = 0; i < n; ++i)
    plan.partitions.push_back({names[i], i < backends.size() ? backends[i] : "", i < logical.size() ? logical[i] : ""});

  std::map<int, int> indexOfId;
  for (size_t i = 0; i < plan.partitions.size(); ++i)
    if (auto id = partitionId(plan.partitions[i].name)) indexOfId.emplace(*id, static_cast<int>(i));

  const int mapLine = lineOfKey("nodeToPartition");
  for (const std::string& entry : colonList(text("nodeToPartition"))) {
    // NAME-ID, or NAME-ID-backend (the backend is ignored). Glow names hold no '-'.
    std::vector<std::string> fields;
    std::stringstream ss(entry);
    for (std::string f; std::getline(ss, f, '-');) fields.push_back(trim(f));
    const auto id = fields.size() >= 2 ? nonNegativeInt(fields[1]) : std::nullopt;
    if (!id || fields[0].empty() || entry.back() == '-') {
      problem(lineOf(lines, mapLine, entry), "nodeToPartition entry '" + entry + "' is not NAME-ID");
      continue;
    }
    auto it = indexOfId.find(*id);
    if (it == indexOfId.end()) {
      problem(lineOf(lines, mapLine, entry), "nodeToPartition entry '" + entry + "' names partition id " +
                                                 std::to_string(*id) + ", which partitionNames lacks");
      continue;
    }
    plan.nodeToPartition.emplace_back(fields[0], it->second);
  }

  if (values.count("parallelPartitions")) {
    const int line = lineOfKey("parallelPartitions");
    for (const std::string& group : colonList(text("parallelPartitions"))) {
      if (group.size() < 2 || group.front() != '(' || group.back() != ')') {
        problem(line, "parallelPartitions group '" + group + "' is not (pA||pB...)");
        continue;
      }
      std::vector<int> members;
      const std::string inner = group.substr(1, group.size() - 2);
      bool ok = true;
      for (size_t start = 0; ok;) {
        const size_t end = inner.find("||", start);
        const std::string name = trim(inner.substr(start, end == std::string::npos ? std::string::npos : end - start));
        auto p = std::find_if(plan.partitions.begin(), plan.partitions.end(), [&](const PlanPartition& q) { return q.name == name; });
        if (p == plan.partitions.end()) {
          problem(line, "parallelPartitions group '" + group + "' names partition '" + name + "', which partitionNames lacks");
          ok = false;
        } else {
          members.push_back(static_cast<int>(p - plan.partitions.begin()));
        }
        if (end == std::string::npos) break;
        start = end + 2;
      }
      if (ok) plan.parallelGroups.push_back(members);
    }
  }

  // Struct-level problems, less those already told from the text (a missing key, a short list).
  const bool shortList = n != backends.size() || n != logical.size();
  for (const std::string& p : planProblems(plan)) {
    const bool told = (p == "funcName is empty" && !values.count("funcName")) ||
                      (p == "the plan has no partition" && !values.count("partitionNames")) ||
                      (shortList && (p.ends_with("has no backend name") || p.starts_with("logicalIDs entry ''")));
    if (!told) problems.push_back(at(-1) + ": " + p);
  }
  if (!problems.empty()) failBadInput(joined(problems, "\n"));
  return plan;
}

PartitionPlan readPlan(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot read plan " + file.string() + ": no such file or not readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return parsePlan(ss.str(), file.string());
}

std::string writePlan(const PartitionPlan& plan) {
  if (auto problems = planProblems(plan); !problems.empty())
    failBadInput("cannot write the plan of '" + plan.funcName + "': " + joined(problems, "; "));
  std::vector<std::string> backends, names, logical, entries, groups;
  for (const PlanPartition& p : plan.partitions) {
    backends.push_back(p.backendName);
    names.push_back(p.name);
    logical.push_back(p.logicalIDs);
  }
  for (const auto& [node, p] : plan.nodeToPartition) entries.push_back(node + "-" + plan.partitions[p].name.substr(1));
  for (const auto& group : plan.parallelGroups) {
    std::vector<std::string> members;
    for (int p : group) members.push_back(plan.partitions[p].name);
    groups.push_back("(" + joined(members, "||") + ")");
  }
  std::string out = "---\n";
  out += "funcName: " + yamlValue(plan.funcName) + "\n";
  out += "numOfPartitions: " + std::to_string(plan.partitions.size()) + "\n";
  out += "backendNames: " + yamlValue(joined(backends, ":")) + "\n";
  out += "partitionNames: " + yamlValue(joined(names, ":")) + "\n";
  // NEST-C breaks the list before each ':' (a plain scalar folds the breaks back into spaces).
  out += "nodeToPartition: " + (entries.empty() ? std::string("''") : joined(entries, "\n  :")) + "\n";
  out += "logicalIDs: " + yamlValue(joined(logical, ":")) + "\n";
  if (!groups.empty()) out += "parallelPartitions: " + joined(groups, ":") + "\n";
  return out + "...\n";
}

std::map<NodeId, int> partitionOfNodes(const PartitionPlan& plan, const Graph& graph) {
  std::map<std::string, std::vector<NodeId>> byName;
  for (const Node& node : graph.nodes) byName[glowStyleName(node)].push_back(node.id);
  // A plan name matches the node of that Glow name, or NAME__N the node named NAME: Glow numbers
  // the nodes it makes of one ONNX node (a Conv's transposes and convolution). Where names of one
  // node disagree, the largest N wins: the compute node, made after its layout transposes.
  std::map<NodeId, std::pair<int, int>> chosen;  // node -> (N, partition)
  std::vector<std::string> missing;
  for (const auto& [name, partition] : plan.nodeToPartition) {
    const std::vector<NodeId>* nodes = nullptr;
    int suffix = 0;
    if (auto it = byName.find(name); it != byName.end()) {
      nodes = &it->second;
    } else if (const size_t cut = name.rfind("__"); cut != std::string::npos && cut > 0) {
      const auto n = nonNegativeInt(name.substr(cut + 2));
      if (auto it2 = byName.find(name.substr(0, cut)); n && it2 != byName.end()) nodes = &it2->second, suffix = *n;
    }
    if (!nodes) {
      missing.push_back(name);
      continue;
    }
    for (NodeId id : *nodes) {
      auto [it, fresh] = chosen.emplace(id, std::pair{suffix, partition});
      if (!fresh && suffix >= it->second.first) it->second = {suffix, partition};
    }
  }
  if (!missing.empty())
    failBadInput("the partition plan of '" + plan.funcName + "' names " + std::to_string(missing.size()) +
                 " node(s) that graph '" + graph.name + "' lacks: " + joined(missing, ", "));
  std::map<NodeId, int> result;
  std::vector<std::string> homeless;
  const int fallback = plan.defaultPartition();
  for (const Node& node : graph.nodes) {
    if (auto it = chosen.find(node.id); it != chosen.end()) result[node.id] = it->second.second;
    else if (fallback >= 0) result[node.id] = fallback;
    else homeless.push_back(glowStyleName(node));
  }
  if (!homeless.empty())
    failBadInput("the partition plan of '" + plan.funcName + "' has no default partition (one no listed node names) for " +
                 std::to_string(homeless.size()) + " unlisted node(s): " + joined(homeless, ", "));
  return result;
}

}  // namespace nest
