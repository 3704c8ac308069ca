#!/bin/sh
# Builds the addon without node-gyp into OUT (default /tmp/lmforge-variant/lmforge.node), for testing
# other SIMD paths: `csrc/build-variant.sh portable` (plain C, no AVX), `native` (-march=native, what
# npm install builds), `avx2` (AVX2+FMA even on an AVX-512 CPU), `avx512-emulated` (the AVX-512 code paths on any x86-64
# CPU through SIMDe's portable intrinsics, apt libsimde-dev: correctness only, slow). Then run the parity tests with
# LMFORGE_NATIVE_ADDON=$OUT. NODE_INCLUDE defaults to <node prefix>/include/node.
set -e
variant=${1:-native}
out=${2:-/tmp/lmforge-variant/lmforge.node}
here=$(cd "$(dirname "$0")" && pwd)
inc=${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}
expect=""
case "$variant" in
  portable) expect=portable; flags="-march=native -mno-avx -mno-avx2 -mno-fma -mno-avx512f -DLMFORGE_PORTABLE" ;;
  avx2) flags="-march=native -mno-avx512f" ;;
  native) flags="-march=native" ;;
  avx512-emulated) expect=avx512f; flags="-march=native -mno-avx512f -DLMFORGE_EMULATE_AVX512 -Wno-psabi" ;;
  *) echo "usage: $0 portable|avx2|native|avx512-emulated [OUT]" >&2; exit 2 ;;
esac
obj=$(mktemp -d)
pids=""
for f in "$here"/*.c; do
  ${CC:-cc} -c -O3 $flags -ffp-contract=fast -fno-math-errno -std=gnu11 -fPIC -pthread -I"$inc" \
    -DNODE_GYP_MODULE_NAME=lmforge "$f" -o "$obj/$(basename "$f" .c).o" &
  pids="$pids $!"
done
# a file that fails to compile fails the build (a plain `wait` returns 0 and would link what is left)
failed=0
for p in $pids; do wait "$p" || failed=1; done
if [ "$failed" -ne 0 ]; then rm -rf "$obj"; echo "build-variant: $variant: a file failed to compile" >&2; exit 1; fi
mkdir -p "$(dirname "$out")"
${CC:-cc} -shared -pthread -o "$out" "$obj"/*.o -lm
rm -rf "$obj"
# the build must report the SIMD level it was made for (a define that did not take would test another path)
simd=$(node -e 'console.log(require(process.argv[1]).simd())' "$out")
if [ -n "$expect" ] && [ "$simd" != "$expect" ]; then echo "build-variant: $variant build reports simd '$simd', expected '$expect'" >&2; exit 1; fi
echo "built $variant (simd $simd): $out"
