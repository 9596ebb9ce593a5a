// The low-level IR (LIR): the second level of the compiler, below the graph IR. One function per
// model: typed buffers in four memory regions (weights, inputs/outputs in the mutable variables,
// activations, per-instruction scratch) and a straight-line list of instructions, one kernel call
// each, with explicit alloc/dealloc of activation buffers. Views (Reshape, Flatten, ...) and
// in-place results alias another buffer instead of owning memory. Memory planning assigns every
// activation root an offset in one arena (docs/low-level-ir.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/attribute.h"
#include "core/graph.h"

namespace nest::lir {

enum class BufferKind { Weight, Input, Output, Activation, Scratch };
const char* bufferKindName(BufferKind kind);

constexpr size_t kAlignment = 64;  // every buffer offset in every region is a multiple of this
inline size_t alignUp(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

using BufferId = int32_t;

struct Buffer {
  BufferId id = 0;
  std::string name;  // graph value name (weights, inputs, outputs, activations) or a derived name
  BufferKind kind = BufferKind::Activation;
  TensorType type;
  // An alias shares the storage of `aliasOf` (a view: same bytes, another type; or an in-place
  // result). Aliases never own memory; the root (aliasOf == -1) does.
  BufferId aliasOf = -1;
  // Placement after planning: byte offset in its region (weights blob, mutable variables,
  // activations arena). -1 until placed. Aliases report their root's offset.
  int64_t offset = -1;
  Tensor data;  // the bytes of a weight buffer

  size_t bytes() const { return type.byteSize(); }
  bool isAlias() const { return aliasOf >= 0; }
};

struct Instr {
  std::string kernel;  // "alloc", "dealloc", "conv2d", "binary", "copy", ... (docs/low-level-ir.md)
  std::vector<BufferId> outputs, inputs;
  Attributes params;   // kernel parameters (strides, op name, shapes, ...)
  BufferId scratch = -1;  // per-instruction scratch buffer (kind Scratch), live only here
  NodeId node = 0;     // graph node it was lowered from (0 for alloc/dealloc)
  std::string nodeName;

  bool isMemoryOp() const { return kernel == "alloc" || kernel == "dealloc"; }
};

struct Function {
  std::string name;
  std::vector<Buffer> buffers;  // indexed by id
  std::vector<Instr> instrs;
  std::vector<BufferId> inputs, outputs;  // graph inputs and outputs, in graph order

  // Region sizes after planning (bytes, 64-byte multiples).
  size_t weightBytes = 0, mutableBytes = 0, activationBytes = 0;

  Buffer& buffer(BufferId id) { return buffers.at(static_cast<size_t>(id)); }
  const Buffer& buffer(BufferId id) const { return buffers.at(static_cast<size_t>(id)); }
  BufferId addBuffer(std::string name, BufferKind kind, TensorType type);
  // Follows aliasOf to the buffer that owns the storage.
  BufferId root(BufferId id) const;
  // Sum of the (aligned) sizes of all activation and scratch roots: the memory a plan without
  // reuse would need.
  size_t naiveActivationBytes() const;
};

// Textual dump (docs/low-level-ir.md).
std::string printFunction(const Function& f);

// Checks the invariants every LIR pass must keep: operand ids valid, aliases point to roots of
// equal or larger size, every activation root used is allocated before use and deallocated
// after its last use (once alloc/dealloc exist), placements inside their region and
// non-overlapping while both live. Throws Internal naming the instruction.
void verifyFunction(const Function& f);

}  // namespace nest::lir
