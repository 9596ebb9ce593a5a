#include "core/element_type.h"

#include <cstring>

namespace nest {

size_t elemSize(ElemType t) {
  switch (t) {
    case ElemType::F64: case ElemType::I64: case ElemType::U64: return 8;
    case ElemType::F32: case ElemType::I32: case ElemType::U32: return 4;
    case ElemType::F16: case ElemType::I16: case ElemType::U16: return 2;
    case ElemType::I8: case ElemType::U8: case ElemType::Bool: return 1;
  }
  return 1;
}

bool isFloat(ElemType t) { return t == ElemType::F32 || t == ElemType::F16 || t == ElemType::F64; }

bool isSignedInt(ElemType t) {
  return t == ElemType::I8 || t == ElemType::I16 || t == ElemType::I32 || t == ElemType::I64;
}

bool isInteger(ElemType t) { return !isFloat(t) && t != ElemType::Bool; }

std::string_view elemTypeName(ElemType t) {
  switch (t) {
    case ElemType::F32: return "f32";
    case ElemType::F16: return "f16";
    case ElemType::F64: return "f64";
    case ElemType::I8: return "i8";
    case ElemType::U8: return "u8";
    case ElemType::I16: return "i16";
    case ElemType::U16: return "u16";
    case ElemType::I32: return "i32";
    case ElemType::U32: return "u32";
    case ElemType::I64: return "i64";
    case ElemType::U64: return "u64";
    case ElemType::Bool: return "bool";
  }
  return "?";
}

std::optional<ElemType> parseElemType(std::string_view name) {
  for (ElemType t : kAllElemTypes)
    if (elemTypeName(t) == name) return t;
  return std::nullopt;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
      bits = sign | ((127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (absx < 0x38800000u) {                                                // subnormal or zero
    if (absx < 0x33000000u) return static_cast<uint16_t>(sign);
    uint32_t e = absx >> 23, mant = (absx & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;  // 14 + (113 - e) - 1 ... maps to half subnormal
    uint32_t half = mant >> (shift);
    uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = ((absx - 0x38000000u) >> 13);
  uint32_t rem = absx & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1))) ++half;
  return static_cast<uint16_t>(sign | half);
}

}  // namespace nest
