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

prism_pgid=
prism_log=
# Ends Prism's whole process group and fails if any of it is still running.
stop_prism() {
  [ -n "$prism_pgid" ] || return 0
  kill -TERM -- "-$prism_pgid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pgrep -g "$prism_pgid" > /dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$prism_pgid" 2>/dev/null || true
  sleep 0.1
  if pgrep -g "$prism_pgid" > /dev/null; then
    echo "Prism (process group $prism_pgid) is still running:" >&2
    pgrep -a -g "$prism_pgid" >&2
    return 1
  fi
  prism_pgid=
}
cleanup() {
  stop_prism || true
  [ -z "$prism_log" ] || rm -f "$prism_log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

prism_log=$(mktemp "${TMPDIR:-/tmp}/sdk-tests-prism.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The node binary itself (not the npx wrapper, which would leave its node
# child behind when killed), leading a process group of its own.
setsid node "$prism_js" mock --host 127.0.0.1 --port "$port" "$spec" < /dev/null > "$prism_log" 2>&1 &
prism_pgid=$!
url=
for _ in $(seq 1 300); do
  if grep -q "listening on http://127.0.0.1:$port" "$prism_log"; then url=http://127.0.0.1:$port; break; fi
  kill -0 "$prism_pgid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$url" ]; then
  echo "Prism did not start on $spec; its log:" >&2
  cat "$prism_log" >&2
  exit 1
fi
if [ "$(ps -o pgid= -p "$prism_pgid" | tr -d ' ')" != "$prism_pgid" ]; then
  echo "Prism (pid $prism_pgid) does not lead a process group of its own" >&2
  exit 1
fi
echo "prism $(node "$prism_js" --version) mock (static) $spec at $url"

set +e
"$here/run.sh" "$url" --expected-failures "$expected" --label prism
rc=$?
set -e
stop_prism
if [ "$rc" -ne 0 ]; then
  rejected=$(grep -c "Request did not pass the validation rules" "$prism_log" || true)
  if [ "$rejected" -gt 0 ]; then
    echo "Prism rejected $rejected requests; its first violations:"
    grep -E "VALIDATOR\] ✖|Violation:" "$prism_log" | sed -E 's/^\[[^]]*\] //' | sort | uniq -c | sort -rn | head -n 15
  fi
fi
exit "$rc"
