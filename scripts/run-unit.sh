#!/bin/sh
# scripts/run-unit.sh - runs each cmocka executable; fails if any fails.
# Prints a closing "N passed, N failed" line for CI.
status=0
passed=0
failed=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in "$@"; do
    if "$t"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $t"
        failed=$((failed + 1))
        status=1
    fi
done
echo "unit: $passed passed, $failed failed"
exit $status
