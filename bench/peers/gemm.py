# Peer for bench/gemm.ts: numpy's SGEMM (OpenBLAS through Debian's python3-numpy) behind a JSON-lines
# loop on stdin/stdout, so the benchmark can alternate ours / peer repetitions in one run.
# Thread count per request via threadpoolctl; the report names the BLAS library, kernel and threads.
import json
import os
import sys
import time

import numpy as np

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - reported to the benchmark
    threadpool_info = None
    threadpool_limits = None

cache = {}


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def operands(ta, tb, m, n, k):
    key = (ta, tb, m, n, k)
    if key not in cache:
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        cache.clear()
        cache[key] = (a.T if ta else a, b.T if tb else b, np.empty((m, n), dtype=np.float32))
    return cache[key]


START_CPUS = os.sched_getaffinity(0)

for line in sys.stdin:
    msg = json.loads(line)
    try:
        if msg["cmd"] == "ping":
            reply({"ok": True})
        elif msg["cmd"] == "info":
            info = threadpool_info() if threadpool_info else []
            blas = [i for i in info if i.get("user_api") == "blas"]
            reply({"numpy": np.__version__, "blas": blas})
        elif msg["cmd"] == "affinity":
            # this (main) thread onto the given CPUs, or back onto those the process started with (None)
            os.sched_setaffinity(0, msg["cpus"] if msg["cpus"] is not None else START_CPUS)
            reply({"cpus": sorted(os.sched_getaffinity(0))})
        elif msg["cmd"] == "gemm":
            a, b, c = operands(msg["ta"], msg["tb"], msg["M"], msg["N"], msg["K"])
            clock = time.process_time if msg.get("cpu") else time.perf_counter
            with threadpool_limits(limits=msg["threads"], user_api="blas"):
                t0 = clock()
                for _ in range(msg["iters"]):
                    np.matmul(a, b, out=c)
                dt = clock() - t0
            reply({"ms": dt * 1000.0 / msg["iters"]})
        else:
            reply({"error": "unknown cmd " + str(msg["cmd"])})
    except Exception as e:  # the benchmark prints it
        reply({"error": repr(e)})
