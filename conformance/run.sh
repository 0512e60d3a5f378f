#!/usr/bin/env bash
# External conformance, run by .ci/run after the Rust build: Spectral on the
# spec, schemathesis against avara-mock, and Prism validating the client's own
# calls (the quickstart example). Installs the pinned tools into this folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$here"

section() { printf '\n=== %s\n' "$*"; }
pids=()
cleanup() { for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Waits for "listening on http://..." (avara-mock) or "listening on" (Prism) in $1.
wait_for_url() {
  local log=$1 pattern=$2
  for _ in $(seq 1 300); do
    if url=$(grep -oE "$pattern" "$log" | head -n 1) && [ -n "$url" ]; then
      echo "$url"
      return 0
    fi
    sleep 0.2
  done
  echo "timed out waiting for a server; its log:" >&2
  cat "$log" >&2
  return 1
}

section "conformance: install the pinned tools"
npm ci --no-audit --no-fund --loglevel=error
if [ ! -x .venv/bin/schemathesis ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
echo "spectral $(npx --no-install spectral --version), prism $(npx --no-install prism --version), $(.venv/bin/schemathesis --version)"

section "Spectral (spectral:oas): 0 errors and 0 warnings"
npx --no-install spectral lint "$root/spec/openapi.yaml" --ruleset .spectral.yaml --fail-severity warn

section "schemathesis against avara-mock: all phases, all checks"
mock_log=$(mktemp)
"$root/target/debug/avara-mock" --port 0 > "$mock_log" 2>&1 &
pids+=($!)
mock_url=$(wait_for_url "$mock_log" 'http://127\.0\.0\.1:[0-9]+')
SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here" .venv/bin/schemathesis run "$root/spec/openapi.yaml" \
  --url "$mock_url" \
  --header "Authorization: Bearer sk_test_schemathesis" \
  --mode all --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples 100 --seed 20261123 \
  --no-color

section "Prism (request validation) with the client's calls: the quickstart example"
prism_log=$(mktemp)
prism_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
npx --no-install prism mock --dynamic --host 127.0.0.1 --port "$prism_port" "$root/spec/openapi.yaml" > "$prism_log" 2>&1 &
pids+=($!)
prism_url=$(wait_for_url "$prism_log" "http://127\\.0\\.0\\.1:${prism_port}")
AVARA_BASE_URL="$prism_url" AVARA_API_KEY="sk_test_prism" "$root/target/debug/examples/quickstart"
sleep 0.5
passed=$(grep -c "The request passed the validation rules" "$prism_log" || true)
failed=$(grep -c "Request did not pass the validation rules" "$prism_log" || true)
echo "Prism: ${passed} requests passed validation, ${failed} failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  grep -E "VALIDATOR\] ✖" "$prism_log" >&2 || true
  exit 1
fi
