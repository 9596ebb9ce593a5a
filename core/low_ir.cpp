#include "core/low_ir.h"

#include <map>
#include <set>

#include "core/error.h"
#include "core/text_format.h"
#include "core/text_ir.h"

namespace nest::lir {

const char* bufferKindName(BufferKind kind) {
  switch (kind) {
    case BufferKind::Weight: return "weight";
    case BufferKind::Input: return "input";
    case BufferKind::Output: return "output";
    case BufferKind::Activation: return "activation";
    case BufferKind::Scratch: return "scratch";
  }
  return "?";
}

BufferId Function::addBuffer(std::string bufferName, BufferKind kind, TensorType type) {
  Buffer b;
  b.id = static_cast<BufferId>(buffers.size());
  b.name = std::move(bufferName);
  b.kind = kind;
  b.type = std::move(type);
  buffers.push_back(std::move(b));
  return buffers.back().id;
}

BufferId Function::root(BufferId id) const {
  while (buffer(id).aliasOf >= 0) id = buffer(id).aliasOf;
  return id;
}

size_t Function::naiveActivationBytes() const {
  size_t total = 0;
  for (const Buffer& b : buffers)
    if (!b.isAlias() && (b.kind == BufferKind::Activation || b.kind == BufferKind::Scratch)) total += alignUp(b.bytes());
  return total;
}

namespace {

std::string regionOf(BufferKind kind) {
  switch (kind) {
    case BufferKind::Weight: return "weights";
    case BufferKind::Input:
    case BufferKind::Output: return "mutable";
    default: return "activations";
  }
}

std::string ref(BufferId id) { return "%" + std::to_string(id); }

}  // namespace

std::string printFunction(const Function& f) {
  std::string s = "lir " + quoteString(f.name) + " {\n";
  for (const Buffer& b : f.buffers) {
    s += "  " + ref(b.id) + " " + bufferKindName(b.kind) + " " + typeToString(b.type) + " " + quoteString(b.name);
    if (b.isAlias()) {
      s += " alias " + ref(b.aliasOf);
    } else if (b.offset >= 0) {
      s += " @" + regionOf(b.kind) + "+" + std::to_string(b.offset);
    }
    s += "\n";
  }
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    const Instr& in = f.instrs[i];
    s += "  " + std::to_string(i) + ": ";
    if (in.isMemoryOp()) {
      s += in.kernel + " " + ref(in.outputs.empty() ? in.inputs.at(0) : in.outputs.at(0)) + "\n";
      continue;
    }
    for (size_t k = 0; k < in.outputs.size(); ++k) s += (k ? ", " : "") + ref(in.outputs[k]);
    s += " = " + in.kernel + "(";
    for (size_t k = 0; k < in.inputs.size(); ++k) s += (k ? ", " : "") + (in.inputs[k] < 0 ? "none" : ref(in.inputs[k]));
    s += ")";
    if (in.params.size()) {
      s += " {";
      bool first = true;
      for (const auto& [name, value] : in.params.all()) {
        s += (first ? "" : ", ") + name + "=" + attributeText(value);
        first = false;
      }
      s += "}";
    }
    if (in.scratch >= 0) s += " scratch " + ref(in.scratch);
    if (in.node) s += "  ; #" + std::to_string(in.node) + (in.nodeName.empty() ? "" : " " + quoteString(in.nodeName));
    s += "\n";
  }
  s += "  inputs [";
  for (size_t k = 0; k < f.inputs.size(); ++k) s += (k ? ", " : "") + ref(f.inputs[k]);
  s += "] outputs [";
  for (size_t k = 0; k < f.outputs.size(); ++k) s += (k ? ", " : "") + ref(f.outputs[k]);
  s += "]\n";
  if (f.activationBytes || f.mutableBytes || f.weightBytes)
    s += "  memory weights=" + std::to_string(f.weightBytes) + " mutable=" + std::to_string(f.mutableBytes) +
         " activations=" + std::to_string(f.activationBytes) + " naive_activations=" +
         std::to_string(f.naiveActivationBytes()) + "\n";
  return s + "}\n";
}

void verifyFunction(const Function& f) {
  auto fail = [&](size_t i, const std::string& m) {
    failInternal("LIR function '" + f.name + "', instruction " + std::to_string(i) + " (" + f.instrs[i].kernel +
                 "): " + m);
  };
  const auto n = static_cast<BufferId>(f.buffers.size());
  for (const Buffer& b : f.buffers) {
    if (b.aliasOf >= n || b.aliasOf == b.id)
      failInternal("LIR buffer " + ref(b.id) + " aliases an invalid buffer");
    if (b.isAlias() && f.buffer(f.root(b.id)).bytes() < b.bytes())
      failInternal("LIR buffer " + ref(b.id) + " is larger than the buffer it aliases");
  }
  bool hasMemoryOps = false;
  for (const Instr& in : f.instrs) hasMemoryOps = hasMemoryOps || in.isMemoryOp();
  // Lifetime check over activation roots once explicit alloc/dealloc exist.
  std::map<BufferId, int> state;  // 0 never allocated, 1 live, 2 freed
  std::set<BufferId> liveRoots;
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    const Instr& in = f.instrs[i];
    std::vector<BufferId> all = in.inputs;
    all.insert(all.end(), in.outputs.begin(), in.outputs.end());
    if (in.scratch >= 0) all.push_back(in.scratch);
    for (BufferId id : all) {
      if (id == -1 && !in.isMemoryOp()) continue;  // absent optional operand
      if (id < 0 || id >= n) fail(i, "invalid buffer id " + std::to_string(id));
    }
    if (!hasMemoryOps) continue;
    if (in.kernel == "alloc") {
      BufferId r = in.outputs.at(0);
      if (f.buffer(r).isAlias()) fail(i, "allocates alias " + ref(r));
      if (state[r] != 0) fail(i, "allocates " + ref(r) + " twice");
      state[r] = 1;
      liveRoots.insert(r);
      continue;
    }
    if (in.kernel == "dealloc") {
      BufferId r = in.inputs.at(0);
      if (state[r] != 1) fail(i, "deallocates " + ref(r) + " which is not live");
      state[r] = 2;
      liveRoots.erase(r);
      continue;
    }
    for (BufferId id : all) {
      if (id < 0) continue;
      BufferId r = f.root(id);
      BufferKind k = f.buffer(r).kind;
      if ((k == BufferKind::Activation || k == BufferKind::Scratch) && state[r] != 1)
        fail(i, "uses " + ref(id) + " whose storage " + ref(r) + " is not allocated here");
    }
  }
  if (!liveRoots.empty()) failInternal("LIR function '" + f.name + "': " + ref(*liveRoots.begin()) + " is never deallocated");
  // Placement check: roots of the same region that overlap in bytes must not be live together.
  if (!hasMemoryOps || f.activationBytes == 0) return;
  std::map<BufferId, std::pair<size_t, size_t>> span;  // root -> [first, last] instruction
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    const Instr& in = f.instrs[i];
    if (in.kernel == "alloc") span[in.outputs[0]] = {i, i};
    if (in.kernel == "dealloc") span[in.inputs[0]].second = i;
  }
  for (auto a = span.begin(); a != span.end(); ++a) {
    const Buffer& ba = f.buffer(a->first);
    if (ba.offset < 0 || static_cast<size_t>(ba.offset) + ba.bytes() > f.activationBytes)
      failInternal("LIR buffer " + ref(ba.id) + " is placed outside the activations arena");
    for (auto b = std::next(a); b != span.end(); ++b) {
      const Buffer& bb = f.buffer(b->first);
      bool timeOverlap = a->second.first < b->second.second && b->second.first < a->second.second;
      bool spaceOverlap = ba.offset < bb.offset + static_cast<int64_t>(bb.bytes()) &&
                          bb.offset < ba.offset + static_cast<int64_t>(ba.bytes());
      if (timeOverlap && spaceOverlap && ba.bytes() && bb.bytes())
        failInternal("LIR buffers " + ref(ba.id) + " and " + ref(bb.id) + " overlap while both are live");
    }
  }
}

}  // namespace nest::lir
