#!/usr/bin/env python3
"""PyTorch oracle for Hugging Face import/export: tiny random GPT-2 and Llama models in HF layout.

Run with Debian's system python (torch 1.13, numpy; no transformers, no safetensors package):
    /usr/bin/python3 tools/oracle/hf_models.py OUT_DIR
        writes OUT_DIR/hf_<name>/ (config.json, weights, tokenizer files) and OUT_DIR/hf_<name>_expected.safetensors
    /usr/bin/python3 tools/oracle/hf_models.py --eval MODEL_DIR IN.safetensors OUT.safetensors
        loads an HF-layout folder (ours or the oracle's) and writes the logits of IN's `ids` (and its `loss`
        and every parameter gradient with grads=1 in IN's metadata) to OUT.

transformers is not installable here, so this script writes the folders the way transformers'
save_pretrained lays them out (config.json fields of GPT2Config / LlamaConfig, safetensors with HF keys,
GPT-2 Conv1D weights stored [in, out] with the `h.N.attn.bias` mask buffers as in the hub's gpt2 file,
sharded Llama weights with model.safetensors.index.json, a byte-level BPE tokenizer.json or GPT-2's
vocab.json + merges.txt) and evaluates them with plain torch code that follows HF's modeling_gpt2.py and
modeling_llama.py line by line (Conv1D addmm, gelu_new, LlamaRMSNorm in float32, rotate_half RoPE with
inv_freq = 1/base^(arange(0, d, 2)/d), repeat_kv, softmax in float32). Weights are upcast to float32 as
from_pretrained does by default.
"""
import json
import math
import os
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io as st  # noqa: E402

TEXT = """Once upon a time there was a little girl named Lily. She loved to play outside in the sun.
One day she saw a big red ball in the park. She ran to the ball and kicked it as hard as she could.
The ball flew over the fence and into the garden of an old man. The old man was kind and he gave the
ball back to Lily. Lily said thank you and they became good friends. Every day after that, Lily and
the old man played with the red ball in the park, and they were very happy together. The end.
Tom had a small dog called Max. Max liked to run and jump. One morning Max found a stick by the river."""


# ------------------------------------------------------------------ a tiny byte-level BPE (GPT-2 style)

def bytes_to_unicode():
    """GPT-2's byte -> printable unicode character table (openai/gpt-2 encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


# ASCII form of GPT-2's split pattern (the training text is ASCII)
PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def train_bpe(text, n_merges):
    """Greedy BPE over pre-tokenized words; ties broken by the pair's first appearance. -> (vocab, merges)."""
    b2u = bytes_to_unicode()
    words = {}
    for w in PAT.findall(text):
        key = tuple(b2u[b] for b in w.encode("utf-8"))
        words[key] = words.get(key, 0) + 1
    vocab = {ch: i for i, ch in enumerate(b2u.values())}  # the 256 byte tokens in GPT-2's vocab.json order
    merges = []
    for _ in range(n_merges):
        counts, first = {}, {}
        for word, c in words.items():
            for i in range(len(word) - 1):
                p = (word[i], word[i + 1])
                counts[p] = counts.get(p, 0) + c
                first.setdefault(p, len(first))
        if not counts:
            break
        best = max(counts, key=lambda p: (counts[p], -first[p]))
        merges.append(best)
        vocab[best[0] + best[1]] = len(vocab)
        new = {}
        for word, c in words.items():
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    out.append(best[0] + best[1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        words = new
    return vocab, merges


def tokenizer_json(vocab, merges, eot):
    """HF tokenizers' tokenizer.json for byte-level BPE, as the hub's gpt2 tokenizer.json is laid out."""
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[eot], "content": eot, "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


# ------------------------------------------------------------------ HF modeling code, written out

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(cfg, w, ids):
    """GPT2LMHeadModel.forward (eager attention) with state dict `w` (hub keys, no `transformer.` prefix)."""
    B, T = ids.shape
    C, NH = cfg["n_embd"], cfg["n_head"]
    HS = C // NH
    eps = cfg["layer_norm_epsilon"]
    act = {"gelu_new": gelu_new, "gelu": F.gelu}[cfg["activation_function"]]
    x = w["wte.weight"][ids] + w["wpe.weight"][torch.arange(T)]
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        h = F.layer_norm(x, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], h.view(-1, C), w[p + "attn.c_attn.weight"]).view(B, T, 3 * C)  # Conv1D
        q, k, v = [t.view(B, T, NH, HS).permute(0, 2, 1, 3) for t in qkv.split(C, dim=2)]
        att = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.size(-1) ** 0.5)
        mask = torch.ones(T, T, dtype=torch.bool).tril().view(1, 1, T, T)
        att = torch.where(mask, att, torch.tensor(torch.finfo(att.dtype).min))
        y = torch.matmul(F.softmax(att, dim=-1), v).permute(0, 2, 1, 3).reshape(B, T, C)
        x = x + torch.addmm(w[p + "attn.c_proj.bias"], y.view(-1, C), w[p + "attn.c_proj.weight"]).view(B, T, C)
        h = F.layer_norm(x, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = act(torch.addmm(w[p + "mlp.c_fc.bias"], h.view(-1, C), w[p + "mlp.c_fc.weight"]))
        x = x + torch.addmm(w[p + "mlp.c_proj.bias"], m, w[p + "mlp.c_proj.weight"]).view(B, T, C)
    x = F.layer_norm(x, (C,), w["ln_f.weight"], w["ln_f.bias"], eps)
    head = w.get("lm_head.weight", w["wte.weight"])  # tied unless the file carries its own head
    return F.linear(x, head)


def rms_norm(x, weight, eps):
    """LlamaRMSNorm.forward"""
    dt = x.dtype
    x = x.to(torch.float32)
    var = x.pow(2).mean(-1, keepdim=True)
    x = x * torch.rsqrt(var + eps)
    return weight * x.to(dt)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def llama_forward(cfg, w, ids):
    """LlamaForCausalLM.forward (eager attention) with HF state dict `w`."""
    B, T = ids.shape
    C, NH = cfg["hidden_size"], cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads") or NH
    HS = cfg.get("head_dim") or C // NH
    eps = cfg["rms_norm_eps"]
    base = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (base ** (torch.arange(0, HS, 2, dtype=torch.int64).float() / HS))
    pos = torch.arange(T).float()
    freqs = (inv_freq[None, :, None] @ pos[None, None, :]).transpose(1, 2)  # (1, T, HS/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # (1, 1, T, HS)
    causal = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = F.linear(h, w[p + "self_attn.q_proj.weight"]).view(B, T, NH, HS).transpose(1, 2)
        k = F.linear(h, w[p + "self_attn.k_proj.weight"]).view(B, T, NKV, HS).transpose(1, 2)
        v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(B, T, NKV, HS).transpose(1, 2)
        q = (q * cos) + (rotate_half(q) * sin)
        k = (k * cos) + (rotate_half(k) * sin)
        rep = NH // NKV  # repeat_kv
        k = k[:, :, None].expand(B, NKV, rep, T, HS).reshape(B, NH, T, HS)
        v = v[:, :, None].expand(B, NKV, rep, T, HS).reshape(B, NH, T, HS)
        att = torch.matmul(q, k.transpose(2, 3)) * HS ** -0.5 + causal
        att = F.softmax(att, dim=-1, dtype=torch.float32).to(q.dtype)
        y = torch.matmul(att, v).transpose(1, 2).contiguous().reshape(B, T, NH * HS)
        x = x + F.linear(y, w[p + "self_attn.o_proj.weight"])
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + F.linear(F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["lm_head.weight"] if "lm_head.weight" in w and not cfg.get("tie_word_embeddings", True) else w["model.embed_tokens.weight"]
    return F.linear(x, head)


def forward(cfg, w, ids):
    return gpt2_forward(cfg, w, ids) if cfg["model_type"] == "gpt2" else llama_forward(cfg, w, ids)


def load_hf(folder):
    """config.json + model.safetensors (or the shards of model.safetensors.index.json) -> (cfg, float32 tensors)."""
    cfg = json.load(open(os.path.join(folder, "config.json")))
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    w = {}
    for f in files:
        for k, v in st.load(os.path.join(folder, f)).items():
            k = k[len("transformer."):] if k.startswith("transformer.") else k
            w[k] = torch.tensor(np.asarray(v, dtype=np.float32))
    return cfg, w


def greedy(cfg, w, prompt, n):
    """Greedy continuation recomputing the whole prefix each step; also the top-1 minus top-2 margins."""
    seq, margins = list(prompt), []
    for _ in range(n):
        with torch.no_grad():
            row = forward(cfg, w, torch.tensor([seq]))[0, -1]
        top = torch.topk(row, 2).values
        margins.append(float(top[0] - top[1]))
        seq.append(int(torch.argmax(row)))
    return seq[len(prompt):], margins


# ------------------------------------------------------------------ the fixtures

def rnd(gen, shape, std, mean=0.0):
    return (torch.randn(*shape, generator=gen) * std + mean).float()


def make_gpt2(out_dir, vocab, merges):
    name, V = "gpt2_tiny", len(vocab) + 1
    cfg = {  # GPT2Config.to_dict() fields, as save_pretrained writes them
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": V - 1,
        "embd_pdrop": 0.1, "eos_token_id": V - 1, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
        "n_ctx": 32, "n_embd": 32, "n_head": 4, "n_inner": None, "n_layer": 2, "n_positions": 32, "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True, "summary_activation": None,
        "summary_first_dropout": 0.1, "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
        "torch_dtype": "float32", "transformers_version": "4.40.0", "use_cache": True, "vocab_size": V,
    }
    gen = torch.Generator().manual_seed(11)
    C, L, P = 32, 2, 32
    w = {"wte.weight": rnd(gen, (V, C), 0.5), "wpe.weight": rnd(gen, (P, C), 0.1)}
    for i in range(L):
        p = f"h.{i}."
        w.update({p + "ln_1.weight": rnd(gen, (C,), 0.1, 1.0), p + "ln_1.bias": rnd(gen, (C,), 0.05),
                  p + "attn.c_attn.weight": rnd(gen, (C, 3 * C), 0.2), p + "attn.c_attn.bias": rnd(gen, (3 * C,), 0.05),
                  p + "attn.c_proj.weight": rnd(gen, (C, C), 0.1), p + "attn.c_proj.bias": rnd(gen, (C,), 0.05),
                  p + "ln_2.weight": rnd(gen, (C,), 0.1, 1.0), p + "ln_2.bias": rnd(gen, (C,), 0.05),
                  p + "mlp.c_fc.weight": rnd(gen, (C, 4 * C), 0.2), p + "mlp.c_fc.bias": rnd(gen, (4 * C,), 0.05),
                  p + "mlp.c_proj.weight": rnd(gen, (4 * C, C), 0.1), p + "mlp.c_proj.bias": rnd(gen, (C,), 0.05),
                  p + "attn.bias": torch.ones(P, P).tril().view(1, 1, P, P)})  # the causal-mask buffer of the hub file
    w.update({"ln_f.weight": rnd(gen, (C,), 0.1, 1.0), "ln_f.bias": rnd(gen, (C,), 0.05)})
    folder = os.path.join(out_dir, f"hf_{name}")
    os.makedirs(folder, exist_ok=True)
    json.dump(cfg, open(os.path.join(folder, "config.json"), "w"), indent=2)
    st.save(os.path.join(folder, "model.safetensors"), {k: v.numpy() for k, v in w.items()}, {"format": "pt"})
    full = dict(vocab)
    full["<|endoftext|>"] = V - 1
    json.dump(full, open(os.path.join(folder, "vocab.json"), "w"), ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    expected(name, cfg, w, out_dir, V - 1, grads=False)


def make_llama(out_dir, name, vocab, merges, *, V, C, L, NH, NKV, I, theta, eps, tied, dtype, shards, seed):
    cfg = {  # LlamaConfig.to_dict() fields, as save_pretrained writes them
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": len(vocab),
        "eos_token_id": len(vocab), "hidden_act": "silu", "hidden_size": C, "initializer_range": 0.02, "intermediate_size": I,
        "max_position_embeddings": 64, "mlp_bias": False, "model_type": "llama", "num_attention_heads": NH, "num_hidden_layers": L,
        "num_key_value_heads": NKV, "pretraining_tp": 1, "rms_norm_eps": eps, "rope_scaling": None, "rope_theta": theta,
        "tie_word_embeddings": tied, "torch_dtype": dtype, "transformers_version": "4.40.0", "use_cache": True, "vocab_size": V,
    }
    if theta is None:
        del cfg["rope_theta"]  # as in Llama-2's config.json: the default 10000 applies
    gen = torch.Generator().manual_seed(seed)
    HS = C // NH
    w = {"model.embed_tokens.weight": rnd(gen, (V, C), 0.5)}
    for i in range(L):
        p = f"model.layers.{i}."
        w.update({p + "input_layernorm.weight": rnd(gen, (C,), 0.1, 1.0), p + "self_attn.q_proj.weight": rnd(gen, (NH * HS, C), 0.25),
                  p + "self_attn.k_proj.weight": rnd(gen, (NKV * HS, C), 0.25), p + "self_attn.v_proj.weight": rnd(gen, (NKV * HS, C), 0.2),
                  p + "self_attn.o_proj.weight": rnd(gen, (C, NH * HS), 0.1), p + "post_attention_layernorm.weight": rnd(gen, (C,), 0.1, 1.0),
                  p + "mlp.gate_proj.weight": rnd(gen, (I, C), 0.2), p + "mlp.up_proj.weight": rnd(gen, (I, C), 0.2),
                  p + "mlp.down_proj.weight": rnd(gen, (C, I), 0.1)})
    w["model.norm.weight"] = rnd(gen, (C,), 0.1, 1.0)
    if not tied:
        w["lm_head.weight"] = rnd(gen, (V, C), 0.3)
    # store in the checkpoint dtype; the oracle computes with exactly the stored (rounded) values in float32
    if dtype == "bfloat16":
        stored = {k: st.bf16(v.numpy()) for k, v in w.items()}
        w = {k: torch.tensor(st.bf16_to_f32(s.bits)) for k, s in stored.items()}
    else:
        stored = {k: v.numpy().astype(np.float16) for k, v in w.items()}
        w = {k: torch.tensor(s.astype(np.float32)) for k, s in stored.items()}
    folder = os.path.join(out_dir, f"hf_{name}")
    os.makedirs(folder, exist_ok=True)
    json.dump(cfg, open(os.path.join(folder, "config.json"), "w"), indent=2)
    if shards == 1:
        st.save(os.path.join(folder, "model.safetensors"), stored, {"format": "pt"})
    else:  # layer-wise split as save_pretrained(max_shard_size=...) does, with the index file
        keys = list(stored)
        cut = keys.index("model.layers.1.input_layernorm.weight")
        parts = [keys[:cut], keys[cut:]]
        weight_map, total = {}, 0
        for n, part in enumerate(parts):
            fname = f"model-{n + 1:05d}-of-{len(parts):05d}.safetensors"
            st.save(os.path.join(folder, fname), {k: stored[k] for k in part}, {"format": "pt"})
            for k in part:
                weight_map[k] = fname
                total += w[k].numel() * 2
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))},
                  open(os.path.join(folder, "model.safetensors.index.json"), "w"), indent=2)
    tj = tokenizer_json(dict(vocab, **{"<|endoftext|>": len(vocab)}), merges, "<|endoftext|>")
    json.dump(tj, open(os.path.join(folder, "tokenizer.json"), "w"), ensure_ascii=False, indent=2)
    expected(name, cfg, w, out_dir, len(vocab), grads=True)


def expected(name, cfg, w, out_dir, n_real, grads):
    """Logits (and loss + all grads for Llama) of a fixed batch, and a greedy continuation with safe margins."""
    rng = np.random.default_rng(5)
    ids = torch.tensor(rng.integers(0, n_real, size=(2, 12)))
    out = {"ids": ids.numpy().astype(np.int32)}
    params = {k: v.clone().requires_grad_(grads) for k, v in w.items() if not k.endswith("attn.bias")}
    params.update({k: v for k, v in w.items() if k.endswith("attn.bias")})
    logits = forward(cfg, params, ids)
    out["logits"] = logits.detach().numpy()
    if grads:
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        loss.backward()
        out["loss"] = np.array([loss.item()], dtype=np.float32)
        out.update({f"grad.{k}": v.grad.numpy() for k, v in params.items() if v.requires_grad})
    for attempt in range(50):  # a prompt whose greedy steps all have a clear winner (margin >= 1e-2)
        prompt = rng.integers(0, n_real, size=(5,)).tolist()
        toks, margins = greedy(cfg, w, prompt, 16)
        if min(margins) >= 1e-2:
            break
    else:
        raise SystemExit(f"{name}: no prompt with greedy margins >= 1e-2")
    out["prompt"] = np.array(prompt, dtype=np.int32)
    out["greedy"] = np.array(toks, dtype=np.int32)
    out["margins"] = np.array(margins, dtype=np.float32)
    st.save(os.path.join(out_dir, f"hf_{name}_expected.safetensors"), out,
            {"torch": torch.__version__, "generator": "tools/oracle/hf_models.py", "min_margin": f"{min(margins):.4g}"})
    print(f"hf oracle {name}: logits {tuple(logits.shape)}, greedy {toks[:6]}..., min margin {min(margins):.3g}")


def evaluate(model_dir, in_path, out_path):
    cfg, w = load_hf(model_dir)
    data, meta = st.load_with_metadata(in_path)
    ids = torch.tensor(np.asarray(data["ids"], dtype=np.int64))
    want_grads = meta.get("grads") == "1"
    params = {k: (v.clone().requires_grad_(True) if want_grads and not k.endswith("attn.bias") else v) for k, v in w.items()}
    logits = forward(cfg, params, ids)
    out = {"logits": logits.detach().numpy()}
    if want_grads:
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        loss.backward()
        out["loss"] = np.array([loss.item()], dtype=np.float32)
        out.update({f"grad.{k}": v.grad.numpy() for k, v in params.items() if v.requires_grad})
    st.save(out_path, out, {"keys": ",".join(sorted(w)), "config": json.dumps(cfg)})


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--eval":
        evaluate(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    vocab, merges = train_bpe(TEXT, 60)
    make_gpt2(out_dir, vocab, merges)
    make_llama(out_dir, "llama_gqa", vocab, merges, V=len(vocab) + 1 + 7, C=32, L=2, NH=4, NKV=2, I=40, theta=500000.0, eps=1e-5,
               tied=False, dtype="bfloat16", shards=2, seed=12)
    make_llama(out_dir, "llama_tied", vocab, merges, V=len(vocab) + 1, C=48, L=1, NH=6, NKV=6, I=64, theta=None, eps=1e-6,
               tied=True, dtype="float16", shards=1, seed=13)
