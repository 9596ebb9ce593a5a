// sink-transposes: moves Transposes down through elementwise ops so that they cancel or merge.
//
// What it does. Starting from a Transpose T1 (perm p), it follows the path of single-use values
// through ops chosen by their op-table trait (OpDef::kind), not by name:
//   * unary elementwise ops (Relu, Sigmoid, Exp, Cast, Identity, ...),
//   * two-operand elementwise ops (Add, Sub, Mul, Div, Pow, Max, Equal, PRelu, ...) whose other
//     operand is either a Transpose with the same perm p (single use, same rank) or a constant of
//     rank <= the path's rank,
// and stops at the first other consumer. If the path ends in a Transpose T2 (perm q), the ops of
// the path are recreated on the untransposed data and T1, T2 and the other operands' Transposes
// become one Transpose with perm p∘q (r[i] = p[q[i]]), or nothing when that is the identity.
// Without a T2, the path is cut after its last binary op with a transposed other operand and the
// same is done with perm p: two or more Transposes become one. A constant other operand c is
// replaced by a new constant transpose(c, inverse(p)) (after prepending size-1 axes up to the
// path's rank). A rewrite is made only when it strictly reduces the number of Transposes.
//
// Why it is correct. For an elementwise op f, f(transpose(x, p)) = transpose(f(x), p): the op
// reads and writes each element independently of where it lies. For a binary op with operands of
// equal rank, broadcasting matches axes by position, so transposing both operands with the same
// perm commutes with the op: op(transpose(a, p), transpose(b, p)) = transpose(op(a, b), p), and for
// a constant, op(transpose(a, p), c) = transpose(op(a, transpose(c, inverse(p))), p). Finally
// transpose(transpose(x, p), q) = transpose(x, p∘q). The results are bit-identical.
//
// When it does not apply. A value on the path that has several uses or is a graph output stops
// the path (its transposed value must stay). Quantized values are left alone (a per-channel axis
// would move). Ops whose attributes depend on axes (Softmax, reductions) are not elementwise. Paths that would not remove a Transpose are left unchanged, as is T1 -> T2
// cancelling when T2's result is a graph output and T1's operand cannot take its name.
#include <algorithm>
#include <map>
#include <unordered_set>

#include "core/op_table.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

OpKind kindOf(const Node& n) {
  const OpDef* def = OpTable::instance().find(n.op);
  return def ? def->kind : OpKind::Other;
}
bool isUnaryElementwise(const Node& n) { return kindOf(n) == OpKind::UnaryElementwise && n.inputs.size() == 1; }
bool isBinaryElementwise(const Node& n) { return kindOf(n) == OpKind::Elementwise && n.inputs.size() == 2; }

bool isIdentity(const Ints& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

Ints inverse(const Ints& perm) {
  Ints inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inv;
}

// A new tensor: `c` with leading size-1 axes up to `rank`, transposed by `perm`.
Tensor transposeConstant(const Tensor& c, size_t rank, const Ints& perm) {
  Shape shape = c.shape();
  shape.insert(shape.begin(), rank - shape.size(), 1);
  Tensor full = c.reshaped(shape);
  Node node;
  node.op = "Transpose";
  node.attrs.set("perm", perm);
  const OpDef& def = *OpTable::instance().find("Transpose");
  std::vector<TensorType> types = inferNodeTypes(def, node, {&full.type()});
  return runKernel(def, node, {&full}, types).at(0);
}

// One op on the path: the node index and, for a binary op, which operand carries the path and
// what the other operand is.
struct Step {
  size_t index = 0;
  int pathOperand = 0;            // operand position fed by the path
  std::optional<size_t> otherT;   // binary: index of the other operand's Transpose
  bool otherConst = false;        // binary: the other operand is a constant
};

struct Plan {
  size_t t1;
  std::vector<Step> steps;
  std::optional<size_t> t2;
};

class Sinker {
 public:
  explicit Sinker(Graph& g) : g_(g), uses_(rewrite::useCounts(g)), prod_(rewrite::producers(g)), cons_(rewrite::consumers(g)) {}

  bool singleUse(const std::string& v) { return uses_[v] == 1 && !rewrite::isGraphOutput(g_, v); }
  bool plain(const std::string& v) { return !g_.typeOf(v).quant; }

  // The path from Transpose t1, cut to its most useful prefix; nullopt when nothing is gained.
  std::optional<Plan> plan(size_t t1) {
    const Node& t = g_.nodes[t1];
    if (!t.hasInput(0) || !plain(t.inputs[0]) || !plain(t.outputs[0])) return std::nullopt;
    const size_t rank = g_.typeOf(t.inputs[0]).shape.size();
    const Ints perm = rewrite::transposePerm(t, rank);
    Plan p{t1, {}, std::nullopt};
    std::string cur = t.outputs[0];
    size_t lastUseful = 0;  // number of steps up to the last one that removed a Transpose
    while (singleUse(cur)) {
      const size_t ci = cons_[cur].front();
      const Node& c = g_.nodes[ci];
      if (c.op == "Transpose") {
        if (!plain(c.outputs[0])) break;
        p.t2 = ci;
        break;
      }
      if (c.outputs.size() != 1 || !plain(c.outputs[0])) break;
      Step s;
      s.index = ci;
      if (isUnaryElementwise(c)) {
        // commutes with any Transpose
      } else if (isBinaryElementwise(c)) {
        s.pathOperand = c.inputs[0] == cur ? 0 : 1;
        const std::string& other = c.inputs[1 - s.pathOperand];
        if (g_.typeOf(c.outputs[0]).shape.size() != rank || !plain(other)) break;
        auto it = prod_.find(other);
        if (g_.isConstant(other) && g_.typeOf(other).shape.size() <= rank) {
          s.otherConst = true;
        } else if (it != prod_.end() && g_.nodes[it->second].op == "Transpose" && singleUse(other) &&
                   g_.nodes[it->second].hasInput(0) && plain(g_.nodes[it->second].inputs[0]) &&
                   g_.typeOf(g_.nodes[it->second].inputs[0]).shape.size() == rank &&
                   rewrite::transposePerm(g_.nodes[it->second], rank) == perm) {
          s.otherT = it->second;
        } else {
          break;
        }
      } else {
        break;
      }
      p.steps.push_back(s);
      if (s.otherT) lastUseful = p.steps.size();
      cur = c.outputs[0];
    }
    int removed = 1, added = 1;
    if (p.t2) {
      ++removed;
      const Ints q = rewrite::transposePerm(g_.nodes[*p.t2], rank);
      Ints r(rank);
      for (size_t i = 0; i < rank; ++i) r[i] = perm[static_cast<size_t>(q[i])];
      if (isIdentity(r)) added = 0;
    } else {
      p.steps.resize(lastUseful);
    }
    for (const Step& s : p.steps) removed += s.otherT ? 1 : 0;
    if (removed <= added) return std::nullopt;
    // T1 -> T2 cancelling: the output name must be movable onto T1's operand.
    if (p.steps.empty() && added == 0) {
      const std::string& out = g_.nodes[*p.t2].outputs[0];
      const std::string& x = g_.nodes[t1].inputs[0];
      if (rewrite::isGraphOutput(g_, out) && (!prod_.count(x) || rewrite::isGraphOutput(g_, x))) return std::nullopt;
    }
    return p;
  }

  void apply(const Plan& p) {
    const Node t1 = g_.nodes[p.t1];
    const size_t rank = g_.typeOf(t1.inputs[0]).shape.size();
    const Ints perm = rewrite::transposePerm(t1, rank);
    Ints finalPerm = perm;
    std::unordered_set<NodeId> erase{t1.id};
    std::vector<NodeId> transposeOrigin{t1.id};
    transposeOrigin.insert(transposeOrigin.end(), t1.origin.begin(), t1.origin.end());
    std::string oldResult;  // the value whose uses the rewritten path takes over
    std::string finalName = t1.name;
    if (p.t2) {
      const Node& t2 = g_.nodes[*p.t2];
      const Ints q = rewrite::transposePerm(t2, rank);
      for (size_t i = 0; i < rank; ++i) finalPerm[i] = perm[static_cast<size_t>(q[i])];
      erase.insert(t2.id);
      transposeOrigin.push_back(t2.id);
      transposeOrigin.insert(transposeOrigin.end(), t2.origin.begin(), t2.origin.end());
      oldResult = t2.outputs[0];
      finalName = t2.name;
    } else {
      oldResult = g_.nodes[p.steps.back().index].outputs[0];
    }
    // Copies of the path's nodes: inserting new nodes shifts indexes.
    std::vector<Node> stepNodes;
    std::vector<std::optional<Node>> otherTs;
    for (const Step& s : p.steps) {
      stepNodes.push_back(g_.nodes[s.index]);
      otherTs.push_back(s.otherT ? std::optional<Node>(g_.nodes[*s.otherT]) : std::nullopt);
    }
    // New nodes go where the old result was defined (every operand they read exists there).
    size_t at = p.t2 ? *p.t2 : p.steps.back().index;
    std::string cur = t1.inputs[0];
    std::optional<NodeId> lastNew;
    const Ints inv = inverse(perm);
    std::map<std::string, std::string> transposedConstants;  // one copy per constant
    for (size_t k = 0; k < p.steps.size(); ++k) {
      const Step& s = p.steps[k];
      const Node& n = stepNodes[k];
      std::vector<std::string> inputs = n.inputs;
      inputs[static_cast<size_t>(s.pathOperand)] = cur;
      if (isBinaryElementwise(n)) {
        std::string& other = inputs[static_cast<size_t>(1 - s.pathOperand)];
        if (otherTs[k]) {
          const Node& ot = *otherTs[k];
          other = ot.inputs[0];
          erase.insert(ot.id);
          transposeOrigin.push_back(ot.id);
          transposeOrigin.insert(transposeOrigin.end(), ot.origin.begin(), ot.origin.end());
        } else if (s.otherConst) {
          auto it = transposedConstants.find(other);
          if (it == transposedConstants.end())
            it = transposedConstants
                     .emplace(other, rewrite::addConstant(g_, other + "_t", transposeConstant(*g_.constant(other), rank, inv)))
                     .first;
          other = it->second;
        }
      }
      std::vector<NodeId> origin{n.id};
      origin.insert(origin.end(), n.origin.begin(), n.origin.end());
      std::string out = g_.freshValueName(n.outputs[0]);
      lastNew = rewrite::insertNode(g_, at++, n.op, n.name, inputs, {out}, n.attrs, origin);
      erase.insert(n.id);
      cur = out;
    }
    std::string result = cur;
    if (!isIdentity(finalPerm)) {
      result = g_.freshValueName(oldResult);
      Attributes attrs;
      attrs.set("perm", finalPerm);
      rewrite::insertNode(g_, at++, "Transpose", finalName, {cur}, {result}, std::move(attrs), transposeOrigin);
    } else if (lastNew) {
      for (Node& n : g_.nodes)
        if (n.id == *lastNew)
          for (NodeId id : transposeOrigin)
            if (std::find(n.origin.begin(), n.origin.end(), id) == n.origin.end()) n.origin.push_back(id);
    }
    rewrite::replaceAllUses(g_, oldResult, result);
    rewrite::eraseNodes(g_, erase);
    rewrite::removeUnusedConstants(g_);
  }

 private:
  Graph& g_;
  std::unordered_map<std::string, int> uses_;
  std::unordered_map<std::string, size_t> prod_;
  std::unordered_map<std::string, std::vector<size_t>> cons_;
};

bool run(Graph& g, const PassOptions&) {
  bool changed = false;
  for (bool again = true; again;) {
    again = false;
    Sinker s(g);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      if (g.nodes[i].op != "Transpose") continue;
      if (auto p = s.plan(i)) {
        s.apply(*p);
        changed = again = true;
        break;
      }
    }
  }
  return changed;
}

}  // namespace

PassInfo transposeSinkingPass() {
  return {"sink-transposes",
          "move Transposes through elementwise ops so that they cancel or merge into one", run};
}

}  // namespace nest
