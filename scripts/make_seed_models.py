#!/usr/bin/python3
"""Builds the seed models of the NEST-C evaluation as ONNX opset 13 test cases.

Each model goes to OUT/<name>/model.onnx with OUT/<name>/test_data_set_0/{input_0,output_0}.pb
(a fixed random input and torch's output), the layout of the ONNX backend tests, so
`nestc test-data OUT` checks every seed model against torch.

Weights are random (weights=None, no downloads) with a fixed seed; BatchNorm running statistics
are set to non-trivial values and the BatchNormalization nodes are kept in the export, so the
optimisation passes have real work to do.

usage: /usr/bin/python3 scripts/make_seed_models.py OUT [--models lenet5,resnet18,...]
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision.models as tvm
from onnx import numpy_helper


class LeNet5(nn.Module):
    """LeNet-5 for 1x1x28x28 inputs (padding 2 on the first conv, as for MNIST)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


IMAGE = (1, 3, 224, 224)
MODELS = {
    "lenet5": (LeNet5, (1, 1, 28, 28)),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(weights=None), IMAGE),
    "resnet18": (lambda: tvm.resnet18(weights=None), IMAGE),
    "resnet50": (lambda: tvm.resnet50(weights=None), IMAGE),
    "googlenet": (lambda: tvm.googlenet(weights=None, aux_logits=False, init_weights=True), IMAGE),
    "resnext50_32x4d": (lambda: tvm.resnext50_32x4d(weights=None), IMAGE),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None), IMAGE),
}


def randomize_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)


def write_pb(array, name, path):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def build(name, out_dir):
    factory, shape = MODELS[name]
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    model = factory().eval()
    with torch.no_grad():
        randomize_batchnorm(model, gen)
        x = torch.rand(shape, generator=gen)
        y = model(x)
    case = os.path.join(out_dir, name)
    data = os.path.join(case, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(case, "model.onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    onnx.checker.check_model(onnx.load(path))
    write_pb(x.numpy(), "input", os.path.join(data, "input_0.pb"))
    write_pb(y.numpy(), "output", os.path.join(data, "output_0.pb"))
    print(f"{name}: {path}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="output folder")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of: " + ", ".join(MODELS))
    args = parser.parse_args()
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model '{name}'; choose from {', '.join(MODELS)}")
        if os.path.exists(os.path.join(args.out, name, "test_data_set_0", "output_0.pb")):
            print(f"{name}: up to date", flush=True)
            continue
        build(name, args.out)


if __name__ == "__main__":
    main()
