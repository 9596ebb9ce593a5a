#!/usr/bin/python3
"""Builds the seed models of the NEST-C evaluation as ONNX test cases.

Each model goes to OUT/<name>/model.onnx with OUT/<name>/test_data_set_0/{input_N,output_0}.pb
(fixed random inputs and torch's output), the layout of the ONNX backend tests, so
`nestc test-data OUT` checks every seed model against torch.

Two families, each into its own folder:
* cnn (the default): torchvision CNNs at opset 13. Weights are random (weights=None, no downloads)
  with a fixed seed; BatchNorm running statistics are set to non-trivial values and the
  BatchNormalization nodes are kept in the export, so the optimisation passes have real work to do.
* sequence: transformers and recurrent networks at opset 17 (LayerNormalization, LSTM, GRU):
  torchvision's ViT-B/16, a BERT-style encoder (token and position embeddings, 4 post-norm layers,
  sequence 128, a padding mask; also exported at opset 13, where LayerNorm is written out), an LSTM
  language model and a bidirectional GRU. bert_encoder_s512
  (the same encoder at sequence 512) is for the benchmark and is only built when named.

usage: /usr/bin/python3 scripts/make_seed_models.py OUT [--family cnn|sequence] [--models a,b,...]
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


class BertEncoder(nn.Module):
    """BERT-style encoder: token + position embeddings, LayerNorm, post-norm GELU layers, a vocabulary head."""

    def __init__(self, vocab=1000, d=256, heads=4, layers=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(512, d)
        self.norm = nn.LayerNorm(d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, vocab)
        # TransformerEncoder deep-copies one layer: give every layer its own weights, as training would.
        for name, p in self.encoder.named_parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
            else:
                nn.init.normal_(p, std=0.02) if name.endswith("bias") else nn.init.normal_(p, mean=1.0, std=0.02)

    def forward(self, ids, mask):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.norm(self.tok(ids) + self.pos(pos))
        return self.head(self.encoder(x, src_key_padding_mask=mask == 0))


class LstmLanguageModel(nn.Module):
    """Word-level LSTM language model: embedding, 2 LSTM layers, a vocabulary head."""

    def __init__(self, vocab=1000, d=128, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.LSTM(d, hidden, 2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids):
        y, _ = self.rnn(self.emb(ids))
        return self.head(y)


class GruClassifier(nn.Module):
    """Bidirectional 2-layer GRU over 40 filterbank features per frame, classified from the last frame."""

    def __init__(self, features=40, hidden=128, classes=10):
        super().__init__()
        self.rnn = nn.GRU(features, hidden, 2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


def vit_b_16():
    model = tvm.vit_b_16(weights=None)
    nn.init.normal_(model.heads.head.weight, std=0.02)  # torchvision zero-initialises the head
    return model


def image(gen):
    return (torch.rand((1, 3, 224, 224), generator=gen),)


def token_ids(length):
    def make(gen):
        return (torch.randint(0, 1000, (1, length), generator=gen),)
    return make


def ids_and_mask(length):
    def make(gen):
        mask = torch.ones((1, length), dtype=torch.int64)
        mask[0, length * 7 // 8:] = 0  # the last eighth is padding
        return (torch.randint(0, 1000, (1, length), generator=gen), mask)
    return make


# name: (factory, input maker, input names, opset)
IMAGE_INPUT = (["input"], 13)
CNN_MODELS = {
    "lenet5": (LeNet5, lambda gen: (torch.rand((1, 1, 28, 28), generator=gen),)) + IMAGE_INPUT,
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(weights=None), image) + IMAGE_INPUT,
    "resnet18": (lambda: tvm.resnet18(weights=None), image) + IMAGE_INPUT,
    "resnet50": (lambda: tvm.resnet50(weights=None), image) + IMAGE_INPUT,
    "googlenet": (lambda: tvm.googlenet(weights=None, aux_logits=False, init_weights=True), image) + IMAGE_INPUT,
    "resnext50_32x4d": (lambda: tvm.resnext50_32x4d(weights=None), image) + IMAGE_INPUT,
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None), image) + IMAGE_INPUT,
}
SEQUENCE_MODELS = {
    "vit_b_16": (vit_b_16, image, ["input"], 17),
    "bert_encoder": (BertEncoder, ids_and_mask(128), ["input_ids", "attention_mask"], 17),
    # The same encoder at opset 13: LayerNorm written out as ReduceMean, Sub, Pow, Sqrt, Div (fuse-layernorm).
    "bert_encoder_opset13": (BertEncoder, ids_and_mask(128), ["input_ids", "attention_mask"], 13),
    "lstm_lm": (LstmLanguageModel, token_ids(32), ["input_ids"], 17),
    "gru": (GruClassifier, lambda gen: (torch.randn((1, 50, 40), generator=gen),), ["features"], 17),
}
BENCHMARK_ONLY = {
    "bert_encoder_s512": (BertEncoder, ids_and_mask(512), ["input_ids", "attention_mask"], 17),
}
FAMILIES = {"cnn": CNN_MODELS, "sequence": SEQUENCE_MODELS}
MODELS = {**CNN_MODELS, **SEQUENCE_MODELS, **BENCHMARK_ONLY}


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
    factory, make_inputs, input_names, opset = MODELS[name]
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    model = factory().eval()
    with torch.no_grad():
        randomize_batchnorm(model, gen)
        inputs = make_inputs(gen)
        y = model(*inputs)
    case = os.path.join(out_dir, name)
    data = os.path.join(case, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(case, "model.onnx")
    torch.onnx.export(model, inputs, path, opset_version=opset, input_names=input_names, output_names=["output"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    onnx.checker.check_model(onnx.load(path))
    for i, (x, x_name) in enumerate(zip(inputs, input_names)):
        write_pb(x.numpy(), x_name, os.path.join(data, f"input_{i}.pb"))
    write_pb(y.numpy(), "output", os.path.join(data, "output_0.pb"))
    print(f"{name}: {path}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="output folder")
    parser.add_argument("--family", default="cnn", choices=FAMILIES, help="which models to build (default cnn)")
    parser.add_argument("--models", help="comma-separated models instead of a family: " + ", ".join(MODELS))
    args = parser.parse_args()
    names = args.models.split(",") if args.models else list(FAMILIES[args.family])
    for name in names:
        if name not in MODELS:
            sys.exit(f"unknown model '{name}'; choose from {', '.join(MODELS)}")
        if os.path.exists(os.path.join(args.out, name, "test_data_set_0", "output_0.pb")):
            print(f"{name}: up to date", flush=True)
            continue
        build(name, args.out)


if __name__ == "__main__":
    main()
