// The textual graph IR: printed like an MLIR/Glow dump, parsed back exactly
// (print(parse(print(g))) == print(g)). Example:
//
//   graph "mnist" {
//     input %Input3: f32[1,1,28,28]
//     const %Parameter5: f32[8,1,5,5] = blob<fnv1a:9c2f0a61d8e4b7a3>
//     const %Pooling160_shape: i64[2] = dense<[1, 256]>
//     %Conv28_out: f32[1,8,28,28] = Conv #1 "Convolution28"(%Input3, %Parameter5) {auto_pad="SAME_UPPER", strides=[1, 1]}
//     %y: f32[1,8,28,28] = Relu #7(%Conv28_out) from [3, 4]
//     output %y
//   }
//
// Constants with more than kInlineElements elements are printed by reference (blob<hash>); parsing
// such text needs the blobs, from the graph it was printed from or a weights file written beside it.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "core/graph.h"

namespace nest {

constexpr int64_t kInlineElements = 16;

std::string printGraph(const Graph& graph);
// One attribute value as the text IR spells it (also used by the low-level IR dump).
std::string attributeText(const Attribute& value);
// Parses one attribute value as attributeText spells it (throws BadInput naming the column).
Attribute parseAttributeText(const std::string& text);

// Blobs by content hash (the text's blob<fnv1a:...> key).
using BlobStore = std::map<uint64_t, Tensor>;
BlobStore blobsOf(const Graph& graph);

// Parses text IR; throws BadInput with "line L:C: reason". Verifies the result.
Graph parseGraph(const std::string& text, const BlobStore& blobs = {});

// Files: OUT.nir, plus OUT.nir.weights when the graph has large constants.
void writeTextIrFile(const Graph& graph, const std::filesystem::path& file);
Graph readTextIrFile(const std::filesystem::path& file);

}  // namespace nest
