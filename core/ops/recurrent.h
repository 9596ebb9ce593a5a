// The ONNX recurrent ops (RNN, GRU, LSTM; core/ops/recurrent_ops.cpp): their gate counts and the
// activation functions a node's `activations` / `activation_alpha` / `activation_beta` select, shared
// by the reference kernels and the backends that implement the ops.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest::recurrent {

// The activation functions ONNX allows in `activations` (names compared ignoring case).
enum class Activation { Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus };

struct ActivationFn {
  Activation kind = Activation::Sigmoid;
  double alpha = 0, beta = 0;
  double operator()(double x) const;
};

const char* activationName(Activation a);

// Gates per direction: 1 (RNN), 3 (GRU: z, r, h), 4 (LSTM: i, o, f, c).
int64_t gateCount(const std::string& op);
// Activation functions per direction: 1 (RNN: f), 2 (GRU: f, g), 3 (LSTM: f, g, h).
int64_t activationCount(const std::string& op);
// 1, or 2 for direction "bidirectional" (throws naming the node for an unknown direction).
int64_t numDirections(const Node& node);

// The activation functions of each direction (activationCount each), from `activations` (default
// Sigmoid / Tanh / Tanh for LSTM, Sigmoid / Tanh for GRU, Tanh for RNN; a bidirectional node that
// lists one direction's functions uses them for both). activation_alpha and activation_beta are
// consumed in order by the functions that take them (Affine, LeakyRelu, ThresholdedRelu,
// ScaledTanh, HardSigmoid, Elu take alpha; Affine, ScaledTanh, HardSigmoid take beta); functions
// left without a value take ONNX's defaults. Throws a BadInput error naming the node for an unknown
// function, a wrong count or values left over.
std::vector<std::vector<ActivationFn>> activations(const Node& node);

}  // namespace nest::recurrent
