# Peer for bench/quality.ts: nanoGPT's training loop in PyTorch (Debian torch 1.13) on lmforge token shards
# (32-byte header, then uint16/uint32 ids), with the same model (bench/peers/gpt.py's GPT), hyperparameters,
# AdamW decay groups and schedule; prints one JSON line with the final validation loss over the whole val
# split in disjoint windows (the same measure as lmforge's evaluateShard).
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt import GPT  # noqa: E402


def shard(path):
    with open(path, "rb") as f:
        head = f.read(32)
        assert head[:8] == b"LMFTOKS\0", path
        bpt = int.from_bytes(head[12:16], "little")
        return np.frombuffer(f.read(), dtype=np.uint16 if bpt == 2 else np.uint32).astype(np.int64)


def main():
    a = json.loads(sys.argv[1])
    data = a["data"]
    meta = json.load(open(os.path.join(data, "meta.json")))
    train, val = shard(os.path.join(data, "train.bin")), shard(os.path.join(data, "val.bin"))
    torch.manual_seed(a["seed"])
    rng = np.random.default_rng(a["seed"])
    torch.set_num_threads(a.get("threads", 2))
    c = dict(n_layer=a["n_layer"], n_head=a["n_head"], n_embd=a["n_embd"], block_size=a["block_size"], vocab_size=meta["tokenizer"]["vocab_size"])
    model = GPT(c)
    for n, p in model.named_parameters():  # GPT-2 init as lmforge: residual projections scaled
        if n.endswith("c_proj.weight") or n.endswith("mlp_proj.weight"):
            torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c["n_layer"]))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    nodecay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a["weight_decay"]}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=1e-8)
    B, T = a["batch_size"], a["block_size"]

    def get_lr(it):
        if it < a["warmup_iters"]:
            return a["lr"] * (it + 1) / (a["warmup_iters"] + 1)
        if it > a["max_iters"]:
            return a["min_lr"]
        r = (it - a["warmup_iters"]) / (a["max_iters"] - a["warmup_iters"])
        return a["min_lr"] + 0.5 * (1 + math.cos(math.pi * r)) * (a["lr"] - a["min_lr"])

    t0 = time.perf_counter()
    for it in range(a["max_iters"]):
        ix = rng.integers(0, len(train) - T, size=B)
        x = torch.from_numpy(np.stack([train[i:i + T] for i in ix]))
        y = torch.from_numpy(np.stack([train[i + 1:i + 1 + T] for i in ix]))
        for g in opt.param_groups:
            g["lr"] = get_lr(it)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a["grad_clip"])
        opt.step()
    train_s = time.perf_counter() - t0
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        n = len(val) - 1
        starts = list(range(0, n, T))
        for k in range(0, len(starts), 8):
            for s in starts[k:k + 8]:
                L = min(T, n - s)
                x = torch.from_numpy(val[s:s + L][None, :])
                y = torch.from_numpy(val[s + 1:s + 1 + L][None, :])
                logits, _ = model(x)
                total += torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), reduction="sum").item()
                count += L
    print(json.dumps({"val_loss": total / count, "tokens": count, "train_seconds": train_s}))


main()
