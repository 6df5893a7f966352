#!/usr/bin/env bash
# GraphQL-over-HTTP conformance: serve the API on the embedded store on a loopback port,
# run the graphql-http audits against /graphql, stop the server. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${AUDIT_PORT:-8787}
tools=$(mktemp -d)
log="$tools/serve.log"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$tools"' EXIT

npm install --silent --no-audit --no-fund --prefix "$tools" graphql-http@1.23.1 graphql@16.11.0 >/dev/null
cp scripts/http-audit.mjs "$tools/"

ECEI_HOST=127.0.0.1 ECEI_PORT=$port .venv/bin/ecei serve >"$log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  if .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/readyz')" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "the server did not start" >&2; exit 1; fi
  sleep 0.2
done
node "$tools/http-audit.mjs" "http://127.0.0.1:$port/graphql"
