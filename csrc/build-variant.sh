#!/bin/sh
# Builds the addon without node-gyp into OUT (default /tmp/lmforge-variant/lmforge.node), for testing
# other SIMD paths: `csrc/build-variant.sh portable` (plain C, no AVX), `native` (-march=native, what
# npm install builds), `avx2` (AVX2+FMA even on an AVX-512 CPU). Then run the parity tests with
# LMFORGE_NATIVE_ADDON=$OUT. NODE_INCLUDE defaults to <node prefix>/include/node.
set -e
variant=${1:-native}
out=${2:-/tmp/lmforge-variant/lmforge.node}
here=$(cd "$(dirname "$0")" && pwd)
inc=${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}
case "$variant" in
  portable) flags="-march=native -mno-avx -mno-avx2 -mno-fma -mno-avx512f -DLMFORGE_PORTABLE" ;;
  avx2) flags="-march=native -mno-avx512f" ;;
  native) flags="-march=native" ;;
  *) echo "usage: $0 portable|avx2|native [OUT]" >&2; exit 2 ;;
esac
obj=$(mktemp -d)
for f in "$here"/*.c; do
  ${CC:-cc} -c -O3 $flags -ffp-contract=fast -fno-math-errno -std=gnu11 -fPIC -pthread -I"$inc" \
    -DNODE_GYP_MODULE_NAME=lmforge "$f" -o "$obj/$(basename "$f" .c).o" &
done
wait
mkdir -p "$(dirname "$out")"
${CC:-cc} -shared -pthread -o "$out" "$obj"/*.o -lm
rm -rf "$obj"
echo "built $variant: $out"
