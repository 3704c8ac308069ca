# Peer for bench/train.ts and bench/generate_gpt.ts: the same GPT (GPT-2 architecture, tanh GELU, tied head,
# nanoGPT-style code) in PyTorch (Debian python3-torch 1.13) behind a JSON-lines loop: full training steps
# (forward, backward, AdamW with decay groups) and greedy decoding with a KV cache (past keys/values
# concatenated per step, as HF GPT-2 does). Threads: torch.set_num_threads (OpenMP) and threadpoolctl
# (OpenBLAS) per request, so the benchmark can give the peer its best thread setting.
import contextlib
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

try:
    from threadpoolctl import threadpool_limits, threadpool_info
except ImportError:  # pragma: no cover
    threadpool_limits = None
    threadpool_info = lambda: []

state = {}


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Block(nn.Module):
    def __init__(self, C, NH):
        super().__init__()
        self.NH = NH
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.c_fc = nn.Linear(C, 4 * C)
        self.mlp_proj = nn.Linear(4 * C, C)

    def attn(self, x, past=None):
        B, T, C = x.shape
        NH, HS = self.NH, C // self.NH
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = [t.view(B, T, NH, HS).transpose(1, 2) for t in (q, k, v)]
        if past is not None:
            if past[0] is not None:
                k = torch.cat([past[0], k], dim=2)
                v = torch.cat([past[1], v], dim=2)
            past[0], past[1] = k, v
        S = k.shape[2]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(HS))
        mask = torch.ones(T, S, dtype=torch.bool).triu(S - T + 1)
        att = att.masked_fill(mask, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))

    def forward(self, x, past=None):
        x = x + self.attn(self.ln_1(x), past)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["block_size"], c["n_embd"])
        self.h = nn.ModuleList([Block(c["n_embd"], c["n_head"]) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=1e-5)
        for n, p in self.named_parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids, targets=None, pasts=None, start=0, last_only=False):
        T = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(start, start + T))
        for i, b in enumerate(self.h):
            x = b(x, pasts[i] if pasts is not None else None)
        x = self.ln_f(x)
        if last_only:
            x = x[:, -1:, :]
        logits = F.linear(x, self.wte.weight)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def limits(omp, blas):
    torch.set_num_threads(omp)
    if threadpool_limits is not None:
        return threadpool_limits(limits=blas, user_api="blas")
    return None


def setup_train(p):
    torch.manual_seed(p.get("seed", 0))
    c = p["config"]
    model = GPT(c)
    decay = [q for q in model.parameters() if q.dim() >= 2]
    nodecay = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}], lr=1e-4, betas=(0.9, 0.95))
    B, T = p["B"], p["T"]
    x = torch.randint(0, c["vocab_size"], (B, T))
    y = torch.randint(0, c["vocab_size"], (B, T))

    def step():
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    state.clear()
    state.update(step=step, model=model)


def setup_decode(p):
    torch.manual_seed(p.get("seed", 0))
    model = GPT(p["config"]).eval()
    state.clear()
    state.update(model=model, n_layer=p["config"]["n_layer"], prompt=p["prompt"])


@torch.no_grad()
def decode(n):
    model, prompt = state["model"], state["prompt"]
    pasts = [[None, None] for _ in range(state["n_layer"])]
    ids = torch.tensor([prompt])
    logits, _ = model(ids, pasts=pasts, start=0, last_only=True)
    pos = len(prompt)
    out = []
    t0 = time.perf_counter()
    for _ in range(n):
        nxt = int(torch.argmax(logits[0, -1]))
        out.append(nxt)
        logits, _ = model(torch.tensor([[nxt]]), pasts=pasts, start=pos, last_only=True)
        pos += 1
    return (time.perf_counter() - t0) * 1000 / n, out


for line in sys.stdin:
    req = json.loads(line)
    try:
        cmd = req["cmd"]
        if cmd == "ping":
            reply({"ok": True})
        elif cmd == "info":
            reply({"torch": torch.__version__, "threadpools": threadpool_info()})
        elif cmd == "setup_train":
            setup_train(req)
            reply({"ok": True})
        elif cmd == "train":
            with limits(req["omp"], req["blas"]) or contextlib.nullcontext():
                t0 = time.perf_counter()
                for _ in range(req["iters"]):
                    loss = state["step"]()
                reply({"ms": (time.perf_counter() - t0) * 1000 / req["iters"], "loss": loss})
        elif cmd == "setup_decode":
            setup_decode(req)
            reply({"ok": True})
        elif cmd == "decode":
            with limits(req["omp"], req["blas"]) or contextlib.nullcontext():
                ms, ids = decode(req["tokens"])
            reply({"ms": ms, "ids": ids})
        elif cmd == "rss":
            reply({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
        else:
            reply({"error": "unknown cmd " + cmd})
    except Exception as e:  # report, keep serving
        reply({"error": repr(e)})
