// Helpers for writing passes: use counts, producers, replacing values, creating and erasing
// nodes while keeping ids, topological order and provenance right.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/graph.h"
#include "core/op_table.h"
#include "passes/pass.h"

namespace nest::rewrite {

// Whether some node satisfies `pred`: a pass checks first that a node it could rewrite exists, so
// that on a graph it leaves unchanged it does not pay for the use counts and producers.
template <typename Pred>
bool anyNode(const Graph& g, Pred pred) {
  for (const Node& n : g.nodes)
    if (pred(n)) return true;
  return false;
}

// value -> number of uses as an operand, plus one per appearance in graph outputs.
std::unordered_map<std::string, int> useCounts(const Graph& g);
// useCounts keyed by views of the names in `g` (no string copies): valid while g's nodes and
// outputs stay as they are.
std::unordered_map<std::string_view, int> useCountViews(const Graph& g);
// value -> index in g.nodes of its producer (only node results).
std::unordered_map<std::string, size_t> producers(const Graph& g);
// value -> indices of consumer nodes (in order, a node once per use).
std::unordered_map<std::string, std::vector<size_t>> consumers(const Graph& g);

bool isGraphOutput(const Graph& g, const std::string& value);
bool isGraphInput(const Graph& g, const std::string& value);

// Makes every use of `from` (operands and graph outputs) use `to` instead, so the node that
// defined `from` can be erased. When `from` is a graph output the output keeps its name: the
// producer of `to` is renamed to `from` instead — possible only when `to` is a node result that
// is not itself a graph output; returns false (and changes nothing) when it is not possible.
bool replaceAllUses(Graph& g, std::string from, std::string to);  // by value: callers may pass names the rename changes

// Erases the nodes with the given ids and forgets the types of their results that are no longer
// used (callers have rerouted the uses first).
void eraseNodes(Graph& g, const std::unordered_set<NodeId>& ids);

// Inserts a node at position `index` of g.nodes with a fresh id, the given provenance (and the
// stable key of the first origin node still in `g`), and result types computed by the op's
// inference (which also verifies it). Returns the new node's id.
NodeId insertNode(Graph& g, size_t index, const std::string& op, const std::string& name,
                  std::vector<std::string> inputs, std::vector<std::string> outputs, Attributes attrs,
                  std::vector<NodeId> origin);

// Whether the assignments allow merging `absorbed` into `survivor`, the node whose key the merged
// node keeps (always, without assignments): Assignments::absorbable.
bool mayMerge(const PassOptions& options, const Node& survivor, const Node& absorbed);
// Records a note for the user (PassOptions::notes) when there is a sink.
void note(const PassOptions& options, std::string text);

// Re-infers the result types of node `index` after its operands or attributes changed.
void reinferNode(Graph& g, size_t index);

// Adds a new constant with a fresh name derived from `base`; returns its name.
std::string addConstant(Graph& g, const std::string& base, Tensor value);

// Records that `into` absorbed `absorbed` (appends ids to `into.origin`, without duplicates).
void absorb(Node& into, const Node& absorbed);

// Applies `rewriteOnce` (which makes one rewrite and returns true, or returns false when nothing
// is left to rewrite) until it returns false; true when it rewrote anything.
bool repeatWhileChanging(Graph& g, const std::function<bool(Graph&)>& rewriteOnce);

// Removes constants no node or output uses.
void removeUnusedConstants(Graph& g);

// The perm of Transpose `t` on an operand of rank `rank`: its attribute (negative axes wrapped), or
// the axes reversed when it has none; empty when malformed.
Ints transposePerm(const Node& t, size_t rank);

}  // namespace nest::rewrite
