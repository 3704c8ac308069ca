# Peer for bench/ops.ts: the same ops in PyTorch (Debian python3-torch 1.13) behind a JSON-lines loop,
# so the benchmark alternates ours / peer repetitions in one run. Attention is written out as in nanoGPT's
# non-flash path (torch 1.13 has no scaled_dot_product_attention); backward is timed alone through
# torch.autograd.grad on a retained graph. Threads per request via torch.set_num_threads.
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

state = {}


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def attention(q, k, v, causal):
    T, S, HS = q.shape[-2], k.shape[-2], q.shape[-1]
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(HS))
    if causal:
        mask = torch.ones(T, S, dtype=torch.bool).triu(S - T + 1)
        att = att.masked_fill(mask, float("-inf"))
    att = F.softmax(att, dim=-1)
    return att @ v


def setup(op, p):
    state.clear()
    torch.manual_seed(0)
    rn = lambda *s: torch.randn(*s, dtype=torch.float32)
    if op == "layer_norm":
        x, w, b = rn(p["N"], p["C"]).requires_grad_(), rn(p["C"]).requires_grad_(), rn(p["C"]).requires_grad_()
        fwd = lambda: F.layer_norm(x, (p["C"],), w, b, 1e-5)
        ins = [x, w, b]
    elif op == "attention":
        shape = (p["B"], p["NH"], p["T"], p["HS"])
        q, k, v = rn(*shape).requires_grad_(), rn(*shape).requires_grad_(), rn(*shape).requires_grad_()
        fwd = lambda: attention(q, k, v, p["causal"])
        ins = [q, k, v]
    elif op == "cross_entropy":
        x = (rn(p["N"], p["V"]) * 3).requires_grad_()
        t = torch.randint(0, p["V"], (p["N"],))
        fwd = lambda: F.cross_entropy(x, t, ignore_index=-100)
        ins = [x]
    elif op in ("gelu", "gelu_tanh"):
        x = rn(p["n"]).requires_grad_()
        approx = "tanh" if op == "gelu_tanh" else "none"
        fwd = lambda: F.gelu(x, approximate=approx)
        ins = [x]
    elif op == "softmax":
        x = rn(p["N"], p["C"]).requires_grad_()
        fwd = lambda: F.softmax(x, dim=-1)
        ins = [x]
    elif op == "adamw":
        w = torch.nn.Parameter(rn(p["n"]))
        w.grad = rn(p["n"])
        opt = torch.optim.AdamW([w], lr=6e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
        state.update(step=opt.step)
        return
    else:
        raise ValueError("unknown op " + op)
    out = fwd()
    g = torch.randn_like(out)
    state.update(fwd=fwd, out=out, g=g, ins=ins)


def run(phase, iters, cpu=False):
    if "step" in state:
        fn = state["step"]
    elif phase == "fwd":
        fwd = state["fwd"]

        def fn():
            with torch.no_grad():
                fwd()
    else:
        out, g, ins = state["out"], state["g"], state["ins"]
        fn = lambda: torch.autograd.grad(out, ins, g, retain_graph=True)
    clock = time.process_time if cpu else time.perf_counter
    t0 = clock()
    for _ in range(iters):
        fn()
    return (clock() - t0) * 1000.0 / iters


START_CPUS = os.sched_getaffinity(0)

for line in sys.stdin:
    msg = json.loads(line)
    try:
        if msg["cmd"] == "ping":
            reply({"ok": True})
        elif msg["cmd"] == "info":
            reply({"torch": torch.__version__, "threads": torch.get_num_threads(), "capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "?"})
        elif msg["cmd"] == "affinity":
            # this (main) thread onto the given CPUs, or back onto those the process started with (None)
            os.sched_setaffinity(0, msg["cpus"] if msg["cpus"] is not None else START_CPUS)
            reply({"cpus": sorted(os.sched_getaffinity(0))})
        elif msg["cmd"] == "setup":
            setup(msg["op"], msg["params"])
            reply({"ok": True})
        elif msg["cmd"] == "run":
            torch.set_num_threads(msg["threads"])
            reply({"ms": run(msg["phase"], msg["iters"], bool(msg.get("cpu")))})
        else:
            reply({"error": "unknown cmd " + str(msg["cmd"])})
    except Exception as e:
        reply({"error": repr(e)})
