// fold-attention-transposes: the Transposes that bring attention heads into [..., H, S, D] order
// for an Attention node, and the one that takes its result back, become the node's layout
// attributes (q_perm, kt_perm, v_perm, y_perm; core/ops/attention_layout.h).
//
// What it does. torch's MultiheadAttention reshapes the projections to [S, H, D] and transposes
// them to Q [H, S, D], KT [H, D, S] and V [H, S, D] (ViT); its result [H, S, D] is transposed back
// to [S, H, D] before the output projection. For each operand of an Attention node produced by a
// Transpose (perm p) used only there, the node reads the Transpose's operand instead, with perm
// r[i] = p[q[i]] (q its perm for that operand so far). When the node's result is used only by a
// Transpose (perm p), the node writes that Transpose's result (name and all) directly, with y_perm
// the inverse of the composed perm. The node keeps its name and lists the Transposes as origins.
//
// Before:                                          After:
//   %q = Transpose(%x) {perm=[1, 0, 2]}              %y = Attention(%x, %k, %v)
//   %kt = Transpose(%k) {perm=[1, 2, 0]}                  {kt_perm=[1, 2, 0], q_perm=[1, 0, 2],
//   %vt = Transpose(%v) {perm=[1, 0, 2]}                   scale=..., v_perm=[1, 0, 2],
//   %a = Attention(%q, %kt, %vt) {scale=...}               y_perm=[1, 0, 2]}
//   %y = Transpose(%a) {perm=[1, 0, 2]}
//
// Why it is correct. Attention reads operand k as Transpose(input k, perm k), and
// Transpose(Transpose(x, p), q) = Transpose(x, r) with r[i] = p[q[i]]; likewise its stored result is
// Transpose(Y, inverse(y_perm)), and a following Transpose(., p) composes the same way. The
// kernels only read and write the same elements at other addresses: the results are bit-identical.
//
// When it does not apply. A Transpose whose result has another use or is a graph output (for an
// operand) stays. A perm the kernels would read badly stays a Transpose: after folding, the
// stored operand's innermost axis must be one of the operand's two matrix axes (Q's rows or
// features, KT's features or keys, V's keys or features), so that packing reads contiguous rows or
// columns, and the result's feature axis must stay innermost (the CPU kernel writes whole rows).
// Quantized values are left alone.
#include <algorithm>
#include <unordered_set>

#include "core/ops/attention_layout.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

// r[i] = p[q[i]]: Transpose(Transpose(x, p), q) = Transpose(x, r).
Ints compose(const Ints& p, const Ints& q) {
  Ints r(q.size());
  for (size_t i = 0; i < q.size(); ++i) r[i] = p[static_cast<size_t>(q[i])];
  return r;
}

bool isIdentity(const Ints& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// Whether an operand read as Transpose(stored, perm) has the stored innermost axis among its two
// matrix axes.
bool operandFits(const Ints& perm) {
  const int64_t inner = static_cast<int64_t>(perm.size()) - 1;
  return perm[perm.size() - 1] == inner || perm[perm.size() - 2] == inner;
}

bool foldOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "Attention"; })) return false;
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  auto cons = rewrite::consumers(g);
  auto plain = [&](const std::string& v) { return !g.typeOf(v).quant; };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    if (a.op != "Attention" || a.outputs.size() != 1 || a.inputs.size() < 3) continue;
    const size_t rank = g.typeOf(a.inputs[0]).shape.size();
    if (rank < 3) continue;
    Ints perms[4];
    for (int k = 0; k < 4; ++k) perms[k] = ops::attentionPerm(a.attrs, k, rank, a);
    std::vector<std::string> inputs = a.inputs;
    std::vector<const Node*> folded;
    for (int k = 0; k < 3; ++k) {
      const std::string& v = a.inputs[static_cast<size_t>(k)];
      auto it = prod.find(v);
      if (it == prod.end() || uses[v] != 1 || rewrite::isGraphOutput(g, v)) continue;
      const Node& t = g.nodes[it->second];
      if (t.op != "Transpose" || !t.hasInput(0) || !plain(t.inputs[0]) || !plain(v)) continue;
      if (g.typeOf(t.inputs[0]).shape.size() != rank || !rewrite::mayMerge(opt, a, t)) continue;
      const Ints r = compose(rewrite::transposePerm(t, rank), perms[k]);
      if (!operandFits(r)) continue;
      perms[k] = r;
      inputs[static_cast<size_t>(k)] = t.inputs[0];
      folded.push_back(&t);
    }
    std::string result = a.outputs[0];
    const std::string& y = a.outputs[0];
    if (uses[y] == 1 && !rewrite::isGraphOutput(g, y) && cons[y].size() == 1) {
      const Node& t = g.nodes[cons[y].front()];
      if (t.op == "Transpose" && t.outputs.size() == 1 && plain(t.outputs[0]) && rewrite::mayMerge(opt, a, t)) {
        // Stored = Transpose(Transpose(Y, inverse(y_perm)), p) = Transpose(Y, s).
        const Ints s = compose(ops::inversePerm(perms[3]), rewrite::transposePerm(t, rank));
        if (s.back() == static_cast<int64_t>(rank) - 1) {
          perms[3] = ops::inversePerm(s);
          result = t.outputs[0];
          folded.push_back(&t);
        }
      }
    }
    if (folded.empty()) continue;
    Attributes attrs = a.attrs;
    for (int k = 0; k < 4; ++k) {
      if (isIdentity(perms[k])) attrs.erase(ops::kAttentionPermAttrs[k]);
      else attrs.set(ops::kAttentionPermAttrs[k], perms[k]);
    }
    std::vector<NodeId> origin = {a.id};
    auto add = [&](NodeId id) {
      if (std::find(origin.begin(), origin.end(), id) == origin.end()) origin.push_back(id);
    };
    for (NodeId id : a.origin) add(id);
    std::unordered_set<NodeId> erase = {a.id};
    for (const Node* t : folded) {
      add(t->id);
      for (NodeId id : t->origin) add(id);
      erase.insert(t->id);
    }
    // At the Attention's place: the folded Transposes' operands are defined before it and the
    // result's uses follow the Transpose after it.
    rewrite::insertNode(g, i, "Attention", a.name, inputs, {result}, std::move(attrs), std::move(origin));
    rewrite::eraseNodes(g, erase);
    return true;
  }
  return false;
}

}  // namespace

PassInfo foldAttentionTransposesPass() {
  return {"fold-attention-transposes",
          "read Attention's operands through the Transposes before it and write its result through the one after",
          [](Graph& g, const PassOptions& opt) {
            return rewrite::repeatWhileChanging(g, [&](Graph& x) { return foldOne(x, opt); });
          }};
}

}  // namespace nest
