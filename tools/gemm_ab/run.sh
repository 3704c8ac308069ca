#!/bin/sh
# tools/gemm_ab/run.sh openblas|REV THREADS [REPS] [SHAPE-INDEX]
#   openblas: our GEMM against Debian's OpenBLAS (libopenblas0-pthread) in one process; OPENBLAS_CORETYPE=SKYLAKEX
#             on avx512f CPUs (OpenBLAS 0.3.21 does not recognise recent ones), 200 ms between samples on 2+ threads.
#   REV:      the working tree's GEMM against the one at git revision REV (csrc/{gemm.h,gemm_kernel.c,matmul.c,gemm_parallel.c}).
# env SETTLE=ms between samples, COLD=1 to evict the operands from the caches before every call, VERBOSE=1 for every pair.
# Builds with the addon's flags (binding.gyp) into a temporary folder.
set -e
[ $# -ge 2 ] || { echo "usage: $0 openblas|REV THREADS [REPS] [SHAPE-INDEX]" >&2; exit 2; }
peer=$1; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
CFLAGS="-O3 -march=native -ffp-contract=fast -fno-math-errno -std=gnu11 -pthread -I$root/csrc"
OURS="$root/csrc/matmul.c $root/csrc/gemm_kernel.c $root/csrc/gemm_parallel.c $root/csrc/threadpool.c"
if [ "$peer" = openblas ]; then
  lib=$(ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 2>/dev/null || true)
  [ -n "$lib" ] || { echo "$0: Debian's libopenblas0-pthread is not installed" >&2; exit 1; }
  gcc $CFLAGS -DPEER_OPENBLAS "$root/tools/gemm_ab/ab.c" $OURS -o "$tmp/ab" "$lib" -lm
  grep -q avx512f /proc/cpuinfo && export OPENBLAS_CORETYPE=SKYLAKEX
  [ "$1" -gt 1 ] && export SETTLE=${SETTLE:-200}
else
  mkdir "$tmp/peer"
  for f in gemm.h gemm_kernel.c matmul.c gemm_parallel.c; do git -C "$root" show "$peer:csrc/$f" > "$tmp/peer/$f"; done
  # one translation unit with the GEMM's external names renamed (its gemm.h is found next to the files)
  { for s in lf_pack_a lf_pack_b lf_ukernel lf_macro lf_macro_rows lf_gemm_serial lf_gemm_ex lf_gemm lf_gemm_ksplit lf_gemm_slices lf_ahead_b; do
      echo "#define $s peer_$s"; done
    echo '#include "peer/gemm_kernel.c"'; echo '#include "peer/matmul.c"'; echo '#include "peer/gemm_parallel.c"'; } > "$tmp/peer.c"
  gcc $CFLAGS -I"$tmp/peer" "$root/tools/gemm_ab/ab.c" "$tmp/peer.c" $OURS -o "$tmp/ab" -lm
fi
"$tmp/ab" "$@"
