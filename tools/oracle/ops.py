#!/usr/bin/env python3
"""PyTorch oracle for every op: inputs, an upstream gradient, outputs and input gradients.

Run with Debian's system python (torch 1.13): /usr/bin/python3 tools/oracle/ops.py OUT_DIR
Writes OUT_DIR/ops.safetensors. Each case NAME stores NAME.in.K (inputs), NAME.gout, NAME.out and
NAME.grad.K; the case list with op names and parameters is JSON in the metadata key "cases".
Attention and RMSNorm are written out by hand (torch 1.13 has neither fused op).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save  # noqa: E402

torch.manual_seed(0)
rng = np.random.default_rng(1234)
tensors = {}
cases = []


def arr(shape, kind="normal"):
    if kind == "pos":
        return rng.uniform(0.5, 2.0, size=shape).astype(np.float32)
    return rng.standard_normal(size=shape).astype(np.float32)


def case(name, op, inputs, fn, params=None, int_inputs=None):
    """inputs: list of float arrays (get gradients); int_inputs: dict of extra int32 arrays."""
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    extra = {k: torch.tensor(v) for k, v in (int_inputs or {}).items()}
    out = fn(*ts, **extra)
    gout = torch.tensor(arr(tuple(out.shape)))
    out.backward(gout)
    for i, a in enumerate(inputs):
        tensors[f"{name}.in.{i}"] = a
        g = ts[i].grad
        tensors[f"{name}.grad.{i}"] = (g if g is not None else torch.zeros_like(ts[i])).detach().numpy()
    for k, v in (int_inputs or {}).items():
        tensors[f"{name}.int.{k}"] = v.astype(np.int32)
    tensors[f"{name}.gout"] = gout.numpy()
    tensors[f"{name}.out"] = out.detach().numpy()
    cases.append({"name": name, "op": op, "n": len(inputs), "params": params or {}, "ints": sorted((int_inputs or {}).keys())})


# ---- broadcasting binary ops
for sa, sb, tag in [((3, 4), (3, 4), "same"), ((2, 3, 5), (5,), "row"), ((4, 1), (1, 3), "outer"), ((2, 1, 3), (2, 4, 1), "both")]:
    case(f"add_{tag}", "add", [arr(sa), arr(sb)], lambda a, b: a + b)
    case(f"sub_{tag}", "sub", [arr(sa), arr(sb)], lambda a, b: a - b)
    case(f"mul_{tag}", "mul", [arr(sa), arr(sb)], lambda a, b: a * b)
    case(f"div_{tag}", "div", [arr(sa), arr(sb, "pos")], lambda a, b: a / b)
    case(f"maximum_{tag}", "maximum", [arr(sa), arr(sb)], lambda a, b: torch.maximum(a, b))
case("pow_tensor", "pow_tensor", [arr((3, 4), "pos"), arr((4,))], lambda a, b: torch.pow(a, b))

# ---- unary
U = {
    "neg": lambda x: -x, "exp": torch.exp, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": F.relu,
    "gelu": lambda x: F.gelu(x), "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu,
}
for k, f in U.items():
    case(f"unary_{k}", k, [arr((5, 7)) * 2], f)
case("unary_log", "log", [arr((5, 7), "pos")], torch.log)
case("unary_sqrt", "sqrt", [arr((5, 7), "pos")], torch.sqrt)
case("unary_abs", "abs", [arr((5, 7), "pos")], torch.abs)
case("pow_scalar", "pow", [arr((5, 7), "pos")], lambda x: x ** 2.5, {"p": 2.5})

# ---- reductions
case("sum_all", "sum", [arr((2, 3, 4))], lambda x: x.sum(), {"dim": None, "keepdim": False})
case("sum_last", "sum", [arr((2, 3, 4))], lambda x: x.sum(-1), {"dim": -1, "keepdim": False})
case("sum_02_keep", "sum", [arr((2, 3, 4))], lambda x: x.sum((0, 2), keepdim=True), {"dim": [0, 2], "keepdim": True})
case("mean_1", "mean", [arr((2, 3, 4))], lambda x: x.mean(1), {"dim": 1, "keepdim": False})
case("max_last", "max", [arr((2, 3, 4))], lambda x: x.max(-1).values, {"dim": -1, "keepdim": False})

# ---- matmul
case("matmul_2d", "matmul", [arr((5, 7)), arr((7, 3))], lambda a, b: a @ b)
case("matmul_batched", "matmul", [arr((2, 5, 7)), arr((2, 7, 3))], lambda a, b: a @ b)
case("matmul_bcast", "matmul", [arr((2, 1, 5, 4)), arr((3, 4, 6))], lambda a, b: a @ b)
case("matmul_transB", "matmul", [arr((2, 5, 4)), arr((2, 6, 4))], lambda a, b: a @ b.transpose(-1, -2), {"transB": True})
case("matmul_transA", "matmul", [arr((4, 5)), arr((4, 6))], lambda a, b: a.transpose(-1, -2) @ b, {"transA": True})

# ---- linear, softmax, norms
case("linear_bias", "linear", [arr((2, 3, 8)), arr((5, 8)), arr((5,))], lambda x, w, b: F.linear(x, w, b))
case("linear_nobias", "linear", [arr((4, 8)), arr((6, 8))], lambda x, w: F.linear(x, w))
case("softmax", "softmax", [arr((3, 4, 9)) * 3], lambda x: F.softmax(x, -1))
case("log_softmax", "log_softmax", [arr((3, 4, 9)) * 3], lambda x: F.log_softmax(x, -1))
case("softmax_dim0", "softmax", [arr((5, 3))], lambda x: F.softmax(x, 0), {"dim": 0})
case("layer_norm", "layer_norm", [arr((3, 4, 10)) * 2 + 1, arr((10,)), arr((10,))], lambda x, w, b: F.layer_norm(x, (10,), w, b, 1e-5), {"eps": 1e-5})


def rms_norm(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


case("rms_norm", "rms_norm", [arr((3, 4, 10)) * 2 + 1, arr((10,))], rms_norm, {"eps": 1e-6})

# ---- embedding, cross-entropy
ids = rng.integers(0, 9, size=(3, 5)).astype(np.int64)
ids[0, 0] = ids[2, 4]  # a repeated id accumulates
case("embedding", "embedding", [arr((9, 6))], lambda w, ids: F.embedding(ids.long(), w), int_inputs={"ids": ids})
tg = rng.integers(0, 13, size=(4, 6)).astype(np.int64)
tg[1, 2] = -100
tg[3, 0] = -100
case("cross_entropy", "cross_entropy", [arr((4, 6, 13)) * 2], lambda x, targets: F.cross_entropy(x.reshape(-1, 13), targets.reshape(-1).long(), ignore_index=-100), int_inputs={"targets": tg})
case("cross_entropy_sum", "cross_entropy", [arr((4, 6, 13))], lambda x, targets: F.cross_entropy(x.reshape(-1, 13), targets.reshape(-1).long(), ignore_index=-100, reduction="sum"), {"reduction": "sum"}, int_inputs={"targets": tg})


# ---- attention, written out: softmax(q kᵀ·scale + mask) v, GQA by repeating kv heads
def attention(q, k, v, causal, key_mask=None):
    B, NH, T, HS = q.shape
    NKV, S = k.shape[1], k.shape[2]
    k = k.repeat_interleave(NH // NKV, dim=1)
    v = v.repeat_interleave(NH // NKV, dim=1)
    att = (q @ k.transpose(-1, -2)) / math.sqrt(HS)
    if causal:
        allowed = torch.ones(T, S, dtype=torch.bool).tril(diagonal=S - T)
        att = att.masked_fill(~allowed, float("-inf"))
    if key_mask is not None:
        att = att.masked_fill(key_mask[:, None, None, :] == 0, float("-inf"))
    return F.softmax(att, dim=-1) @ v


case("attention_causal", "attention", [arr((2, 3, 7, 4)), arr((2, 3, 7, 4)), arr((2, 3, 7, 4))], lambda q, k, v: attention(q, k, v, True), {"causal": True})
case("attention_gqa_offset", "attention", [arr((1, 4, 3, 8)), arr((1, 2, 9, 8)), arr((1, 2, 9, 8))], lambda q, k, v: attention(q, k, v, True), {"causal": True})
km = np.ones((2, 6), dtype=np.int64)
km[0, 4:] = 0
km[1, 1] = 0
case("attention_padding", "attention", [arr((2, 2, 6, 5)), arr((2, 2, 6, 5)), arr((2, 2, 6, 5))], lambda q, k, v, mask: attention(q, k, v, False, mask), {"causal": False}, int_inputs={"mask": km})

# ---- concat / stack / where / masked_fill
case("concat", "concat", [arr((2, 3)), arr((2, 1)), arr((2, 4))], lambda a, b, c: torch.cat([a, b, c], 1), {"dim": 1})
case("stack", "stack", [arr((2, 3)), arr((2, 3))], lambda a, b: torch.stack([a, b], 1), {"dim": 1})
cond = rng.integers(0, 2, size=(3, 4)).astype(np.int64)
case("where", "where", [arr((3, 4)), arr((4,))], lambda a, b, cond: torch.where(cond.bool(), a, b), int_inputs={"cond": cond})
case("masked_fill", "masked_fill", [arr((3, 4))], lambda a, cond: a.masked_fill(cond.bool(), -2.5), {"value": -2.5}, int_inputs={"cond": cond})

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures")
os.makedirs(out_dir, exist_ok=True)
save(os.path.join(out_dir, "ops.safetensors"), tensors, {"cases": json.dumps(cases), "torch": torch.__version__, "generator": "tools/oracle/ops.py"})
print(f"ops oracle: {len(cases)} cases, {len(tensors)} tensors -> {out_dir}/ops.safetensors")
