#!/usr/bin/python3
"""Writes a large ONNX model (default 10,000 nodes) for the workbench scale benchmark.

The graph is a deep stack of residual blocks on small tensors (1x8x8x8 activations, 8x8x1x1
convolutions), so it has the branching of a real network (every block forks and joins) while the
weights stay small (about 1 MB for 10,000 nodes):

    x -> Conv -> Relu -> Conv -> Add(x) -> Relu -> next block

Each block is 5 nodes; when N is not a multiple of 5 the last nodes are a chain of Relu.
Weights are random with a fixed seed. Opset 13, checked with onnx.checker.

Node names are "block12.conv1", ...; with --scoped they are module paths as PyTorch exports them,
100 blocks to a stage: "/stage0/block12/conv1/Conv" (the workbench groups them by scope).

usage: /usr/bin/python3 scripts/make_big_model.py OUT.onnx [--nodes N] [--scoped]
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C, H, W = 8, 8, 8
BLOCK = 5
BLOCKS_PER_STAGE = 100


def build(nodes, scoped=False):
    rng = np.random.default_rng(1234)
    graph_nodes, inits = [], []
    x = "input"

    def conv(src, name, op_name=None):
        w = (rng.standard_normal((C, C, 1, 1)) * (0.5 / np.sqrt(C))).astype(np.float32)
        b = (rng.standard_normal(C) * 0.01).astype(np.float32)
        inits.append(numpy_helper.from_array(w, name + ".weight"))
        inits.append(numpy_helper.from_array(b, name + ".bias"))
        out = name + ".out"
        graph_nodes.append(helper.make_node("Conv", [src, name + ".weight", name + ".bias"], [out], name=op_name or name,
                                            kernel_shape=[1, 1], pads=[0, 0, 0, 0], strides=[1, 1]))
        return out

    def unary(op, src, name, op_name=None):
        out = name + ".out"
        graph_nodes.append(helper.make_node(op, [src], [out], name=op_name or name))
        return out

    for i in range(nodes // BLOCK):
        p = f"block{i}"
        scope = f"/stage{i // BLOCKS_PER_STAGE}/block{i}/"
        path = (lambda module, op: f"{scope}{module}/{op}") if scoped else (lambda module, op: None)
        y = conv(x, p + ".conv1", path("conv1", "Conv"))
        y = unary("Relu", y, p + ".relu1", path("relu1", "Relu"))
        y = conv(y, p + ".conv2", path("conv2", "Conv"))
        s = p + ".add.out"
        graph_nodes.append(helper.make_node("Add", [y, x], [s], name=f"{scope}Add" if scoped else p + ".add"))
        x = unary("Relu", s, p + ".relu2", path("relu2", "Relu"))
    for i in range(nodes % BLOCK):
        x = unary("Relu", x, f"tail{i}")

    # The last node's output is the graph output (renamed in place so the node count stays N).
    last = graph_nodes[-1]
    last.output[0] = "output"
    graph = helper.make_graph(
        graph_nodes, "big_residual",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, C, H, W])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, C, H, W])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="nest make_big_model")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="output .onnx file")
    parser.add_argument("--nodes", type=int, default=10000, help="number of nodes (default 10000)")
    parser.add_argument("--scoped", action="store_true", help="name nodes by module path, 100 blocks to a stage")
    args = parser.parse_args()
    if args.nodes < 1:
        parser.error("--nodes must be at least 1")
    model = build(args.nodes, args.scoped)
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    onnx.save(model, args.out)
    print(f"{args.out}: {len(model.graph.node)} nodes, {os.path.getsize(args.out) / 1e6:.2f} MB", flush=True)


if __name__ == "__main__":
    main()
