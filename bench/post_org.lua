-- wrk script: POST /api/v1/orgs with a fresh, valid credit code each time
-- (GB 32100-2015 check character), so every request is a real write that
-- appends three ledger events (org, admin user, admin token).
local charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
local weights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
local n = 0
local headers = {}

function init(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6) + (tonumber(args[1]) or 0))
  -- wrk.format replaces wrk.headers (the -H flags) when given headers: keep them.
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
end

local function credit_code()
  local code = "91330106"
  for _ = 1, 9 do
    local k = math.random(1, 31)
    code = code .. charset:sub(k, k)
  end
  local sum = 0
  for i = 1, 17 do
    sum = sum + (charset:find(code:sub(i, i), 1, true) - 1) * weights[i]
  end
  local check = (31 - sum % 31) % 31
  return code .. charset:sub(check + 1, check + 1)
end

function request()
  n = n + 1
  local body = string.format('{"name":"bench %d","kind":"enterprise","credit_code":"%s"}', n, credit_code())
  return wrk.format("POST", "/api/v1/orgs", headers, body)
end
