#!/usr/bin/python3
# The expected values of tests/test_importer_recurrent_ops.cpp: ONNX RNN / GRU / LSTM in numpy
# (float64 on float32 operands), written from the ONNX operator definitions, and torch.nn.LSTM /
# GRU with the weights reordered from ONNX's gate order (iofc, zrh) to torch's (ifgo, rzn).
# Operands are pattern(shape, seed): element k is ((37 k + 11 seed) mod 19 - 9) / 10 in float32,
# the same as the test's pattern(). Run: /usr/bin/python3 tests/recurrent_reference.py
import numpy as np


def pattern(shape, seed):
    n = int(np.prod(shape))
    k = np.arange(n)
    return (((k * 37 + seed * 11) % 19 - 9) / 10.0).astype(np.float32).reshape(shape)


DEFAULTS = {"affine": (1.0, 0.0), "leakyrelu": (0.01, None), "thresholdedrelu": (1.0, None),
            "scaledtanh": (1.0, 1.0), "hardsigmoid": (0.2, 0.5), "elu": (1.0, None)}


def act(name, alpha, beta):
    n = name.lower()
    if n == "sigmoid": return lambda x: 1 / (1 + np.exp(-x))
    if n == "tanh": return np.tanh
    if n == "relu": return lambda x: np.maximum(x, 0)
    if n == "affine": return lambda x: alpha * x + beta
    if n == "leakyrelu": return lambda x: np.where(x >= 0, x, alpha * x)
    if n == "thresholdedrelu": return lambda x: np.where(x > alpha, x, 0)
    if n == "scaledtanh": return lambda x: alpha * np.tanh(beta * x)
    if n == "hardsigmoid": return lambda x: np.clip(alpha * x + beta, 0, 1)
    if n == "elu": return lambda x: np.where(x >= 0, x, alpha * (np.exp(x) - 1))
    if n == "softsign": return lambda x: x / (1 + np.abs(x))
    if n == "softplus": return lambda x: np.log(1 + np.exp(x))
    raise ValueError(name)


def activations(op, names, alphas, betas, dirs):
    k = {"LSTM": 3, "GRU": 2, "RNN": 1}[op]
    if not names:
        names = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}[op]
    alphas, betas = list(alphas or []), list(betas or [])
    fns = []
    for n in names:  # alpha / beta consumed in order by the functions that take them
        a, b = DEFAULTS.get(n.lower(), (None, None))
        if a is not None and alphas: a = alphas.pop(0)
        if b is not None and betas: b = betas.pop(0)
        fns.append(act(n, a, b))
    assert not alphas and not betas
    if len(fns) == k: fns = fns * dirs
    return [fns[d * k:(d + 1) * k] for d in range(dirs)]


def recurrent(op, X, W, R, B=None, seq=None, h0=None, c0=None, P=None, direction="forward", acts=None, alphas=None,
              betas=None, clip=None, input_forget=0, lbr=0, layout=0):
    X = X.astype(np.float64)
    if layout == 1: X = X.transpose(1, 0, 2)
    S, N, I = X.shape
    D = 2 if direction == "bidirectional" else 1
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    H = R.shape[2]
    if layout == 1:
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    fns = activations(op, acts, alphas, betas, D)
    cl = (lambda v: np.clip(v, -clip, clip)) if clip else (lambda v: v)
    Y = np.zeros((S, D, N, H))
    Yh = np.zeros((D, N, H))
    Yc = np.zeros((D, N, H))
    for d in range(D):
        rev = direction == "reverse" or d == 1
        w, r = W[d].astype(np.float64), R[d].astype(np.float64)
        b = np.zeros(2 * G * H) if B is None else B[d].astype(np.float64)
        wb, rb = b[:G * H], b[G * H:]
        p = np.zeros(3 * H) if P is None else P[d].astype(np.float64)
        f = fns[d]
        for n in range(N):
            L = S if seq is None else int(seq[n])
            h = np.zeros(H) if h0 is None else h0[d, n].astype(np.float64)
            c = np.zeros(H) if c0 is None else c0[d, n].astype(np.float64)
            steps = range(L - 1, -1, -1) if rev else range(L)
            for t in steps:
                x = X[t, n]
                if op == "RNN":
                    h = f[0](cl(w @ x + wb + r @ h + rb))
                elif op == "GRU":
                    xz, xr, xh = np.split(w @ x + wb, 3)
                    Rz, Rr, Rh = np.split(r, 3)
                    bz, br, bh = np.split(rb, 3)
                    z = f[0](cl(xz + Rz @ h + bz))
                    rr = f[0](cl(xr + Rr @ h + br))
                    if lbr:
                        hh = f[1](cl(xh + rr * (Rh @ h + bh)))
                    else:
                        hh = f[1](cl(xh + Rh @ (rr * h) + bh))
                    h = (1 - z) * hh + z * h
                else:
                    xi, xo, xf, xc = np.split(w @ x + wb, 4)
                    hi, ho, hf, hc = np.split(r @ h + rb, 4)
                    pi, po, pf = np.split(p, 3)
                    i = f[0](cl(xi + hi + pi * c))
                    fg = 1 - i if input_forget else f[0](cl(xf + hf + pf * c))
                    cc = f[1](cl(xc + hc))
                    c = fg * c + i * cc
                    o = f[0](cl(xo + ho + po * c))
                    h = o * f[2](c)
                Y[t, d, n] = h
            Yh[d, n] = h
            Yc[d, n] = c
    if layout == 1:
        Y = Y.transpose(2, 0, 1, 3)
        Yh = Yh.transpose(1, 0, 2)
        Yc = Yc.transpose(1, 0, 2)
    return Y, Yh, Yc


def show(name, a):
    print("  // %s %s" % (name, list(a.shape)))
    def lit(v):
        t = "%.9g" % v
        return t + "f" if "." in t or "e" in t else t
    print("  {" + ", ".join(lit(v) for v in np.asarray(a, dtype=np.float32).ravel()) + "}")


def case(title, op, S, N, I, H, D=1, outs=2, **kw):
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    layout = kw.get("layout", 0)
    X = pattern((N, S, I) if layout else (S, N, I), 1)
    W, R, B = pattern((D, G * H, I), 2), pattern((D, G * H, H), 3), pattern((D, 2 * G * H), 4)
    st = (N, D, H) if layout else (D, N, H)
    args = dict(W=W, R=R)
    if kw.pop("bias", True): args["B"] = B
    if kw.pop("init", False):
        args["h0"] = pattern(st, 5)
        if op == "LSTM": args["c0"] = pattern(st, 6)
    if kw.pop("peep", False): args["P"] = pattern((D, 3 * H), 7)
    Y, Yh, Yc = recurrent(op, X, **args, **kw)
    print(title)
    show("Y", Y)
    show("Y_h", Yh)
    if op == "LSTM": show("Y_c", Yc)
    return X, args, Y, Yh, Yc


if __name__ == "__main__":
    case("lstmForward", "LSTM", 3, 2, 3, 2, init=True)
    case("lstmReverseNoBias", "LSTM", 3, 2, 3, 2, bias=False, direction="reverse")
    case("lstmBidirectionalSeqLens", "LSTM", 3, 2, 3, 2, D=2, init=True, direction="bidirectional", seq=[3, 1])
    case("lstmPeepholeClipInputForget", "LSTM", 3, 2, 3, 2, init=True, peep=True, clip=0.5, input_forget=1)
    case("lstmLayout1", "LSTM", 3, 2, 3, 2, D=2, init=True, direction="bidirectional", layout=1, seq=[2, 3])
    case("lstmActivations", "LSTM", 3, 2, 3, 2, init=True, acts=["HardSigmoid", "Softsign", "ScaledTanh"],
         alphas=[0.3, 0.8], betas=[0.6, 1.5])
    case("gruForward", "GRU", 3, 2, 3, 2, init=True)
    case("gruLinearBeforeReset", "GRU", 3, 2, 3, 2, init=True, lbr=1)
    case("gruBidirectionalSeqLens", "GRU", 3, 2, 3, 2, D=2, init=True, direction="bidirectional", seq=[2, 3], lbr=1)
    case("gruReverseActivations", "GRU", 3, 2, 3, 2, direction="reverse", acts=["HardSigmoid", "LeakyRelu"],
         alphas=[0.3, 0.2], betas=[0.4], clip=0.7)
    case("rnnForward", "RNN", 3, 2, 3, 2, init=True)
    case("rnnBidirectional", "RNN", 3, 2, 3, 2, D=2, direction="bidirectional", acts=["Elu", "Affine"],
         alphas=[0.5, 1.5], betas=[-0.25], seq=[1, 3])
    for a in ["Sigmoid", "Tanh", "Relu", "Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu",
              "Softsign", "Softplus"]:
        case("rnnActivation " + a, "RNN", 2, 1, 2, 2, acts=[a])

    # torch: LSTM gates i, f, g, o from ONNX's i, o, f, c; GRU r, z, n from ONNX's z, r, h
    # (linear_before_reset 1 is torch's GRU).
    import torch
    torch.manual_seed(0)
    X, args, Y, Yh, Yc = case("torchLstm (numpy)", "LSTM", 4, 2, 3, 3, D=2, init=True, direction="bidirectional")
    lstm = torch.nn.LSTM(3, 3, bidirectional=True)
    H = 3
    with torch.no_grad():
        for d, suf in enumerate(["", "_reverse"]):
            def reorder(m):
                i, o, f, c = np.split(m, 4)
                return torch.tensor(np.concatenate([i, f, c, o]))
            getattr(lstm, "weight_ih_l0" + suf).copy_(reorder(args["W"][d]))
            getattr(lstm, "weight_hh_l0" + suf).copy_(reorder(args["R"][d]))
            getattr(lstm, "bias_ih_l0" + suf).copy_(reorder(args["B"][d][:4 * H]))
            getattr(lstm, "bias_hh_l0" + suf).copy_(reorder(args["B"][d][4 * H:]))
        ty, (th, tc) = lstm(torch.tensor(X), (torch.tensor(args["h0"]), torch.tensor(args["c0"])))
    ty = ty.numpy().reshape(4, 2, 2, 3).transpose(0, 2, 1, 3)
    print("torchLstm (torch)")
    show("Y", ty)
    show("Y_h", th.numpy())
    show("Y_c", tc.numpy())
    print("  max |torch - numpy|", abs(ty - Y).max(), abs(th.numpy() - Yh).max(), abs(tc.numpy() - Yc).max())

    X, args, Y, Yh, _ = case("torchGru (numpy)", "GRU", 4, 2, 3, 3, init=True, lbr=1)
    gru = torch.nn.GRU(3, 3)
    with torch.no_grad():
        def reorder(m):
            z, r, h = np.split(m, 3)
            return torch.tensor(np.concatenate([r, z, h]))
        gru.weight_ih_l0.copy_(reorder(args["W"][0]))
        gru.weight_hh_l0.copy_(reorder(args["R"][0]))
        gru.bias_ih_l0.copy_(reorder(args["B"][0][:3 * H]))
        gru.bias_hh_l0.copy_(reorder(args["B"][0][3 * H:]))
        ty, th = gru(torch.tensor(X), torch.tensor(args["h0"]))
    print("torchGru (torch)")
    show("Y", ty.numpy().reshape(4, 1, 2, 3))
    show("Y_h", th.numpy())
    print("  max |torch - numpy|", abs(ty.numpy().reshape(4, 1, 2, 3) - Y).max(), abs(th.numpy() - Yh).max())
