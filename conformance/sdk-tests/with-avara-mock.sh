#!/usr/bin/env bash
# The official Python SDK's own tests against avara-mock:
# `AVARA_MOCK --port 0 --examples --api-key "My API Key"` (every resource's
# documented example loaded; the SDK's tests send the key "My API Key"), then
# run.sh against it, with the mock reset (`/_mock/reset`) before each test. The mock runs in a process group of its own and is always
# ended with it; no process is left behind.
#
#   with-avara-mock.sh AVARA_MOCK [--expected-failures FILE] [--write-failures DRAFT]
#
# AVARA_MOCK is the avara-mock binary (e.g. target/debug/avara-mock); FILE
# defaults to expected-failures/avara-mock.txt. --write-failures writes the
# tests that failed to DRAFT in that file's format (see run.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage() { echo "usage: $0 AVARA_MOCK [--expected-failures FILE] [--write-failures DRAFT]" >&2; exit 2; }

mock= expected=$here/expected-failures/avara-mock.txt draft=()
while [ $# -gt 0 ]; do
  case "$1" in
    --expected-failures) [ $# -ge 2 ] || usage; expected=$2; shift 2 ;;
    --write-failures) [ $# -ge 2 ] || usage; draft=(--write-failures "$2"); shift 2 ;;
    -*) usage ;;
    *) [ -z "$mock" ] || usage; mock=$1; shift ;;
  esac
done
[ -n "$mock" ] || usage
[ -x "$mock" ] || { echo "no such executable: $mock" >&2; exit 2; }

# shellcheck source=server.sh
. "$here/server.sh"

start_server "$(mktemp "${TMPDIR:-/tmp}/sdk-tests-mock.XXXXXX")" \
  "$mock" --port 0 --examples --api-key "My API Key"
url=$(wait_for_url "$server_log" 'listening on http://127\.0\.0\.1:[0-9]+')
url=${url#listening on }
echo "avara-mock --examples at $url"

set +e
"$here/run.sh" "$url" --expected-failures "$expected" --label avara-mock \
  --reset-url "$url/_mock/reset" "${draft[@]}"
rc=$?
set -e
stop_server
exit "$rc"
