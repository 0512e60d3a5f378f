#!/usr/bin/env bash
# The official Python SDK's own tests against Prism serving SPEC, the way
# Stainless runs them: `prism mock SPEC` (static mode) on a free loopback
# port, then run.sh against it. Prism runs in a process group of its own and
# is always ended with it; no process is left behind.
#
#   with-prism.sh SPEC [--expected-failures FILE]
#
# FILE defaults to expected-failures/prism.txt (empty: every test must pass).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
conformance="$(dirname "$here")"
usage() { echo "usage: $0 SPEC [--expected-failures FILE]" >&2; exit 2; }

spec= expected=$here/expected-failures/prism.txt
while [ $# -gt 0 ]; do
  case "$1" in
    --expected-failures) [ $# -ge 2 ] || usage; expected=$2; shift 2 ;;
    -*) usage ;;
    *) [ -z "$spec" ] || usage; spec=$1; shift ;;
  esac
done
[ -n "$spec" ] || usage
[ -f "$spec" ] || { echo "no such spec: $spec" >&2; exit 2; }
spec="$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")"

# shellcheck source=server.sh
. "$here/server.sh"

# Prism as pinned by conformance/package-lock.json (npm ci unless that exact
# version is already installed).
pinned=$(node -p 'require(process.argv[1]).packages["node_modules/@stoplight/prism-cli"].version' \
  "$conformance/package-lock.json")
prism_js=$conformance/node_modules/@stoplight/prism-cli/dist/index.js
installed=$(node -p 'require(process.argv[1]).version' \
  "$conformance/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null || true)
if [ "$installed" != "$pinned" ] || [ ! -f "$prism_js" ]; then
  (cd "$conformance" && npm ci --no-audit --no-fund --loglevel=error) < /dev/null
fi

port=$(free_port)
# The node binary itself (not the npx wrapper, which would leave its node
# child behind when killed). Prism prints its routes before it listens.
start_server "$(mktemp "${TMPDIR:-/tmp}/sdk-tests-prism.XXXXXX")" \
  node "$prism_js" mock --host 127.0.0.1 --port "$port" "$spec"
url=$(wait_for_url "$server_log" "listening on http://127\\.0\\.0\\.1:$port")
url=${url#listening on }
echo "prism $(node "$prism_js" --version) mock (static) $spec at $url"

set +e
"$here/run.sh" "$url" --expected-failures "$expected" --label prism
rc=$?
set -e
stop_server

# Prism also validates the answers it builds (from the spec's examples, else
# its schemas) against the response schemas, and logs a violation when they do
# not match: an example that contradicts its schema. The SDK's parsing is lax
# (pydantic coerces "15" to 15), so such a test can still pass: with no
# expected failures, Prism must have logged no violation (✖) nor warning (⚠)
# at all.
received=$(grep -c "Request received" "$server_log" || true)
passed=$(grep -c "The request passed the validation rules" "$server_log" || true)
rejected=$(grep -c "Request did not pass the validation rules" "$server_log" || true)
violations=$(grep -cE "\] (✖|⚠) " "$server_log" || true)
echo "Prism: $received requests received, $passed passed its validation, $rejected rejected; $violations violations or warnings logged"
if [ "$violations" -gt 0 ]; then
  echo "Prism's violations and warnings, by count:"
  grep -E "\] (✖|⚠) " "$server_log" | sed -E 's/^.*\] (✖|⚠) +//' | sort | uniq -c | sort -rn | head -n 15
  if [ "$rc" -eq 0 ] && ! grep -qvE '^\s*(#|$)' "$expected"; then
    echo "sdk-tests (prism): every test passed, but Prism logged $violations violations or warnings (above)" >&2
    rc=1
  fi
fi
if [ "$received" -eq 0 ]; then
  echo "sdk-tests (prism): Prism received no request" >&2
  rc=1
fi
exit "$rc"
