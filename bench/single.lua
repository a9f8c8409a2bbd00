-- wrk script: one-destination Kakao Alim send per request (the gateway generates the messageId).
-- Usage: wrk -t1 -c64 -d10s --latency -s bench/single.lua http://127.0.0.1:8123 -- <App key>
-- The first few non-200 answers are printed to stderr; wrk counts them all as "Non-2xx or 3xx responses".

local counter = 0

function init(args)
  local key = args[1] or os.getenv("KAKAO_GATEWAY_API_KEY") or "bench-key"
  wrk.method = "POST"
  wrk.path = "/kakao-alim/1/messages"
  wrk.headers["Authorization"] = "App " .. key
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"messages":[{"sender":"DEMO-SENDER","destinations":[{"to":"821012345678"}],'
    .. '"content":{"type":"TEMPLATE","templateCode":"DEMO_ORDER",'
    .. '"text":"Hello Jimin, your order 1234 has shipped."}}]}'
end

function response(status, headers, body)
  if status ~= 200 then
    if counter < 3 then
      io.stderr:write("HTTP " .. status .. ": " .. string.sub(body, 1, 300) .. "\n")
    end
    counter = counter + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, status %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
end
