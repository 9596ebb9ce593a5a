#!/usr/bin/python3
"""Writes tests/data/runtime_control_flow: two torch.jit.script modules exported to ONNX (opset 17)
whose control flow is decided at run time, with torch's outputs for fixed inputs.

  branchy.onnx     a data-dependent `if` (If with a runtime condition; both branches read the
                   input and a weight of the enclosing graph)
  whiling.onnx     a `while` loop whose condition depends on the data (Loop with a runtime
                   condition and trip count; carried values, a body reading an outer value)

For each model NAME: NAME.onnx and, for each run K, its inputs NAME_runK_in0.npy, _in1 ... and
torch's outputs NAME_runK_out0.npy, _out1 ... (the files are checked in; regenerating them with
torch 1.13 gives the same bytes). Run:
  /usr/bin/python3 scripts/make_control_flow_models.py tests/data/runtime_control_flow
"""
import os
import sys

import numpy as np
import torch


class Branchy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            y = torch.matmul(x, self.w.t()) + 1.0
        else:
            y = torch.relu(torch.matmul(-x, self.w.t())) * 3.0
        return y


class Whiling(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor([0.5, 2.0, -1.0]))

    def forward(self, x: torch.Tensor, limit: torch.Tensor):
        acc = x
        steps = torch.zeros([1], dtype=torch.float32)
        while bool(acc.abs().sum() < limit.sum()):
            acc = acc * 1.5 + self.scale
            steps = steps + 1.0
        return acc, steps


def export(module, name, runs, input_names, output_names, out_dir):
    scripted = torch.jit.script(module)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(scripted, runs[0], path, opset_version=17, input_names=input_names, output_names=output_names)
    for k, args in enumerate(runs):
        with torch.no_grad():
            outs = scripted(*args)
        if isinstance(outs, torch.Tensor):
            outs = (outs,)
        for i, a in enumerate(args):
            np.save(os.path.join(out_dir, f"{name}_run{k}_in{i}.npy"), a.numpy())
        for i, o in enumerate(outs):
            np.save(os.path.join(out_dir, f"{name}_run{k}_out{i}.npy"), o.detach().numpy())


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/runtime_control_flow"
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    export(Branchy(), "branchy",
           [(torch.tensor([[1.0, 2.0, -0.5], [0.25, -1.0, 3.0]]),),
            (torch.tensor([[-1.0, -2.0, 0.5], [0.25, -1.0, -3.0]]),)],
           ["x"], ["y"], out_dir)
    export(Whiling(), "whiling",
           [(torch.tensor([0.5, -0.25, 1.0]), torch.tensor([40.0])),
            (torch.tensor([2.0, 1.0, -3.0]), torch.tensor([1.0]))],
           ["x", "limit"], ["acc", "steps"], out_dir)


if __name__ == "__main__":
    main()
