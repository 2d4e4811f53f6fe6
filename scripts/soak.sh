#!/bin/sh
# scripts/soak.sh - `make soak`: a long mixed load against the gateway and the
# fake provider, watching for memory growth (LESSONS: leaks "fixed" by
# recycling workers). Not part of `make test`.
#
#   SOAK_SECONDS=600 make soak
#
# Runs wrk in rounds (plain, streamed, and failing requests through the mock's
# fault knobs), samples the gateway's RSS after each round, and fails when the
# RSS after the last round exceeds the one after the first round by more than
# SOAK_MAX_GROWTH_KB (default 8192), or when the gateway does not exit 0 on
# SIGTERM. All traffic stays on 127.0.0.1.
set -eu

BIN=${BIN:-build/release/switchyard}
SECONDS_TOTAL=${SOAK_SECONDS:-300}
ROUND=${SOAK_ROUND_SECONDS:-20}
MAX_GROWTH_KB=${SOAK_MAX_GROWTH_KB:-8192}
dir=$(mktemp -d /tmp/sy-soak.XXXXXX)
mock_pid=""
gw_pid=""

cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null || true
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
        echo $((20000 + $$ % 20000))
}

mock_port=$(free_port)
"$BIN" mock-provider --port "$mock_port" --threads 1 > "$dir/mock.out" 2>&1 &
mock_pid=$!
gw_port=$(free_port)
cat > "$dir/gw.yaml" <<YAML
listen: 127.0.0.1:$gw_port
workers: 2
keys: ["sk-soak"]
log: { level: warn, slow_ms: 100000, sample_rate: 0 }
upstream: { first_byte_timeout_ms: 2000, stream_idle_timeout_ms: 2000 }
providers:
  - { name: mock, kind: openai, base_url: "http://127.0.0.1:$mock_port/v1", api_key: sk-up, forward_headers: ["x-mock-*"] }
models:
  - name: soak
    route: [{ provider: mock, model: gpt-4o-mini }]
  - name: flaky
    route: [{ provider: mock, model: "gpt-4o-mini@status=503" }, { provider: mock, model: gpt-4o-mini }]
YAML
"$BIN" serve -c "$dir/gw.yaml" > "$dir/gw.out" 2> "$dir/gw.err" &
gw_pid=$!
sleep 1

lua() { # $1 file, $2 body, $3 extra header line or ""
    cat > "$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-soak"
$3
wrk.body = '$2'
LUA
}
lua "$dir/plain.lua" '{"model":"soak","messages":[{"role":"user","content":"hello soak"}]}' ""
lua "$dir/stream.lua" '{"model":"soak","stream":true,"messages":[{"role":"user","content":"one two three four five"}]}' ""
lua "$dir/flaky.lua" '{"model":"flaky","messages":[{"role":"user","content":"fail over"}]}' ""
lua "$dir/cut.lua" '{"model":"soak","stream":true,"messages":[{"role":"user","content":"a b c d e f"}]}' 'wrk.headers["x-mock-reset-after"] = "2"'

rss() { awk '/VmRSS/ {print $2}' "/proc/$gw_pid/status"; }
first=""
elapsed=0
round=0
while [ "$elapsed" -lt "$SECONDS_TOTAL" ]; do
    for kind in plain stream flaky cut; do
        wrk -t1 -c64 -d"$((ROUND / 4))s" -s "$dir/$kind.lua" "http://127.0.0.1:$gw_port/v1/chat/completions" \
            > "$dir/wrk-$kind.out" 2>&1 || true
    done
    round=$((round + 1))
    elapsed=$((elapsed + ROUND))
    now=$(rss)
    [ -z "$first" ] && first=$now
    echo "soak: round $round (${elapsed}s): RSS ${now} kB (first round ${first} kB)"
done

kill -TERM "$gw_pid"
if ! wait "$gw_pid"; then
    echo "soak: FAILED: the gateway did not exit 0 on SIGTERM"; tail -5 "$dir/gw.err"; gw_pid=""; exit 1
fi
gw_pid=""
growth=$((now - first))
if [ "$growth" -gt "$MAX_GROWTH_KB" ]; then
    echo "soak: FAILED: RSS grew by ${growth} kB over the run (limit ${MAX_GROWTH_KB} kB)"
    exit 1
fi
echo "soak: 1 passed, 0 failed (RSS growth ${growth} kB after $round rounds)"
