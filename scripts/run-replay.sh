#!/bin/sh
# scripts/run-replay.sh - replays every fuzz corpus through its target once.
status=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for bin in "$1"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin" | sed 's/^fuzz_//')
    dir=tests/fuzz/corpus/$name
    if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir")" ]; then
        echo "replay: no corpus for $name"
        status=1
        continue
    fi
    printf 'replay %s: ' "$name"
    "$bin" "$dir"/* || status=1
done
exit $status
