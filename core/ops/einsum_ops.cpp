// Einsum (opset 12): a sum of products over labelled axes, numpy's einsum. The equation names
// each operand's axes with letters (a-z, A-Z) and at most one ellipsis `...` standing for the
// axes not named; the ellipsis axes of the operands broadcast (numpy rules, aligned on the right).
// `->` gives the result's labels; without it the result has the ellipsis axes followed by the
// labels that occur once, in alphabetical (ASCII) order. A label repeated in one operand takes
// its diagonal; labels absent from the result are summed. Every equation of this form works:
// attention's "bhid,bhjd->bhij", linear layers' "bid,jd->bij", transposes "ij->ji", reductions
// "ij->i", traces "ii", outer products "i,j->ij", and any number of operands.
#include <string>
#include <type_traits>
#include <vector>

#include "core/ops/elem_classes.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

constexpr int kLetters = 52;  // label ids 0-25 'a'-'z', 26-51 'A'-'Z'; ellipsis axes from 52 on
constexpr int kEllipsis = -1;

char labelChar(int id) { return static_cast<char>(id < 26 ? 'a' + id : 'A' + (id - 26)); }

// One term of the equation: label ids, with kEllipsis where `...` stands.
using Term = std::vector<int>;

struct EinsumPlan {
  std::vector<int> labels;            // all label ids: the result's, then the summed ones
  std::vector<int64_t> sizes;         // per entry of labels
  size_t outLabels = 0;               // the first outLabels entries of labels are the result's axes
  std::vector<std::vector<int64_t>> strides;  // per operand, per entry of labels (0: not on it, or broadcast)
  Shape out;
  int64_t outCount = 1, sumCount = 1;
};

[[noreturn]] void fail(const Node& node, const std::string& equation, const std::string& reason) {
  failBadInput(node.describe() + ": equation '" + equation + "': " + reason);
}

Term parseTerm(const Node& node, const std::string& equation, const std::string& text, const std::string& what) {
  Term term;
  bool ellipsis = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= 'a' && c <= 'z') {
      term.push_back(c - 'a');
    } else if (c >= 'A' && c <= 'Z') {
      term.push_back(26 + (c - 'A'));
    } else if (c == '.') {
      if (text.compare(i, 3, "...") != 0) fail(node, equation, what + " has a '.' that is not part of '...'");
      if (ellipsis) fail(node, equation, what + " has more than one '...'");
      ellipsis = true;
      term.push_back(kEllipsis);
      i += 2;
    } else {
      fail(node, equation, what + " has the character '" + std::string(1, c) + "' (labels are letters a-z and A-Z)");
    }
  }
  return term;
}

EinsumPlan planEinsum(const Node& node, const std::vector<Shape>& shapes) {
  std::string equation;
  for (char c : node.attrs.getString("equation", ""))
    if (c != ' ') equation += c;
  if (equation.empty()) failBadInput(node.describe() + ": attribute 'equation' is missing or empty");
  const size_t arrow = equation.find("->");
  if (arrow != std::string::npos && equation.find("->", arrow + 2) != std::string::npos)
    fail(node, equation, "has more than one '->'");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<Term> terms;
  size_t start = 0;
  for (;;) {
    const size_t comma = lhs.find(',', start);
    const std::string text = lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    terms.push_back(parseTerm(node, equation, text, "operand term " + std::to_string(terms.size())));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != shapes.size())
    fail(node, equation,
         "has " + std::to_string(terms.size()) + " operand terms but the node has " + std::to_string(shapes.size()) +
             " operands");

  // Label sizes and the ellipsis axes of each operand.
  std::vector<int64_t> labelSize(kLetters, -1);
  std::vector<int> labelCount(kLetters, 0);
  std::vector<Shape> ellipsisShapes;
  bool anyEllipsis = false;
  for (size_t k = 0; k < terms.size(); ++k) {
    const Term& t = terms[k];
    const Shape& s = shapes[k];
    int64_t named = 0;
    bool ell = false;
    for (int id : t) {
      if (id == kEllipsis) ell = true;
      else ++named;
    }
    const int64_t rank = static_cast<int64_t>(s.size());
    if (ell ? named > rank : named != rank)
      fail(node, equation,
           "operand " + std::to_string(k) + " has rank " + std::to_string(rank) + " (shape " + shapeToString(s) +
               ") but its term names " + std::to_string(named) + " axes" + (ell ? " besides '...'" : ""));
    anyEllipsis = anyEllipsis || ell;
    const int64_t ellRank = rank - named;
    int64_t axis = 0;
    for (int id : t) {
      if (id == kEllipsis) {
        ellipsisShapes.emplace_back(s.begin() + axis, s.begin() + axis + ellRank);
        axis += ellRank;
        continue;
      }
      if (labelSize[id] >= 0 && labelSize[id] != s[axis])
        fail(node, equation,
             "label '" + std::string(1, labelChar(id)) + "' is " + std::to_string(labelSize[id]) +
                 " long in one place but " + std::to_string(s[axis]) + " on axis " + std::to_string(axis) +
                 " of operand " + std::to_string(k) + " " + shapeToString(s));
      labelSize[id] = s[axis];
      ++labelCount[id];
      ++axis;
    }
  }
  const Shape ellShape = ellipsisShapes.empty() ? Shape{} : broadcastShapes(ellipsisShapes, node);
  const int ellRank = static_cast<int>(ellShape.size());

  // The result's labels.
  EinsumPlan p;
  std::vector<bool> inOut(static_cast<size_t>(kLetters + ellRank), false);
  auto addOut = [&](int id, int64_t size) {
    p.labels.push_back(id);
    p.sizes.push_back(size);
    inOut[static_cast<size_t>(id)] = true;
  };
  if (arrow != std::string::npos) {
    const Term outTerm = parseTerm(node, equation, equation.substr(arrow + 2), "the result term");
    bool outEllipsis = false;
    for (int id : outTerm) {
      if (id == kEllipsis) {
        outEllipsis = true;
        for (int e = 0; e < ellRank; ++e) addOut(kLetters + e, ellShape[static_cast<size_t>(e)]);
        continue;
      }
      if (labelSize[id] < 0)
        fail(node, equation, "the result label '" + std::string(1, labelChar(id)) + "' is on no operand");
      if (inOut[static_cast<size_t>(id)])
        fail(node, equation, "the result label '" + std::string(1, labelChar(id)) + "' occurs twice");
      addOut(id, labelSize[id]);
    }
    if (anyEllipsis && !outEllipsis && ellRank > 0)
      fail(node, equation, "the operands' '...' stands for " + std::to_string(ellRank) +
                               " axes but the result term has no '...'");
  } else {
    for (int e = 0; e < ellRank; ++e) addOut(kLetters + e, ellShape[static_cast<size_t>(e)]);
    for (char c = 'A'; c <= 'z'; ++c) {  // ASCII order: upper case first
      const int id = c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? 26 + (c - 'A') : -1;
      if (id >= 0 && labelCount[id] == 1) addOut(id, labelSize[id]);
    }
  }
  p.outLabels = p.labels.size();
  for (int id = 0; id < kLetters; ++id)
    if (labelSize[id] >= 0 && !inOut[static_cast<size_t>(id)]) {
      p.labels.push_back(id);
      p.sizes.push_back(labelSize[id]);
    }
  for (int e = 0; e < ellRank; ++e)  // ellipsis axes the result leaves out (only with a 0-axis '...')
    if (!inOut[static_cast<size_t>(kLetters + e)]) {
      p.labels.push_back(kLetters + e);
      p.sizes.push_back(ellShape[static_cast<size_t>(e)]);
    }
  for (size_t i = 0; i < p.labels.size(); ++i) {
    if (i < p.outLabels) {
      p.out.push_back(p.sizes[i]);
      p.outCount *= p.sizes[i];
    } else {
      p.sumCount *= p.sizes[i];
    }
  }

  // Each operand's stride per label (summed over a repeated label: the diagonal).
  std::vector<int> position(static_cast<size_t>(kLetters + ellRank), -1);
  for (size_t i = 0; i < p.labels.size(); ++i) position[static_cast<size_t>(p.labels[i])] = static_cast<int>(i);
  for (size_t k = 0; k < terms.size(); ++k) {
    const Shape& s = shapes[k];
    const std::vector<int64_t> st = stridesOf(s);
    std::vector<int64_t> strides(p.labels.size(), 0);
    const int64_t ellOperand = static_cast<int64_t>(s.size()) -
                               static_cast<int64_t>(terms[k].size()) + 1;  // its '...' axes (when it has one)
    int64_t axis = 0;
    for (int id : terms[k]) {
      if (id == kEllipsis) {
        for (int64_t j = 0; j < ellOperand; ++j, ++axis)
          if (s[axis] != 1) strides[position[static_cast<size_t>(kLetters + ellRank - ellOperand + j)]] += st[axis];
        continue;
      }
      strides[position[static_cast<size_t>(id)]] += st[axis];
      ++axis;
    }
    p.strides.push_back(std::move(strides));
  }
  return p;
}

std::vector<Shape> operandShapes(const InferContext& ctx) {
  std::vector<Shape> s;
  for (size_t i = 0; i < ctx.numInputs(); ++i) s.push_back(ctx.input(i).shape);
  return s;
}

void inferEinsum(InferContext& ctx) {
  for (size_t i = 0; i < ctx.numInputs(); ++i) requireClass(ctx, i, kNumeric);
  requireSameElem(ctx, 0, ctx.numInputs());
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    if (ctx.input(i).quant) ctx.unsupported("quantized operands are not supported");
  EinsumPlan p = planEinsum(ctx.node(), operandShapes(ctx));
  ctx.setOutput(0, TensorType(ctx.input(0).elem, p.out));
}

template <typename T>
void einsumTyped(KernelContext& ctx, const EinsumPlan& p) {
  using C = ComputeT<T>;
  using Acc = std::conditional_t<std::is_floating_point_v<C>, double,
                                 std::conditional_t<std::is_signed_v<C>, int64_t, uint64_t>>;
  const size_t nOps = ctx.numInputs(), nLabels = p.labels.size();
  std::vector<const void*> src(nOps);
  for (size_t k = 0; k < nOps; ++k) src[k] = ctx.input(k).raw();
  void* dst = ctx.output(0).rawMutable();
  if (p.sumCount == 0 || p.outCount == 0) return;  // zeros
  std::vector<int64_t> idx(nLabels, 0), off(nOps, 0);
  for (int64_t o = 0; o < p.outCount; ++o) {
    Acc acc = 0;
    for (int64_t s = 0; s < p.sumCount; ++s) {
      Acc prod = 1;
      for (size_t k = 0; k < nOps; ++k) prod *= static_cast<Acc>(Elem<T>::load(src[k], off[k]));
      acc += prod;
      for (size_t d = nLabels; d-- > 0;) {  // the next index, last label fastest
        if (++idx[d] < p.sizes[d]) {
          for (size_t k = 0; k < nOps; ++k) off[k] += p.strides[k][d];
          break;
        }
        for (size_t k = 0; k < nOps; ++k) off[k] -= p.strides[k][d] * (p.sizes[d] - 1);
        idx[d] = 0;
      }
    }
    Elem<T>::store(dst, o, static_cast<C>(acc));
  }
}

void kernelEinsum(KernelContext& ctx) {
  std::vector<Shape> shapes;
  for (size_t i = 0; i < ctx.numInputs(); ++i) shapes.push_back(ctx.input(i).shape());
  const EinsumPlan p = planEinsum(ctx.node(), shapes);
  switch (ctx.input(0).elem()) {
    case ElemType::F32: einsumTyped<float>(ctx, p); break;
    case ElemType::F16: einsumTyped<Half>(ctx, p); break;
    case ElemType::F64: einsumTyped<double>(ctx, p); break;
    case ElemType::I8: einsumTyped<int8_t>(ctx, p); break;
    case ElemType::U8: einsumTyped<uint8_t>(ctx, p); break;
    case ElemType::I16: einsumTyped<int16_t>(ctx, p); break;
    case ElemType::U16: einsumTyped<uint16_t>(ctx, p); break;
    case ElemType::I32: einsumTyped<int32_t>(ctx, p); break;
    case ElemType::U32: einsumTyped<uint32_t>(ctx, p); break;
    case ElemType::I64: einsumTyped<int64_t>(ctx, p); break;
    case ElemType::U64: einsumTyped<uint64_t>(ctx, p); break;
    case ElemType::Bool: ctx.fail("Einsum on bool is not supported");
  }
}

// One multiply-accumulate per result element and summed index (per extra operand).
int64_t einsumMacs(const Node& node, const std::vector<const TensorType*>& in, const std::vector<const TensorType*>&) {
  std::vector<Shape> shapes;
  for (const TensorType* t : in) shapes.push_back(t->shape);
  const EinsumPlan p = planEinsum(node, shapes);
  return p.outCount * p.sumCount * std::max<int64_t>(static_cast<int64_t>(in.size()) - 1, 1);
}

}  // namespace

void registerEinsumOps(OpTable& t) {
  t.add(OpDef{.name = "Einsum", .category = "linear", .minInputs = 1, .maxInputs = -1,
              .attrs = {{"equation", AttrKind::String}}, .params = {}, .infer = inferEinsum, .kernel = kernelEinsum,
              .macs = einsumMacs});
}

}  // namespace nest
