// matmul-add-to-gemm: MatMul(A, B) of matrices with a constant B, followed by an Add of a constant
// bias vector, becomes one Gemm(A, B, bias).
//
// What it does. y = Add(MatMul(A, B), c) with A [M,K], B [K,N] constant and c constant of shape
// [N] or [1,...,1,N] is replaced by y = Gemm(A, B, c) (alpha = beta = 1, no transposes). The new
// Gemm takes the Add's result name; its origin is both nodes. An A of higher rank [d..., M, K]
// (a transformer's linear layer on [batch, sequence, features]) is first reshaped to
// [d...*M, K] and the Gemm's result back to [d..., M, N]; both Reshapes are views on the CPU.
//
// Why it is correct. Gemm computes A * B + c with c broadcast over rows, which is the same
// product followed by the same broadcast addition (one rounding per element, as before, for
// f32/f64: Gemm adds the bias to the f32/f64 product exactly as Add does). With a 2-D B every
// row of a higher-rank A is multiplied by the same B, so the rows can be stacked into one matrix.
//
// When it does not apply. B must be a constant matrix and A of rank 2 or more; the MatMul result
// must be used only by the Add and not be a graph output; the bias must be constant with N
// elements along the last axis only (a bias that enlarges the result, or is per row, stays an
// Add); the element type must be f32 or f64 (f16 would round once instead of twice); the Add
// must carry no fused activation. Once quantized the pair gets its bias in int32 in the integer
// Gemm instead of a second requantizing Add.
#include <algorithm>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

// A bias with n elements along the last of at most `rank` axes ([n], [1,n], [1,1,n], ...).
bool isBiasVector(const TensorType& c, int64_t n, int64_t rank) {
  if (c.rank() == 0 || c.rank() > rank || c.shape.back() != n) return false;
  for (size_t d = 0; d + 1 < c.shape.size(); ++d)
    if (c.shape[d] != 1) return false;
  return true;
}

Tensor asVector(const Tensor& c) { return Tensor(TensorType(c.elem(), {c.numElements()}), c.raw()); }

Attributes reshapeTo(const Shape& shape) {
  Attributes a;
  a.set("shape", Ints(shape.begin(), shape.end()));
  return a;
}

bool rewriteOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "MatMul"; })) return false;  // nothing to rewrite
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& add = g.nodes[i];
    if (add.op != "Add" || add.inputs.size() != 2 || add.outputs.size() != 1 || add.attrs.has("activation")) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string x = add.inputs[side], c = add.inputs[1 - side];
      if (!g.isConstant(c)) continue;
      auto pit = prod.find(x);
      if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
      const Node& mm = g.nodes[pit->second];
      if (mm.op != "MatMul" || mm.inputs.size() != 2 || !g.isConstant(mm.inputs[1])) continue;
      if (!rewrite::mayMerge(opt, mm, add)) continue;
      const TensorType& at = g.typeOf(mm.inputs[0]);
      const TensorType& bt = g.typeOf(mm.inputs[1]);
      const TensorType& yt = g.typeOf(x);
      if (at.rank() < 2 || bt.rank() != 2 || yt.quant || at.quant || bt.quant) continue;
      if (yt.elem != ElemType::F32 && yt.elem != ElemType::F64) continue;
      const TensorType& ct = g.typeOf(c);
      const int64_t n = yt.shape.back();
      if (!isBiasVector(ct, n, yt.rank()) || ct.elem != yt.elem || ct.quant || g.typeOf(add.outputs[0]) != yt) continue;

      const Node mmCopy = mm, addCopy = add;
      const size_t mmIndex = pit->second;
      std::vector<NodeId> origin{mmCopy.id};
      for (NodeId id : mmCopy.origin) origin.push_back(id);
      origin.push_back(addCopy.id);
      for (NodeId id : addCopy.origin) origin.push_back(id);
      std::vector<NodeId> unique;
      for (NodeId id : origin)
        if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(id);
      const Shape aShape = at.shape, yShape = yt.shape;
      const ElemType elem = yt.elem;
      const std::string bias = ct.rank() == 1 ? c : rewrite::addConstant(g, c + "_vector", asVector(*g.constant(c)));
      rewrite::eraseNodes(g, {mmCopy.id, addCopy.id});
      // The Gemm reads A (defined before the MatMul) and constants: the MatMul's place is fine.
      if (aShape.size() == 2) {
        rewrite::insertNode(g, mmIndex, "Gemm", mmCopy.name, {mmCopy.inputs[0], mmCopy.inputs[1], bias},
                            {addCopy.outputs[0]}, {}, unique);
        return true;
      }
      const int64_t rows = numElements(aShape) / aShape.back();
      const std::string aRows = g.freshValueName(mmCopy.inputs[0] + "_rows");
      const std::string yRows = g.freshValueName(addCopy.outputs[0] + "_rows");
      g.setType(addCopy.outputs[0], TensorType(elem, yShape));  // still used; keep it while the Reshapes are inserted
      rewrite::insertNode(g, mmIndex, "Reshape", mmCopy.name + "_rows", {mmCopy.inputs[0]}, {aRows},
                          reshapeTo({rows, aShape.back()}), unique);
      rewrite::insertNode(g, mmIndex + 1, "Gemm", mmCopy.name, {aRows, mmCopy.inputs[1], bias}, {yRows}, {}, unique);
      rewrite::insertNode(g, mmIndex + 2, "Reshape", addCopy.name.empty() ? "" : addCopy.name + "_unrows", {yRows},
                          {addCopy.outputs[0]}, reshapeTo(yShape), unique);
      return true;
    }
  }
  return false;
}

bool run(Graph& g, const PassOptions& opt) {
  const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return rewriteOne(x, opt); });
  if (changed) rewrite::removeUnusedConstants(g);  // a [1,...,1,N] bias replaced by its vector
  return changed;
}

}  // namespace

PassInfo matmulAddToGemmPass() {
  return {"matmul-add-to-gemm", "turn MatMul (constant B) + constant bias Add into Gemm", run};
}

}  // namespace nest
