#!/usr/bin/python3
"""Per-layer minimum times of two CPU bundles (or of one bundle and onnxruntime), side by side.

On a noisy machine a whole-model median moves by 10-20% within the hour; the minimum of a layer
over several interleaved runs moves far less, so this is how a kernel change is judged layer by
layer. Each round runs `run --profile-layers` of every bundle (and ort_bench.js --profile-layers
for --ort), one after the other; a layer's figure is its minimum over the rounds.

Usage: scripts/compare-layers.py [--rounds 5] [--repeat 10] [--threads 1] [--threads-b N]
                                 [--input FILE.npy] [--ort MODEL.onnx] BUNDLE_A [BUNDLE_B]
  BUNDLE_*: a bundle directory holding a built `run`.
  --threads-b: B's thread count (default --threads); the same bundle twice with --threads 1
         --threads-b 2 shows each layer's scaling.
  --ort: compare BUNDLE_A with onnxruntime on MODEL.onnx instead. onnxruntime names most of its
         fused nodes after their output tensors (`/layer1/layer1.0/relu_1/Relu_output_0_nchwc`); each
         is matched to the bundle layer it computes by walking MODEL.onnx back from that tensor
         through the ops fused into a layer (batch norm, activations, the residual Add). Both sides
         report a layer's mean over the runs of a round.
Prints each layer's minimum in ms for A and B, B - A, A / B, and the totals; slowest layers first.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The bundle's profile prints node names cut to this width.
NAME_WIDTH = 40
# Ops that onnxruntime and the bundles fold into the layer before them.
FUSED_OPS = {"BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Add", "Sum"}


def bundle_layers(run, args, threads):
    cmd = [run, "--input", args.input, "--repeat", str(args.repeat), "--threads", str(threads), "--profile-layers"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    layers = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\s+(\S+)\s+([0-9.]+)\s+[0-9.]+%", line)
        if m:
            layers[m.group(1)] = (float(m.group(3)), m.group(2))
    return layers


def ort_name_mapper(model):
    """Returns a function from an onnxruntime node name to the (cut) name of the model node it
    computes: the node of that name, or the first non-fused producer behind the tensor it names."""
    import onnx

    graph = onnx.load(model, load_external_data=False).graph
    producer = {out: node for node in graph.node for out in node.output}
    names = {node.name for node in graph.node}

    def layer_behind(tensor, depth=0):
        node = producer.get(tensor)
        if node is None or depth > 8:
            return None
        if node.op_type not in FUSED_OPS:
            return node.name
        for inp in node.input:  # a residual Add: the first input that leads to a layer
            found = layer_behind(inp, depth + 1)
            if found:
                return found
        return None

    def mapper(ort_name):
        if ort_name in names:
            return ort_name[:NAME_WIDTH]
        found = layer_behind(re.sub(r"_nchwc$", "", ort_name))
        return found[:NAME_WIDTH] if found else ort_name

    return mapper


def ort_layers(model, args, layer_of):
    ort_dir = os.environ.get("ORT_NODE_DIR", os.path.join(ROOT, "build", "ort", "node_modules", "onnxruntime-node"))
    cmd = ["node", os.path.join(ROOT, "scripts", "ort_bench.js"), model, "--repeat", str(args.repeat), "--threads",
           str(args.threads), "--profile-layers"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=dict(os.environ, ORT_NODE_DIR=ort_dir)).stdout
    layers = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9.]+)\s+(\S+)\s+(\S+)$", line)
        if m:
            name = layer_of(m.group(3))
            ms = float(m.group(1)) + (layers[name][0] if name in layers else 0.0)  # nodes of one layer add up
            layers[name] = (ms, "ort:" + m.group(2))
    return layers


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--threads-b", type=int)
    p.add_argument("--input", help="input .npy (default: a 1x3x224x224 uniform random image)")
    p.add_argument("--ort", metavar="MODEL.onnx")
    p.add_argument("bundles", nargs="+")
    args = p.parse_args()
    if len(args.bundles) != (1 if args.ort else 2):
        p.error("give two bundles, or one bundle and --ort MODEL.onnx")
    if not args.input:
        import numpy as np
        args.input = os.path.join(tempfile.mkdtemp(prefix="compare-layers-"), "input.npy")
        np.save(args.input, np.random.default_rng(1).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))
    threads = [args.threads, args.threads if args.threads_b is None else args.threads_b]
    sources = [lambda b=b, t=t: bundle_layers(os.path.join(b, "run"), args, t) for b, t in zip(args.bundles, threads)]
    if args.ort:
        layer_of = ort_name_mapper(args.ort)
        sources.append(lambda: ort_layers(args.ort, args, layer_of))
    best = [{} for _ in sources]
    for r in range(args.rounds):
        for i, source in enumerate(sources):
            for name, (ms, kernel) in source().items():
                if name not in best[i] or ms < best[i][name][0]:
                    best[i][name] = (ms, kernel)
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    a, b = best
    names = sorted(a, key=lambda n: -a[n][0])
    print(f"{'layer':50} {'kernel':18} {'A ms':>8} {'B ms':>8} {'B-A':>8} {'A/B':>6}")
    ta = tb = 0.0
    for n in names:
        ma = a[n][0]
        mb = b[n][0] if n in b else None
        ta += ma
        tb += mb or 0.0
        print(f"{n[:50]:50} {a[n][1][:18]:18} {ma:8.3f} " + (f"{mb:8.3f} {mb - ma:+8.3f} {ma / mb if mb else 0:6.2f}" if mb is not None else f"{'-':>8}"))
    missing = sum(1 for n in names if n not in b)
    print(f"{'total (sum of minimums)':69} {ta:8.3f} {tb:8.3f} {tb - ta:+8.3f} {ta / tb if tb else 0:6.2f}" +
          (f"   ({missing} layers of A not in B)" if missing else ""))


if __name__ == "__main__":
    main()
