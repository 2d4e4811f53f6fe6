-- bench/chat_stream.lua - bench/chat.lua with "stream":true and x-mock-chunks: 20
-- (BENCH_MOCK_CHUNKS and BENCH_MOCK_CHUNK_DELAY_MS still apply).
BENCH_STREAM = true
local src = debug.getinfo(1, "S").source
local dir = (src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/[^/]*$")) or "."
dofile(dir .. "/chat.lua")
