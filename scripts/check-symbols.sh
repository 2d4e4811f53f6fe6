#!/bin/sh
# scripts/check-symbols.sh - every global symbol we define starts with sy_.
# Needs the release build's objects (make build).
dir=${1:-build/release/obj}
nm -g --defined-only "$dir"/src/*/*.o "$dir"/tools/*/*.o |
    awk 'NF == 3 && $2 ~ /[TDBR]/ && $3 !~ /^sy_/ && $3 != "main" { print; bad = 1 } END { exit bad }'
