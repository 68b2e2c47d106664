-- GET /v1/invoices/{id}: a random invoice of a random tenant, with that tenant's key.
-- Reads "KEY ID" lines from $BENCH_IDS.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local key, id = line:match("(%S+) (%S+)")
  ids[#ids + 1] = { key, id }
end

request = function()
  local pick = ids[math.random(#ids)]
  return wrk.format("GET", "/v1/invoices/" .. pick[2], { ["Authorization"] = "Bearer " .. pick[1] })
end
