-- wrk script of bench/cases/run.sh: one POST per id, each id used once.
--
-- Environment (read by every wrk thread):
--   WB_IDS      file with one id a line; thread t of WB_THREADS takes lines t, t + T, t + 2T, ...
--   WB_THREADS  wrk's -t
--   WB_PATH     the path, "{id}" standing for the id: /api/v1/cases/{id}/submit
--   WB_BODY     the JSON body
--   WB_TOKEN    the session token (Authorization: Bearer)
--   WB_STATE    a directory: done-<t> once thread t has had the answer to its last id,
--               errors-<t> with the first non-2xx answers (status and body)
--   WB_EXPECT   optional: a Lua pattern; 2xx bodies matching it are counted ("matched")
--
-- A thread whose ids are used up sends nothing more (its connections fall idle), and stops once
-- the answers to all its requests are in; run.sh interrupts wrk (SIGINT: wrk then reports at
-- once, with the elapsed time) when every thread has stopped. done() prints one line:
--   cases-lua ids=N ok=N non2xx=N matched=N exhausted=THREADS

local ids_file = os.getenv("WB_IDS")
local nthreads = tonumber(os.getenv("WB_THREADS"))
local path_tmpl = os.getenv("WB_PATH")
local state = os.getenv("WB_STATE")
local expect = os.getenv("WB_EXPECT")
if expect == "" then expect = nil end

wrk.method = "POST"
wrk.body = os.getenv("WB_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WB_TOKEN")

-- The main state: number the threads, keep them for done().
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

-- Each thread's state.
local ids = {}
local next_i = 1
local inflight = 0
local verified = false
local stopped = false
ok, non2xx, matched, total, exhausted = 0, 0, 0, 0, 0
local samples = 0

function init(args)
  local k = 0
  for line in io.lines(ids_file) do
    if line ~= "" then
      if k % nthreads == tid then ids[#ids + 1] = line end
      k = k + 1
    end
  end
  total = #ids
  -- wrk calls request() once on thread 0 right after its init, to check the request parses;
  -- that call must not use up an id.
  verified = tid ~= 0
end

local function path_of(id)
  return (path_tmpl:gsub("{id}", id))
end

local function finish()
  if stopped then return end
  stopped = true
  exhausted = 1
  local f = io.open(state .. "/done-" .. tid, "w")
  if f then f:write("done\n"); f:close() end
  wrk.thread:stop()
end

function request()
  if not verified then
    verified = true
    return wrk.format(nil, path_of(ids[1] or "none"))
  end
  if next_i > #ids then
    if inflight == 0 then finish() end
    return ""  -- nothing is sent; the connection stays idle
  end
  local id = ids[next_i]
  next_i = next_i + 1
  inflight = inflight + 1
  return wrk.format(nil, path_of(id))
end

function response(status, headers, body)
  inflight = inflight - 1
  if status >= 200 and status < 300 then
    ok = ok + 1
    if expect and body and body:find(expect) then matched = matched + 1 end
  else
    non2xx = non2xx + 1
    if samples < 5 then
      samples = samples + 1
      local f = io.open(state .. "/errors-" .. tid, "a")
      if f then
        f:write(status, " ", (body or ""):sub(1, 600):gsub("\n", " "), "\n")
        f:close()
      end
    end
  end
  if next_i > #ids and inflight == 0 then finish() end
end

function done(summary, latency, requests)
  local n, o, e, m, x = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("total") or 0)
    o = o + (t:get("ok") or 0)
    e = e + (t:get("non2xx") or 0)
    m = m + (t:get("matched") or 0)
    x = x + (t:get("exhausted") or 0)
  end
  io.write(string.format("cases-lua ids=%d ok=%d non2xx=%d matched=%d exhausted=%d\n", n, o, e, m, x))
end
