"""Dependency-free (numpy only) safetensors save/load for the PyTorch oracle scripts.

Debian has no `safetensors` package, so the oracles write the format by hand, following
huggingface/safetensors (FACTS.md section 5.1): u64 LE header length, compact JSON header padded
with spaces to 8 bytes, tensors sorted by descending dtype alignment then name, offsets relative to
the data buffer and covering it exactly. Files are written atomically (temp file, fsync, rename).

    import safetensors_io as st
    st.save("out.safetensors", {"x": np.ones((2, 3), np.float32), "y": st.bf16(np.arange(4.0))},
            metadata={"format": "pt"})
    tensors = st.load("out.safetensors")             # BF16 comes back as float32
    tensors, meta = st.load_with_metadata("out.safetensors")

Run with Debian's /usr/bin/python3. `python3 safetensors_io.py FILE` prints a summary of FILE.
"""
import json
import os
import struct
import sys
import tempfile

import numpy as np

MAX_HEADER_SIZE = 100_000_000

# numpy dtype <-> safetensors dtype (little-endian); BF16 has no numpy dtype: see BF16 below.
_NP_TO_ST = {
    np.dtype("bool"): "BOOL", np.dtype("uint8"): "U8", np.dtype("int8"): "I8",
    np.dtype("<i2"): "I16", np.dtype("<u2"): "U16", np.dtype("<f2"): "F16",
    np.dtype("<i4"): "I32", np.dtype("<u4"): "U32", np.dtype("<f4"): "F32",
    np.dtype("<f8"): "F64", np.dtype("<i8"): "I64", np.dtype("<u8"): "U64",
}
_ST_TO_NP = {v: k for k, v in _NP_TO_ST.items()}
_ST_TO_NP["BF16"] = np.dtype("<u2")

# Writer order of the reference implementation (its Dtype enum, ascending alignment).
_RANK = {name: i for i, name in enumerate(
    ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
     "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"])}


class BF16:
    """A bfloat16 tensor for save(): `bits` is a uint16 array of bfloat16 bit patterns."""

    def __init__(self, bits):
        bits = np.asarray(bits)
        if bits.dtype != np.uint16:
            raise TypeError("BF16 expects uint16 bit patterns; use bf16(floats) to convert floats")
        self.bits = bits


def bf16_bits(x):
    """float32 values -> bfloat16 bit patterns (uint16), round to nearest even; NaN stays NaN (quiet)."""
    u = np.ascontiguousarray(np.asarray(x, dtype=np.float32)).view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF
    nan = ((u & 0x7F800000) == 0x7F800000) & ((u & 0x7FFFFF) != 0)
    return np.where(nan, ((u >> 16) | 0x40) & 0xFFFF, rounded).astype(np.uint16)


def bf16(x):
    """Wrap float values as a BF16 tensor for save() (rounded to nearest even)."""
    return BF16(bf16_bits(x))


def bf16_to_f32(bits):
    """bfloat16 bit patterns (uint16) -> float32 values (exact)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def _as_array(name, v):
    """-> (safetensors dtype, contiguous little-endian numpy array of the stored elements)."""
    if isinstance(v, BF16):
        return "BF16", v.bits.astype("<u2", order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    if type(v).__module__.split(".")[0] == "torch":  # torch tensors, without importing torch here
        import torch
        t = v.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            return "BF16", t.view(torch.int16).numpy().view(np.uint16).copy()
        v = t.numpy()
    a = np.asarray(v)
    dt = a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype
    if dt not in _NP_TO_ST:
        raise TypeError(f"save: tensor {name!r} has unsupported dtype {a.dtype}")
    return _NP_TO_ST[dt], a.astype(dt, order="C")


def save(path, tensors, metadata=None):
    """Write `tensors` (name -> numpy array, torch tensor or BF16) to `path` atomically."""
    items = []
    for name, v in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"save: invalid tensor name {name!r}")
        dtype, arr = _as_array(name, v)
        items.append((name, dtype, arr))
    items.sort(key=lambda it: (-_RANK[it[1]], it[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        for k, val in metadata.items():
            if not isinstance(k, str) or not isinstance(val, str):
                raise TypeError(f"save: metadata must map str to str, got {k!r}: {val!r}")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, dtype, arr in items:
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    js = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(js)))
            f.write(js)
            for _, _, arr in items:
                f.write(arr.tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def load_with_metadata(path, bf16_as="float32"):
    """Read `path` -> (dict name -> numpy array, metadata dict). BF16 -> float32, or raw uint16 bits
    if bf16_as="bits". Validates the header like the reference reader (sizes, exact coverage)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError(f"{path}: truncated file ({len(buf)} bytes)")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER_SIZE or 8 + n > len(buf):
        raise ValueError(f"{path}: bad header length {n} (file is {len(buf)} bytes)")
    if buf[8:9] != b"{":
        raise ValueError(f"{path}: header does not start with '{{'")
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(buf)[8 + n:]
    out, spans = {}, []
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ST_TO_NP:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
        npdt = _ST_TO_NP[dtype]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if end - begin != count * npdt.itemsize or end > len(data) or begin < 0:
            raise ValueError(f"{path}: tensor {name!r}: shape {shape} x {dtype} does not match data_offsets {[begin, end]}")
        arr = np.frombuffer(data[begin:end], dtype=npdt).reshape(shape).copy()
        if dtype == "BF16" and bf16_as != "bits":
            arr = bf16_to_f32(arr)
        out[name] = arr
        spans.append((begin, end, name))
    pos = 0
    for begin, end, name in sorted(spans):
        if begin != pos:
            raise ValueError(f"{path}: tensor {name!r} begins at data byte {begin}, expected {pos}")
        pos = end
    if pos != len(data):
        raise ValueError(f"{path}: data bytes {pos}..{len(data)} are not covered by any tensor")
    return out, metadata


def load(path, bf16_as="float32"):
    """Read `path` -> dict name -> numpy array (see load_with_metadata)."""
    return load_with_metadata(path, bf16_as)[0]


if __name__ == "__main__":
    for p in sys.argv[1:]:
        ts, meta = load_with_metadata(p)
        print(p, "metadata:", meta)
        for k, a in ts.items():
            print(f"  {k}: {a.dtype} {list(a.shape)}")
