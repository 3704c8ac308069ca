"""Writes OUT_DIR/io/python_written.safetensors (default OUT_DIR: test/fixtures) with safetensors_io.py.

The fixture checks our reader against an independent writer, and our float16/bfloat16 rounding against
numpy (float32 -> float16) and PyTorch (float32 -> bfloat16). Values come from closed formulas that
test/io/python_fixture.test.ts recomputes in JS (same IEEE double arithmetic), plus edge values.
Run: /usr/bin/python3 tools/oracle/io_fixture.py [OUT_DIR]
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_io as st  # noqa: E402


# float32 edge values for half/bfloat16 rounding (the test keeps the same list)
EDGE = [
    0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 65504.0, 65519.0, 65520.0, -65520.0, 1e-8,
    2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -25, 2.0 ** -25 + 2.0 ** -40, 2.0 ** -14, 2.0 ** -14 - 2.0 ** -24,
    1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -11 + 2.0 ** -20, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8,
    1 + 2.0 ** -8 + 2.0 ** -20, 3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45,
    float("inf"), float("-inf"), float("nan"), (2 - 2.0 ** -8) * 2.0 ** 127, 2049.0, 2051.0, -2.0 ** -24 * 1.5,
]


def wide(n):
    """Values spanning float16 subnormals to overflow: (-1)^i * 2^((i % 48) - 30) * (1 + (i * 0.123) % 1)."""
    return np.array([(-1.0 if i % 2 else 1.0) * 2.0 ** ((i % 48) - 30) * (1 + (i * 0.123) % 1) for i in range(n)],
                    dtype=np.float32)


def main(out_dir):
    import torch

    out = os.path.normpath(os.path.join(out_dir, "io", "python_written.safetensors"))
    edge = np.array(EDGE, dtype=np.float32)
    w = wide(480)
    ramp = (np.arange(120, dtype=np.float64) * 0.37 - 20).astype(np.float32).reshape(4, 5, 6)

    bf16_torch_edge = torch.from_numpy(edge).to(torch.bfloat16)
    bf16_torch_wide = torch.from_numpy(w).to(torch.bfloat16)
    # our numpy bfloat16 rounding must equal PyTorch's bit for bit (NaN: both NaN; torch 1.13 gives 0xFFFF)
    for src, t in ((edge, bf16_torch_edge), (w, bf16_torch_wide)):
        bits_t = t.view(torch.int16).numpy().view(np.uint16)
        ours = st.bf16_bits(src)
        nan = np.isnan(src)
        assert np.array_equal(ours[~nan], bits_t[~nan]), "numpy bf16 rounding differs from torch"
        assert np.all(np.isnan(st.bf16_to_f32(bits_t[nan]))) and np.all(np.isnan(st.bf16_to_f32(ours[nan])))

    with np.errstate(over="ignore"):  # 65520 and up round to inf in float16, as intended
        edge_f16, wide_f16 = edge.astype(np.float16), w.astype(np.float16)
    tensors = {
        "edge_f32": edge,
        "edge_f16": edge_f16,
        "edge_bf16": bf16_torch_edge,
        "wide_f32": w,
        "wide_f16": wide_f16,
        "wide_bf16": st.bf16(w),
        "ramp_f32": ramp,
        "f64": np.array([np.pi, np.e, 1e300, -1e-300, 5e-324, np.inf, -np.inf, 0.1], dtype=np.float64),
        "i64": np.array([-2 ** 31, 2 ** 31 - 1, 0, -1, 123456789], dtype=np.int64),
        "i32": (np.arange(12, dtype=np.int32) * 7 - 40).reshape(3, 4),
        "i16": np.array([-32768, 32767, -1, 0], dtype=np.int16),
        "i8": np.array([-128, 127, -1, 0], dtype=np.int8),
        "u8": np.array([0, 1, 128, 255], dtype=np.uint8),
        "u16": np.array([0, 1, 32768, 65535], dtype=np.uint16),
        "u32": np.array([0, 1, 2 ** 31 - 1], dtype=np.uint32),
        "u64": np.array([0, 7, 2 ** 31 - 1], dtype=np.uint64),
        "bool": np.array([[True, False, True], [False, False, True]]),
        "scalar": np.array(42.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "héllo.wörld 🚀": np.array([1.0, 2.0], dtype=np.float32),
    }
    meta = {"format": "pt", "producer": "tools/oracle/io_fixture.py", "unicode": "naïve ✓ 🚀"}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    st.save(out, tensors, metadata=meta)

    # read back with the python reader: exact round trip
    back, meta2 = st.load_with_metadata(out, bf16_as="bits")
    assert meta2 == meta
    for k, v in tensors.items():
        if k.endswith("bf16"):
            want = v.view(torch.int16).numpy().view(np.uint16) if isinstance(v, torch.Tensor) else v.bits
        else:
            want = v
        assert back[k].shape == want.shape and back[k].dtype == want.dtype, k
        assert back[k].tobytes() == want.tobytes(), k
    print(f"wrote {out} ({os.path.getsize(out)} bytes, {len(tensors)} tensors)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "test", "fixtures"))
