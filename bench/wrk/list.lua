-- A filtered list of 50: a status and an issue-date range, for a random tenant.
-- Reads one API key per line from $BENCH_KEYS.
local keys = {}
for line in io.lines(os.getenv("BENCH_KEYS")) do
  keys[#keys + 1] = line
end
local statuses = { "sent", "paid", "overdue", "partially_paid", "viewed" }

request = function()
  local key = keys[math.random(#keys)]
  local status = statuses[math.random(#statuses)]
  local path = "/v1/invoices?status=" .. status .. "&issue_date_from=2024-0" .. math.random(1, 9) .. "-01&limit=50"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. key })
end
