-- wrk script: replay pre-signed requests (written by bench/signed_requests.py), each at most once per run.
--
--   wrk -t T -c C -d 2s --latency -s bench/replay.lua http://127.0.0.1:PORT/ -- FILE FIRST COUNT T
--
-- Records FIRST … FIRST+COUNT-1 of FILE (wrapping past its end) are shared out among the T threads, thread i
-- taking every T-th. A thread that has sent all of its share stops rather than send one again: the run's
-- figures are then lower bounds, and done() says so ("exhausted"). done() prints one line,
-- "replay: {json}", with the counts the benchmark checks (answers other than 2xx, 202s, sent) and latencies.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local mine, next_index = {}, 1
sent, accepted, non2xx, exhausted = 0, 0, 0, 0

function init(args)
  local path, first, count, nthreads = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  local records, position = {}, 1
  while position <= #data do
    local newline = data:find("\n", position, true)
    local length = tonumber(data:sub(position, newline - 1))
    records[#records + 1] = data:sub(newline + 1, newline + length)
    position = newline + length + 1
  end
  data = nil
  for k = id, count - 1, nthreads do
    mine[#mine + 1] = records[(first + k) % #records + 1]
  end
  records = nil
  collectgarbage()
end

function request()
  if next_index > #mine then
    exhausted = 1
    wrk.thread:stop()
    return "" -- nothing is written: the thread stops with its event loop
  end
  local raw = mine[next_index]
  next_index = next_index + 1
  sent = sent + 1
  return raw
end

function response(status, headers, body)
  if status == 202 then
    accepted = accepted + 1
  end
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local totals = { sent = 0, accepted = 0, non2xx = 0, exhausted = 0 }
  local consumed = 0 -- records FIRST … FIRST+consumed-1 may have been sent: the next run starts after them
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
    local sent_here = thread:get("sent")
    if sent_here > 0 then
      consumed = math.max(consumed, (sent_here - 1) * #threads + thread:get("id") + 1)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'replay: {"completed": %d, "duration_us": %d, "sent": %d, "consumed": %d, "accepted": %d, "non2xx": %d, "exhausted": %d, '
      .. '"socket_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, totals.sent, consumed, totals.accepted, totals.non2xx, totals.exhausted,
    errors.connect + errors.read + errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
