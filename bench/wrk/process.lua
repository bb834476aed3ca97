-- POST /api/ai/process with the README's example, for wrk (closed loop):
--   wrk -t2 -c64 -d20s --latency -s bench/wrk/process.lua http://127.0.0.1:8000
-- wrk counts answers other than 2xx/3xx as "Non-2xx or 3xx responses".
wrk.method = "POST"
wrk.path = "/api/ai/process"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query_text":"Проанализируй данные продаж и найди тренды","input_range":"A1:D10","category":"analysis",'
  .. '"input_data":[["Товар","Январь","Февраль","Март"],["Товар A",100,120,110],["Товар B",80,90,95]]}'
