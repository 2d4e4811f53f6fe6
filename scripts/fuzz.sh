#!/bin/sh
# scripts/fuzz.sh - builds every tests/fuzz/fuzz_*.c with libFuzzer (clang 14,
# ASan + UBSan) and runs each for SECONDS over a copy of its corpus.
#
#   sh scripts/fuzz.sh [SECONDS [TARGET...]]     e.g. sh scripts/fuzz.sh 60 sse
#
# The library (src/*/*.c but src/main.c, and tools/*/*.c) is compiled once
# into build/fuzz/obj with coverage instrumentation and archived, so each
# target links only the objects it uses. New inputs go to
# build/fuzz/corpus-<name>, never into tests/fuzz/corpus: copy the ones worth
# keeping by hand. Crash, leak and timeout inputs land in
# build/fuzz/artifacts-<name>/. Exits non-zero if any target fails.
#
# Flag variables ($cflags, $san, $libs) are left unquoted on purpose: they
# hold several words.
# shellcheck disable=SC2086
set -u

secs=${1:-60}
[ $# -gt 0 ] && shift
only="$*"

CC=${FUZZ_CC:-clang-14}
command -v "$CC" >/dev/null 2>&1 || CC=clang
out=build/fuzz
pkgs="libh2o libuv libcurl jansson libfyaml openssl zlib"
if ! pkg_cflags=$(pkg-config --cflags $pkgs) || ! pkg_libs=$(pkg-config --libs $pkgs); then
    echo "fuzz: pkg-config cannot find: $pkgs (run make deps)" >&2
    exit 1
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -pthread -D_GNU_SOURCE -DSY_POOL_DEBUG=1"
cflags="$cflags -Isrc -Itools $pkg_cflags"
libs="$pkg_libs -lm -lpthread"

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# ---- Build the instrumented library ----------------------------------------
lib_src=""
for f in src/*/*.c tools/*/*.c; do
    [ -f "$f" ] && [ "$f" != src/main.c ] && lib_src="$lib_src $f"
done
rm -rf "$out/obj" "$out/libswitchyard.a"
mkdir -p "$out/obj"
echo "fuzz: compiling $(echo $lib_src | wc -w) library files with $CC"
export CC FUZZ_OBJ="$out/obj" FUZZ_CFLAGS="$cflags $san -fsanitize=fuzzer-no-link"
# shellcheck disable=SC2016
if ! printf '%s\n' $lib_src | xargs -n 1 -P "$(nproc 2>/dev/null || echo 2)" sh -c '
    o="$FUZZ_OBJ/$(echo "${1%.c}" | tr / _).o"
    $CC $FUZZ_CFLAGS -c "$1" -o "$o" || { echo "fuzz: cannot compile $1" >&2; exit 255; }
' sh; then
    echo "fuzz: the library does not compile" >&2
    exit 1
fi
ar rcs "$out/libswitchyard.a" "$out"/obj/*.o || exit 1

# ---- Build and run each target -----------------------------------------------
status=0
ran=0
for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    if [ -n "$only" ] && ! echo " $only " | grep -q " $name "; then
        continue
    fi
    bin="$out/fuzz_$name"
    work="$out/corpus-$name"
    artifacts="$out/artifacts-$name"
    log="$out/fuzz_$name.log"
    dict=tests/fuzz/dict/$name.dict

    if ! $CC $cflags $san -fsanitize=fuzzer -o "$bin" "$src" "$out/libswitchyard.a" $libs; then
        echo "fuzz $name: does not build" >&2
        status=1
        continue
    fi
    mkdir -p "$work" "$artifacts"
    if [ -d "tests/fuzz/corpus/$name" ]; then
        cp -R "tests/fuzz/corpus/$name/." "$work/"
    else
        echo "fuzz $name: no seed corpus in tests/fuzz/corpus/$name" >&2
    fi
    set -- -max_total_time="$secs" -timeout=25 -print_final_stats=1 -artifact_prefix="$artifacts/"
    [ -f "$dict" ] && set -- "$@" -dict="$dict"

    echo "fuzz $name: running ${secs}s, new inputs in $work, log in $log"
    "$bin" "$@" "$work" >"$log" 2>&1
    rc=$?
    ran=$((ran + 1))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ok, ${runs:-?} runs, $(find "$work" -type f | wc -l) inputs in corpus"
        continue
    fi
    status=1
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz $name: FAILED (exit $rc)" >&2
    grep -m 3 -E 'ERROR|WARNING|runtime error|deadly signal' "$log" >&2
    if [ -n "$crash" ]; then
        echo "fuzz $name: crash input: $crash" >&2
        echo "fuzz $name: reproduce: $bin $crash" >&2
    else
        echo "fuzz $name: no crash input written; see $log" >&2
    fi
done

if [ $ran -eq 0 ] && [ $status -eq 0 ]; then
    echo "fuzz: no target ran" >&2
    exit 1
fi
exit $status
