#!/bin/sh
# scripts/check-headers.sh - every header compiles on its own.
flags="-std=gnu11 -D_GNU_SOURCE -Isrc -Itools $(pkg-config --cflags libh2o libuv libcurl jansson openssl)"
for h in $(git ls-files 'src/*.h' 'tools/*.h'); do
    inc=${h#src/}
    inc=${inc#tools/}
    echo "#include \"$inc\"" | ${CC:-cc} $flags -fsyntax-only -x c - || { echo "check-headers: $h"; exit 1; }
done
