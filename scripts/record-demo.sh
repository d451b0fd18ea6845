#!/usr/bin/env bash
# Re-record resources/demo/*.json from real pydantic-ai runs: start a Loupe on
# a scratch folder, run scripts/record_demo.py against it, export each trace.
# Needs `npm run build` and the .venv that `npm run test:setup` makes.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
node bin/loupe.js serve --data "$data" --port 0 --grpc-port 0 --ui-port 0 --log-level warn > "$data/serve.log" &
serve_pid=$!
for _ in $(seq 50); do [ -f "$data/loupe.json" ] && break; sleep 0.1; done
port=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$data/loupe.json','utf8')).otlpHttpPort)")
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" .venv/bin/python scripts/record_demo.py
rm -f resources/demo/*.json
n=0
for trace in $(node bin/loupe.js traces --json --data "$data" | node -e "
  const traces = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  for (const t of traces.reverse()) console.log(t.traceId)"); do
  n=$((n + 1))
  node bin/loupe.js export "$trace" --data "$data" -o "resources/demo/run-$n.json"
done
echo "recorded $n demo traces into resources/demo/"
