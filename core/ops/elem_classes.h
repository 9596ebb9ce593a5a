// Element type classes (bit masks over ElemType) and dispatch over float / signed types,
// shared by the elementwise and activation kernels.
#pragma once
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/ops/op_helpers.h"

namespace nest::ops {

constexpr uint32_t bit(ElemType t) { return 1u << static_cast<unsigned>(t); }
constexpr uint32_t kFloats = bit(ElemType::F32) | bit(ElemType::F16) | bit(ElemType::F64);
constexpr uint32_t kSignedInts = bit(ElemType::I8) | bit(ElemType::I16) | bit(ElemType::I32) | bit(ElemType::I64);
constexpr uint32_t kUnsignedInts = bit(ElemType::U8) | bit(ElemType::U16) | bit(ElemType::U32) | bit(ElemType::U64);
constexpr uint32_t kNumeric = kFloats | kSignedInts | kUnsignedInts;
constexpr uint32_t kBool = bit(ElemType::Bool);
constexpr uint32_t kAll = kNumeric | kBool;

// Fails (naming the node and op) when operand's element type is not in `mask`.
inline void requireClass(const InferContext& ctx, size_t operand, uint32_t mask) {
  ElemType t = ctx.input(operand).elem;
  if ((bit(t) & mask) == 0)
    ctx.fail("element type " + std::string(elemTypeName(t)) + " of operand " + std::to_string(operand) +
             " is not accepted by " + ctx.node().op);
}

// Dispatch over float types only (F16 computed in float).
template <typename F>
void dispatchFloat(ElemType t, F&& f) {
  switch (t) {
    case ElemType::F32: f(float{}); return;
    case ElemType::F16: f(Half{}); return;
    case ElemType::F64: f(double{}); return;
    default: failInternal("float kernel dispatched on " + std::string(elemTypeName(t)));
  }
}

// Dispatch over float and signed integer types.
template <typename F>
void dispatchSigned(ElemType t, F&& f) {
  switch (t) {
    case ElemType::I8: f(int8_t{}); return;
    case ElemType::I16: f(int16_t{}); return;
    case ElemType::I32: f(int32_t{}); return;
    case ElemType::I64: f(int64_t{}); return;
    default: dispatchFloat(t, f);
  }
}

}  // namespace nest::ops
