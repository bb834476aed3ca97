-- POST /api/ai/process with the README's example, for wrk (closed loop):
--   wrk -t2 -c64 -d20s --latency -s bench/wrk/process.lua http://127.0.0.1:8000
-- Each request's query carries a unique number, so the service's result cache never answers it.
-- wrk counts answers other than 2xx/3xx as "Non-2xx or 3xx responses".
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", threads)
end

local counter = 0
local head = '{"query_text":"Проанализируй данные продаж и найди тренды (запрос '
local tail = ')","input_range":"A1:D10","category":"analysis",'
  .. '"input_data":[["Товар","Январь","Февраль","Март"],["Товар A",100,120,110],["Товар B",80,90,95]]}'
local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  return wrk.format("POST", "/api/ai/process", headers, head .. prefix .. "-" .. counter .. tail)
end
