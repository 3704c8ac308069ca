#!/usr/bin/env python3
"""PyTorch oracle for tiny GPT models (GPT-2 architecture, written out like nanoGPT).

Run with Debian's system python (torch 1.13): /usr/bin/python3 tools/oracle/gpt.py OUT_DIR
For each config it writes OUT_DIR/gpt_<name>.safetensors with the initial weights (HF GPT-2 names,
Linear weights in nn.Linear (out, in) layout), the batch (ids, targets), the logits, the loss, every
parameter's gradient (grad.<name>) and the losses of 10 AdamW steps (decay on 2-D weights only).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save  # noqa: E402


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        C = c["n_embd"]
        self.n_head = c["n_head"]
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(C, 3 * C)
        self.attn.c_proj = nn.Linear(C, C)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(C, 4 * C)
        self.mlp.c_proj = nn.Linear(4 * C, C)

    def forward(self, x):
        B, T, C = x.shape
        NH, HS = self.n_head, C // self.n_head
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = [t.view(B, T, NH, HS).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(HS)
        att = att.masked_fill(torch.ones(T, T, dtype=torch.bool).tril().logical_not(), float("-inf"))
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.attn.c_proj(y)
        h = F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh")
        return x + self.mlp.c_proj(h)


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["block_size"], c["n_embd"])
        self.h = nn.ModuleList([Block(c) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=1e-5)
        for name, p in self.named_parameters():  # GPT-2 init (FACTS §3.3), biases/LN randomised a little too
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * c["n_layer"]) if name.endswith("c_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)
            else:
                nn.init.normal_(p, 1.0 if ("ln_" in name and name.endswith("weight")) else 0.0, 0.05)

    def forward(self, ids, targets):
        T = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # tied head
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)
        return logits, loss


def run(name, c, B, T, steps, out_dir, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = GPT(c)
    ids = torch.tensor(rng.integers(0, c["vocab_size"], size=(B, T)))
    targets = torch.tensor(rng.integers(0, c["vocab_size"], size=(B, T)))
    targets[0, 1] = -1  # an ignored position
    out = {f"init.{k}": v.detach().numpy().copy() for k, v in model.named_parameters()}
    logits, loss = model(ids, targets)
    loss.backward()
    out.update({f"grad.{k}": v.grad.detach().numpy().copy() for k, v in model.named_parameters()})
    out["ids"] = ids.numpy().astype(np.int32)
    out["targets"] = targets.numpy().astype(np.int32)
    out["logits"] = logits.detach().numpy()
    out["loss"] = np.array([loss.item()], dtype=np.float32)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=3e-3, betas=(0.9, 0.95), eps=1e-8)
    losses = []
    model.zero_grad()
    for _ in range(steps):
        _, l = model(ids, targets)
        opt.zero_grad()
        l.backward()
        opt.step()
        losses.append(l.item())
    out["adamw_losses"] = np.array(losses, dtype=np.float64)
    meta = {"config": json.dumps(c), "adamw": json.dumps({"lr": 3e-3, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.1, "steps": steps}),
            "torch": torch.__version__, "generator": "tools/oracle/gpt.py"}
    save(os.path.join(out_dir, f"gpt_{name}.safetensors"), out, meta)
    print(f"gpt oracle {name}: loss {loss.item():.6f}, 10-step losses {losses[0]:.4f} .. {losses[-1]:.4f}")


out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures")
os.makedirs(out_dir, exist_ok=True)
run("one_block", {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 8, "vocab_size": 23}, 2, 8, 10, out_dir, 1)
run("tiny", {"n_layer": 2, "n_head": 4, "n_embd": 32, "block_size": 16, "vocab_size": 37}, 3, 12, 10, out_dir, 2)
