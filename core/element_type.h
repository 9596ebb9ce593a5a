// Element types of tensors and their properties.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nest {

enum class ElemType : uint8_t {
  F32, F16, F64, I8, U8, I16, U16, I32, U32, I64, U64, Bool,
};

inline constexpr ElemType kAllElemTypes[] = {
    ElemType::F32, ElemType::F16, ElemType::F64, ElemType::I8,  ElemType::U8,  ElemType::I16,
    ElemType::U16, ElemType::I32, ElemType::U32, ElemType::I64, ElemType::U64, ElemType::Bool};

size_t elemSize(ElemType t);
bool isFloat(ElemType t);
bool isSignedInt(ElemType t);
bool isInteger(ElemType t);  // signed or unsigned integer, not bool
// Short spelling used by the text IR: f32, f16, f64, i8, u8, ..., bool.
std::string_view elemTypeName(ElemType t);
std::optional<ElemType> parseElemType(std::string_view name);

// IEEE half precision <-> float conversion (storage of F16 is the raw uint16 bits).
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

// Calls f(T{}) with the C++ type that stores elements of `t` (uint16_t for F16, bool as uint8_t).
template <typename F>
decltype(auto) dispatchStorageType(ElemType t, F&& f) {
  switch (t) {
    case ElemType::F32: return f(float{});
    case ElemType::F16: return f(uint16_t{});
    case ElemType::F64: return f(double{});
    case ElemType::I8: return f(int8_t{});
    case ElemType::U8: return f(uint8_t{});
    case ElemType::I16: return f(int16_t{});
    case ElemType::U16: return f(uint16_t{});
    case ElemType::I32: return f(int32_t{});
    case ElemType::U32: return f(uint32_t{});
    case ElemType::I64: return f(int64_t{});
    case ElemType::U64: return f(uint64_t{});
    case ElemType::Bool: return f(uint8_t{});
  }
  return f(float{});
}

}  // namespace nest
