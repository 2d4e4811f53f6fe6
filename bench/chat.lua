-- bench/chat.lua - wrk script: POST /v1/chat/completions with the ~1 KB request in
-- bench/chat.json (a 900-byte system prompt and the user text "hello there"), keep-alive,
-- authenticated as the bench key. bench/chat_stream.lua is the same request with
-- "stream":true.
--
-- Environment (all optional):
--   BENCH_STREAM=1                 ask for a stream (what chat_stream.lua sets)
--   BENCH_MOCK_CHUNKS=N            x-mock-chunks: N (default 20 for streams)
--   BENCH_MOCK_CHUNK_DELAY_MS=N    x-mock-chunk-delay-ms: N (slow streams)
--   BENCH_MOCK_CONTENT=text        x-mock-content: text (the mock cuts a stream into at most
--                                  one piece per byte of the reply, so 50 chunks need a longer
--                                  reply than "mock: hello there")
--   BENCH_PATH=/path               request path (default /v1/chat/completions)
--   BENCH_MODEL=alias              the model asked for (default "bench")
--
-- At the end it prints one machine-readable line that bench/run.sh parses:
--   BENCH requests=.. duration_us=.. bytes=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. err_*=..

local function script_dir()
   local src = debug.getinfo(1, "S").source
   if src:sub(1, 1) == "@" then
      local dir = src:sub(2):match("^(.*)/[^/]*$")
      if dir then return dir .. "/" end
   end
   return "./"
end

local function read_body()
   local f = assert(io.open(script_dir() .. "chat.json", "rb"))
   local body = f:read("*a")
   f:close()
   return (body:gsub("%s+$", ""))
end

local stream = BENCH_STREAM or os.getenv("BENCH_STREAM") == "1"
local body = read_body()
local model = os.getenv("BENCH_MODEL")
if model then
   body = body:gsub('"model":"bench"', '"model":"' .. model .. '"', 1)
end
if stream then
   body = body:gsub("}$", ',"stream":true}')
end

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/chat/completions"
wrk.body = body
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.headers["Content-Type"] = "application/json"
local chunks = os.getenv("BENCH_MOCK_CHUNKS")
if chunks == nil and stream then chunks = "20" end
if chunks ~= nil and chunks ~= "" then wrk.headers["x-mock-chunks"] = chunks end
local delay = os.getenv("BENCH_MOCK_CHUNK_DELAY_MS")
if delay ~= nil and delay ~= "" then wrk.headers["x-mock-chunk-delay-ms"] = delay end
local content = os.getenv("BENCH_MOCK_CONTENT")
if content ~= nil and content ~= "" then wrk.headers["x-mock-content"] = content end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
