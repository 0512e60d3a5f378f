#!/usr/bin/env bash
# The official Python SDK's own tests (avara 0.3.0, tests/api_resources) run
# against a server: see README.md.
#
#   run.sh BASE_URL --expected-failures FILE [--label NAME] [--write-failures DRAFT]
#          [--reset-url URL]
#
# Installs the pinned requirements into .venv (once), fetches the avara 0.3.0
# sdist from PyPI (once, checked against avara-0.3.0.tar.gz.sha256), extracts
# its tests/ and pyproject.toml (its pytest settings) into a scratch
# directory, and runs tests/api_resources there with the INSTALLED avara,
# TEST_API_BASE_URL=BASE_URL, lifting the "Mock server tests are disabled"
# skips (lift_skips.py). Then compares the outcome with the expected-failures
# file (compare.py) and exits non-zero on any mismatch. --write-failures
# also writes the tests that failed to DRAFT, in the expected-failures format
# (each reason is the first error line: edit them before committing it).
# --reset-url makes every test start from the server's initial state: the
# tests run one at a time, and before each one lift_skips.py POSTs to URL
# (avara-mock's `/_mock/reset`), since a stateful server would otherwise let
# one test's delete break the next test's retrieve.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage() { echo "usage: $0 BASE_URL --expected-failures FILE [--label NAME] [--write-failures DRAFT] [--reset-url URL]" >&2; exit 2; }

base_url= expected= label= draft= reset_url=
while [ $# -gt 0 ]; do
  case "$1" in
    --expected-failures) [ $# -ge 2 ] || usage; expected=$2; shift 2 ;;
    --write-failures) [ $# -ge 2 ] || usage; draft=$2; shift 2 ;;
    --label) [ $# -ge 2 ] || usage; label=$2; shift 2 ;;
    --reset-url) [ $# -ge 2 ] || usage; reset_url=$2; shift 2 ;;
    -*) usage ;;
    *) [ -z "$base_url" ] || usage; base_url=$1; shift ;;
  esac
done
[ -n "$base_url" ] && [ -n "$expected" ] || usage
[ -f "$expected" ] || { echo "no expected-failures file: $expected" >&2; exit 2; }
expected="$(cd "$(dirname "$expected")" && pwd)/$(basename "$expected")"
label=${label:-$base_url}

version=0.3.0
sdist=avara-$version.tar.gz
venv=$here/.venv
py=$venv/bin/python

# 1. The pinned requirements, installed by hash, from wheels only and with no
#    dependency resolution (requirements.txt lists them all), except
#    standardwebhooks 1.0.1, which has only an sdist: it is built with the
#    pinned setuptools and wheel of build-requirements.txt (no build
#    isolation, which would fetch the newest ones). Reinstalled when either
#    file changes.
if [ ! -x "$py" ]; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "sdk-tests: Python >= 3.11 is needed (requirements.txt is locked for it)" >&2; exit 1; }
  python3 -m venv "$venv"
fi
stamp=$venv/.requirements.sha256
want=$(cat "$here/build-requirements.txt" "$here/requirements.txt" | sha256sum)
pip_install() {
  "$py" -m pip install --quiet --disable-pip-version-check --no-input --require-hashes \
    --no-deps --only-binary :all: "$@" < /dev/null || {
    echo "sdk-tests: could not install the pinned requirements into $venv" \
      "(pip's error above: no network to PyPI, or a file whose sha256 is not the pinned one)" >&2
    exit 1
  }
}
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  pip_install -r "$here/build-requirements.txt"
  pip_install --no-binary standardwebhooks --no-build-isolation -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi

# 2. The sdist of avara 0.3.0, downloaded from its PyPI address (pip download
#    would build its metadata with the newest hatchling), checked against the
#    committed sha256.
sdist_url=https://files.pythonhosted.org/packages/c8/94/80898c7934f3271b52f1e6c54fe4770b2d1edd80c84909df8f9197319932/$sdist
cache=$venv/avara-sdist
if ! (cd "$cache" 2>/dev/null && sha256sum --check --status "$here/$sdist.sha256"); then
  rm -rf "$cache"
  mkdir -p "$cache"
  "$py" -c '
import os, ssl, sys, urllib.request
url, out = sys.argv[1:3]
context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)
try:
    with urllib.request.urlopen(url, timeout=120, context=context) as r, open(out, "wb") as f:
        f.write(r.read())
except Exception as e:
    sys.exit(f"sdk-tests: could not download {url}: {e}")
' "$sdist_url" "$cache/$sdist" < /dev/null || { rm -rf "$cache"; exit 1; }
  (cd "$cache" && sha256sum --check --quiet "$here/$sdist.sha256") || {
    echo "sdk-tests: $sdist from $sdist_url does not match the pinned sha256 in $here/$sdist.sha256" \
      "($(cd "$cache" && sha256sum "$sdist"))" >&2
    rm -rf "$cache"
    exit 1
  }
fi

# 3. Its tests/ (and its pytest settings) in a scratch directory: no src/, so
#    the tests import the installed avara (lift_skips.py checks that).
scratch=$(mktemp -d "${TMPDIR:-/tmp}/sdk-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
tar -xzf "$cache/$sdist" -C "$scratch" --strip-components=1 \
  "avara-$version/tests" "avara-$version/pyproject.toml"

# 4. Fail fast when nothing answers at BASE_URL (the client would retry every
#    request).
"$py" -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=10)
except urllib.error.HTTPError:
    pass  # any HTTP answer will do
except Exception as e:
    sys.exit(f"sdk-tests: nothing answers at {sys.argv[1]}: {e}")
' "$base_url" < /dev/null

# 5. The tests, within SDK_TESTS_TIMEOUT seconds (default 600; a server that
#    stops answering would otherwise hold every request for the client's
#    timeout and retries). The log is kept for reading after the run.
log=$(mktemp "${TMPDIR:-/tmp}/sdk-tests-log.XXXXXX")
echo "sdk-tests ($label): avara $version's tests/api_resources against $base_url (log: $log)"
start=$(date +%s)
set +e
# With a reset before each test, the tests run one at a time (two workers
# would reset each other's state).
if [ -n "$reset_url" ]; then workers=0; else workers=2; fi
(cd "$scratch" && TEST_API_BASE_URL="$base_url" SDK_TESTS_RESULTS="$scratch/results.json" \
  SDK_TESTS_RESET_URL="$reset_url" \
  SDK_TESTS_AVARA_VERSION=$version PYTHONPATH="$here" PYTHONDONTWRITEBYTECODE=1 \
  timeout --kill-after=10 "${SDK_TESTS_TIMEOUT:-600}" \
  "$venv/bin/pytest" -p lift_skips -p no:cacheprovider -n "$workers" -q --no-header -rN \
  tests/api_resources) < /dev/null > "$log" 2>&1
rc=$?
set -e
grep -E '^lift_skips:|^[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "$log" || true
echo "pytest: exit code $rc in $(( $(date +%s) - start )) s"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "sdk-tests: pytest did not finish within ${SDK_TESTS_TIMEOUT:-600} s and was ended" >&2
fi
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then tail -n 30 "$log"; fi
"$py" "$here/compare.py" "$scratch/results.json" "$expected" "$label" "$rc" ${draft:+--write-failures "$draft"}
