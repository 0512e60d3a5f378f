#!/usr/bin/env bash
# External conformance, run by .ci/run after the Rust build: Spectral on the
# spec, the official Python SDK's own tests (avara 0.3.0's tests/api_resources)
# against Prism serving the spec, schemathesis against avara-mock, and Prism
# validating the client's own calls (the quickstart example). Installs the
# pinned tools into this folder, and leaves no process running (Prism and the
# mock are ended with their process groups).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$here"

section() { printf '\n=== %s\n' "$*"; }
# start_server, wait_for_url and stop_server: a server in a process group of
# its own, always ended as a whole.
# shellcheck source=sdk-tests/server.sh
. "$here/sdk-tests/server.sh"
pids=()
cleanup() {
  server_cleanup
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

section "conformance: install the pinned tools"
npm ci --no-audit --no-fund --loglevel=error
if [ ! -x .venv/bin/schemathesis ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
echo "spectral $(npx --no-install spectral --version), prism $(npx --no-install prism --version), $(.venv/bin/schemathesis --version)"

section "Spectral (spectral:oas): 0 errors and 0 warnings"
npx --no-install spectral lint "$root/spec/openapi.yaml" --ruleset .spectral.yaml --fail-severity warn

# The official SDK's generated tests, their "Mock server tests are disabled"
# skips lifted, against `prism mock` (static) serving the spec, as Stainless
# runs them: sdk-tests/README.md.
section "sdk-tests: the official SDK's own tests (avara 0.3.0) against Prism serving the spec: all 1,290 pass"
bash sdk-tests/with-prism.sh "$root/spec/openapi.yaml"

# After the Prism run, which has installed sdk-tests/.venv (test_lift_skips.py
# runs its pytest).
section "sdk-tests: the tests of the expected-failures comparison (compare.py) and of lift_skips.py"
SDK_TESTS_SELFTEST_STRICT=1 python3 -B -m unittest discover -s sdk-tests -p 'test_*.py'

# The binaries below are this workspace's own, as the README's test command
# builds them (a no-op when it already ran): another build that shares the
# target directory, such as the growth check's scratch workspace, may have
# put its own in target/debug/.
section "the workspace's binaries (cargo test --workspace --no-run)"
(cd "$root" && cargo test --workspace --no-run --quiet)

section "schemathesis against avara-mock: all phases, all checks"
mock_log=$(mktemp)
"$root/target/debug/avara-mock" --port 0 > "$mock_log" 2>&1 &
pids+=($!)
mock_url=$(wait_for_url "$mock_log" 'http://127\.0\.0\.1:[0-9]+' "${pids[-1]}")
SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here" .venv/bin/schemathesis run "$root/spec/openapi.yaml" \
  --url "$mock_url" \
  --header "Authorization: Bearer sk_test_schemathesis" \
  --mode all --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples 100 --seed 20261123 \
  --no-color

# The official SDK's own tests against `avara-mock --examples --api-key "My API
# Key"`, reset before each test; every failure listed with its reason in
# sdk-tests/expected-failures/avara-mock.txt (see sdk-tests/README.md).
section "sdk-tests: the official SDK's own tests (avara 0.3.0) against avara-mock --examples, failures as listed"
bash sdk-tests/with-avara-mock.sh "$root/target/debug/avara-mock"

section "Prism (request validation) with the client's calls: the quickstart example"
# Prism runs as the node binary itself (not through the npx wrapper, which
# would leave its node child behind when killed), in a process group of its
# own that stop_server ends as a whole. The client talks to Prism through
# count_proxy.py, which counts the requests really sent; the step passes when
# Prism has validated exactly that many, all of them successfully.
prism_log=$(mktemp)
proxy_log=$(mktemp)
prism_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_server "$prism_log" node node_modules/@stoplight/prism-cli/dist/index.js mock --dynamic \
  --host 127.0.0.1 --port "$prism_port" "$root/spec/openapi.yaml"
# Prism prints the routes with their URLs before it listens: wait for "listening".
prism_url=$(wait_for_url "$prism_log" "listening on http://127\\.0\\.0\\.1:${prism_port}")
prism_url=${prism_url#listening on }
python3 -u "$here/count_proxy.py" "$prism_url" > "$proxy_log" 2>&1 &
pids+=($!)
proxy_url=$(wait_for_url "$proxy_log" 'http://127\.0\.0\.1:[0-9]+' "${pids[-1]}")
AVARA_BASE_URL="$proxy_url" AVARA_API_KEY="sk_test_prism" "$root/target/debug/examples/quickstart"
sent=$(grep -c '^sent ' "$proxy_log" || true)
count_validated() {
  passed=$(grep -c "The request passed the validation rules" "$prism_log" || true)
  failed=$(grep -c "Request did not pass the validation rules" "$prism_log" || true)
}
# Prism logs after it answers: wait (up to 10 s) until it has logged as many
# validations as requests were sent.
for _ in $(seq 1 100); do
  count_validated
  [ $((passed + failed)) -ge "$sent" ] && break
  sleep 0.1
done
stop_server
echo "Prism: ${sent} requests sent, ${passed} passed validation, ${failed} failed"
if [ "$sent" -eq 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -ne "$sent" ]; then
  grep -E "VALIDATOR\] ✖" "$prism_log" >&2 || true
  echo "Prism must validate every request sent, all successfully" >&2
  exit 1
fi
