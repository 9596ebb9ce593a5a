// If and Loop decided at run time: control flow whose condition or trip count the importer could
// not resolve (a static one is inlined / unrolled at import, core/onnx_import.cpp). Each holds its
// subgraphs as graph attributes; outer-scope values a body reads are explicit operands of the node
// and inputs of the body, so every pass sees them as data edges. Operand order:
//
//   If:   (cond, c_0 .. c_k-1)                      then_branch, else_branch: inputs (c_0 .. c_k-1)
//   Loop: (M, cond, v_0 .. v_n-1, c_0 .. c_k-1)     body: inputs (iteration, cond, v_0 .. v_n-1,
//                                                         c_0 .. c_k-1), results (cond, v_0 .. v_n-1)
//
// M (the trip count, i64 with one element) and cond (bool with one element) of a Loop may be
// absent (""); the c_i are the captured values, passed unchanged to every body run; a branch that
// does not read one still takes it. Static shapes are the rule: both branches give the same types
// (those of the If's results), and a Loop's carried values keep their types from one iteration to
// the next (its results are their final values). ONNX Loop's scan outputs have no static shape and
// are refused at import. There are no reference kernels: the interpreter runs the bodies
// (backends/interpreter/interpreter.cpp); compiled backends refuse these nodes (their subgraphs
// are not compiled).
#include <string>

#include "core/error.h"
#include "core/op_table.h"
#include "core/ops/register_ops.h"
#include "core/verifier.h"

namespace nest {
namespace {

bool oneElement(const TensorType& t) { return numElements(t.shape) == 1; }

// The body attribute `name`, verified (its own nodes, types and subgraphs).
const Graph& body(InferContext& ctx, const char* name) {
  const Graph* g = ctx.attrs().getGraph(name);
  if (!g) ctx.fail(std::string("has no ") + name);
  try {
    verifyGraph(*g);
  } catch (const Error& e) {
    throw Error(e.kind(), ctx.node().describe() + ", " + name + ": " + e.what());
  }
  return *g;
}

// The body's inputs from `first` on take the node's operands from `operand` on, type for type.
void checkCaptured(InferContext& ctx, const Graph& g, const char* what, size_t first, size_t operand) {
  const size_t count = ctx.numInputs() - operand;
  if (g.inputs.size() != first + count)
    ctx.fail(std::string(what) + " takes " + std::to_string(g.inputs.size()) + " inputs, expected " +
             std::to_string(first + count));
  for (size_t i = 0; i < count; ++i) {
    const TensorType& want = ctx.input(operand + i);
    const TensorType& have = g.typeOf(g.inputs[first + i]);
    if (!(want == have))
      ctx.fail(std::string(what) + " input '" + g.inputs[first + i] + "' is " + typeToString(have) + " but operand " +
               std::to_string(operand + i) + " is " + typeToString(want));
  }
}

void inferIf(InferContext& ctx) {
  const TensorType& cond = ctx.input(0);
  ctx.check(cond.elem == ElemType::Bool && oneElement(cond),
            "the condition must be a bool with one element, got " + typeToString(cond));
  const Graph& thenG = body(ctx, "then_branch");
  const Graph& elseG = body(ctx, "else_branch");
  checkCaptured(ctx, thenG, "then_branch", 0, 1);
  checkCaptured(ctx, elseG, "else_branch", 0, 1);
  for (const Graph* g : {&thenG, &elseG})
    if (g->outputs.size() != ctx.numOutputs())
      ctx.fail(std::string(g == &thenG ? "then_branch" : "else_branch") + " has " + std::to_string(g->outputs.size()) +
               " results, the If " + std::to_string(ctx.numOutputs()));
  for (size_t i = 0; i < ctx.numOutputs(); ++i) {
    const TensorType& t = thenG.typeOf(thenG.outputs[i]);
    const TensorType& e = elseG.typeOf(elseG.outputs[i]);
    if (!(t == e))
      ctx.fail("the branches give result " + std::to_string(i) + " ('" + ctx.node().outputs[i] + "') different types: " +
               typeToString(t) + " and " + typeToString(e) + "; only static shapes are supported");
    ctx.setOutput(i, t);
  }
}

void inferLoop(InferContext& ctx) {
  const Graph& g = body(ctx, "body");
  if (g.outputs.empty()) ctx.fail("the body has no results (it gives the condition first)");
  const size_t carried = g.outputs.size() - 1;
  if (ctx.numInputs() < 2 + carried)
    ctx.fail("has " + std::to_string(ctx.numInputs()) + " operands for " + std::to_string(carried) +
             " loop-carried values (trip count, condition, the values, the captured values)");
  if (ctx.numOutputs() != carried)
    ctx.fail("has " + std::to_string(ctx.numOutputs()) + " results for " + std::to_string(carried) +
             " loop-carried values");
  if (ctx.hasInput(0)) {
    const TensorType& m = ctx.input(0);
    ctx.check(m.elem == ElemType::I64 && oneElement(m), "the trip count must be an i64 with one element, got " + typeToString(m));
  }
  if (ctx.hasInput(1)) {
    const TensorType& c = ctx.input(1);
    ctx.check(c.elem == ElemType::Bool && oneElement(c), "the condition must be a bool with one element, got " + typeToString(c));
  }
  if (g.inputs.size() < 2) ctx.fail("the body takes the iteration number and the condition first");
  const TensorType& iter = g.typeOf(g.inputs[0]);
  const TensorType& condIn = g.typeOf(g.inputs[1]);
  const TensorType& condOut = g.typeOf(g.outputs[0]);
  ctx.check(iter.elem == ElemType::I64 && oneElement(iter), "the body's iteration number must be an i64 with one element");
  ctx.check(condIn.elem == ElemType::Bool && oneElement(condIn), "the body's condition input must be a bool with one element");
  ctx.check(condOut.elem == ElemType::Bool && oneElement(condOut),
            "the body's condition result must be a bool with one element, got " + typeToString(condOut));
  checkCaptured(ctx, g, "the body", 2, 2);
  for (size_t i = 0; i < carried; ++i) {
    const TensorType& in = ctx.input(2 + i);
    const TensorType& out = g.typeOf(g.outputs[1 + i]);
    if (!(in == out))
      ctx.fail("loop-carried value " + std::to_string(i) + " ('" + ctx.node().outputs[i] + "') enters as " +
               typeToString(in) + " but the body gives " + typeToString(out) + "; only static shapes are supported");
    ctx.setOutput(i, in);
  }
}

}  // namespace

void registerControlFlowOps(OpTable& t) {
  {
    OpDef d;
    d.name = "If";
    d.category = "control";
    d.minInputs = 1;
    d.maxInputs = -1;
    d.minOutputs = 1;
    d.maxOutputs = -1;
    d.attrs = {{"then_branch", AttrKind::Graph}, {"else_branch", AttrKind::Graph}};
    d.infer = inferIf;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "Loop";
    d.category = "control";
    d.minInputs = 2;
    d.maxInputs = -1;
    d.minOutputs = 1;
    d.maxOutputs = -1;
    d.attrs = {{"body", AttrKind::Graph}};
    d.infer = inferLoop;
    t.add(std::move(d));
  }
}

}  // namespace nest
