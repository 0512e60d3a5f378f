#!/usr/bin/env bash
# Re-extracts the official Python SDK's facts (spec/reference/avara-python-0.3.0.json)
# and compares them with the committed file.
#
#   check.sh            exit 0 when identical, else print a unified diff and exit 1
#   check.sh --write    regenerate the committed file
#   check.sh --typescript-git-dir DIR [--write]
#                       also re-extract typescript-facts.json from a local git copy of
#                       avara-software/avara-typescript (pinned compiler via npm ci);
#                       CI has no such copy, so CI checks the Python part only.
#
# Creates (or reuses) a virtualenv at spec/reference/sdk/.venv with the hashed pins of
# requirements.txt; needs only the package registries. Works from any directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
committed="$here/../avara-python-0.3.0.json"
ts_facts="$here/typescript-facts.json"
ts_rev="v0.2.0"

write=0
ts_git_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --write) write=1 ;;
    --typescript-git-dir)
      [ $# -ge 2 ] || { echo "check.sh: --typescript-git-dir needs a directory" >&2; exit 2; }
      ts_git_dir="$2"
      shift
      ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# compare NEW with the committed FILE, or write it; returns 1 on a difference
compare_or_write() {
  local new="$1" file="$2" label="$3"
  if [ "$write" = 1 ]; then
    if cmp -s "$new" "$file"; then
      echo "check.sh: $label is unchanged"
    else
      cp "$new" "$file"
      echo "check.sh: wrote $label"
    fi
    return 0
  fi
  if cmp -s "$new" "$file"; then
    echo "check.sh: $label matches the SDK"
    return 0
  fi
  echo "check.sh: $label differs from what the SDK gives (- committed, + extracted):" >&2
  diff -u --label "$label (committed)" --label "$label (extracted)" "$file" "$new" >&2 || true
  echo "check.sh: run spec/reference/sdk/check.sh --write to accept the extracted facts" >&2
  return 1
}

status=0

if [ -n "$ts_git_dir" ]; then
  command -v npm >/dev/null || { echo "check.sh: npm is needed for --typescript-git-dir" >&2; exit 2; }
  (cd "$here" && npm ci --silent --no-audit --no-fund)
  node "$here/extract_typescript_facts.mjs" --git-dir "$ts_git_dir" --rev "$ts_rev" --out "$tmp/typescript-facts.json"
  compare_or_write "$tmp/typescript-facts.json" "$ts_facts" "spec/reference/sdk/typescript-facts.json" || status=1
fi

venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum <"$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --require-hashes --no-deps --only-binary :all: -r "$here/requirements.txt"
  echo "$want" >"$stamp"
fi

PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" "$here/extract_python_facts.py" \
  --typescript-facts "$ts_facts" --out "$tmp/avara-python-0.3.0.json"
compare_or_write "$tmp/avara-python-0.3.0.json" "$committed" "spec/reference/avara-python-0.3.0.json" || status=1

exit "$status"
