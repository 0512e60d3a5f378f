#!/usr/bin/env python3
"""Compares a run of the SDK's tests (the results file lift_skips.py writes)
with an expected-failures file, prints one summary line and the mismatches,
and exits 0 only when they agree:

- every test that failed is listed, and every listed test failed;
- a listed test that passed is an error (remove it from the list);
- a listed test that was not run (unknown id) is an error;
- no test was skipped, nothing failed to collect, and some tests were lifted;
- pytest itself exited normally (0, or 1 for failed tests).

    compare.py RESULTS_JSON EXPECTED_FAILURES LABEL PYTEST_EXIT_CODE [--write-failures FILE]

--write-failures FILE writes every test that failed in this run to FILE in
the expected-failures format, each with its first error line as the reason:
a draft of a new expected-failures file, to be read and edited (a reason
should say why the server fails the test) before it is committed.

The expected-failures file has one test node id a line, each followed by
`  # reason` (required); blank lines and lines starting with `#` are ignored:

    tests/api_resources/test_express.py::TestExpress::test_method_create[loose]  # why

An entry with `*` (any characters; everything else is literal) lists every
test it matches, so that one reason covers one kind of failure:

    tests/api_resources/*/test_studies.py::*::test_*_cancel[*]  # why

Such a pattern must match at least one test that ran, and every test it
matches must fail.

test_compare.py tests this module (python3 -m unittest, no dependencies).
"""
import json
import re
import sys
from collections import Counter

MAX_LINES = 4  # lines of each failure to show
MAX_WIDTH = 300  # characters of each line
MAX_DETAILED = 40  # unlisted failures shown with their error lines; the rest are counted
MAX_GROUPS = 15  # distinct error lines shown when many unlisted failures are grouped

NODEID = re.compile(r"^tests/\S+\.py::\S+$")


def is_pattern(entry):
    return "*" in entry


def pattern_regex(entry):
    """`*` matches any characters; everything else is literal."""
    return re.compile("^" + ".*".join(re.escape(part) for part in entry.split("*")) + "$")


def listed(nodeid, expected, patterns):
    """Whether `nodeid` is listed: by its id, or by a pattern."""
    return nodeid in expected or any(regex.match(nodeid) for regex in patterns.values())


def read_expected(path):
    """The listed tests ({nodeid: reason}) and the problems of the file's lines."""
    with open(path) as f:
        return parse_expected(f.read(), path)


def parse_expected(text, path="<expected>"):
    expected, problems = {}, []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        nodeid, sep, reason = line.partition(" #")
        nodeid, reason = nodeid.strip(), reason.strip()
        if not sep or not reason:
            problems.append(f"{path}:{n}: no `  # reason` after the test id: {line}")
        if nodeid in expected:
            problems.append(f"{path}:{n}: listed twice: {nodeid}")
        if not NODEID.match(nodeid):
            problems.append(f"{path}:{n}: not a test node id (tests/...py::Class::test[param]): {nodeid}")
        expected[nodeid] = reason
    return expected, problems


def error_lines(message):
    """The error lines of a failure (pytest's `E ` lines), else its non-blank lines."""
    lines = [l.strip() for l in message.splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith("E ")]
    return errors or lines


def first_error(message):
    """The first error line of a failure, without pytest's `E` prefix."""
    lines = error_lines(message)
    line = re.sub(r"^E\s+", "", lines[0]) if lines else "(no message)"
    return line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH] + "..."


def first_lines(message):
    shown = error_lines(message)[:MAX_LINES]
    return "\n".join("      " + (l if len(l) <= MAX_WIDTH else l[:MAX_WIDTH] + "...") for l in shown)


def compare(results, expected, expected_problems, exit_code, label, expected_path="<expected>"):
    """Returns (ok, lines): whether the run agrees with the expected failures,
    and the report (a summary line, then one entry per mismatch)."""
    tests = results.get("tests", {})
    outcomes = {}
    for nodeid, r in tests.items():
        outcomes.setdefault(r["outcome"], []).append(nodeid)
    passed = outcomes.get("passed", [])
    failed = outcomes.get("failed", [])
    skipped = outcomes.get("skipped", [])
    errors = outcomes.get("error", [])

    problems = list(expected_problems)
    if exit_code not in (0, 1):
        problems.append(f"pytest exited with {exit_code} (interrupted, internal or usage error, or no tests): see its output")
    elif exit_code == 1 and not failed and not skipped and not errors:
        problems.append("pytest exited with 1 but no test failed: see its output")
    elif exit_code == 0 and failed:
        problems.append(f"pytest exited with 0 but {len(failed)} tests failed")
    lifted = results.get("lifted")
    if not lifted or not lifted[0]:
        problems.append('no test had its "Mock server tests are disabled" skip lifted')
    if not tests:
        problems.append("no test ran")
    for nodeid in sorted(errors):
        problems.append(f"collection error in {nodeid}:\n{first_lines(tests[nodeid]['message'])}")
    for nodeid in sorted(skipped):
        problems.append(f"skipped (no test may be skipped): {nodeid}: {tests[nodeid]['message']}")

    patterns = {e: pattern_regex(e) for e in expected if is_pattern(e)}
    exact = {e for e in expected if not is_pattern(e)}
    unlisted = sorted(n for n in failed if not listed(n, exact, patterns))
    passing = sorted(n for n in exact if tests.get(n, {}).get("outcome") == "passed")
    not_run = sorted(n for n in exact if n not in tests)
    for entry, regex in patterns.items():
        matched = [n for n in tests if regex.match(n)]
        if not matched:
            not_run.append(entry)
        passing += sorted(f"{n} (matched by {entry})" for n in matched if tests[n]["outcome"] == "passed")

    expected_failed = len(failed) - len(unlisted)
    summary = f"sdk-tests ({label}): {len(passed)} passed, {len(failed)} failed"
    if expected:
        summary += f" ({expected_failed} of them expected, {len(expected)} listed)"
    if skipped:
        summary += f", {len(skipped)} skipped"
    if errors:
        summary += f", {len(errors)} collection errors"
    mismatches = len(unlisted) + len(passing) + len(not_run) + len(problems)
    lines = [summary + ("" if mismatches == 0 else f"; {mismatches} mismatches:")]
    lines += [f"  - {p}" for p in problems]
    for n in unlisted[:MAX_DETAILED]:
        lines.append(f"  - failed but not listed in {expected_path}: {n}\n{first_lines(tests[n]['message'])}")
    if len(unlisted) > MAX_DETAILED:
        lines.append(f"  - ... and {len(unlisted) - MAX_DETAILED} more failed but not listed; by first error line:")
        groups = Counter(first_error(tests[n]["message"]) for n in unlisted)
        for error, count in groups.most_common(MAX_GROUPS):
            lines.append(f"      {count:5d}  {error}")
        if len(groups) > MAX_GROUPS:
            lines.append(f"      ... and {len(groups) - MAX_GROUPS} other error lines")
    for n in passing:
        reason = expected.get(n) or expected.get(n.partition(" (matched by ")[2].rstrip(")"), "")
        lines.append(f"  - listed in {expected_path} but passed (remove it): {n}  # {reason}")
    for n in not_run:
        lines.append(f"  - listed in {expected_path} but not run (no such test): {n}")
    return mismatches == 0, lines


def failures_file(results, label):
    """Every failed test of the run, in the expected-failures format (a draft)."""
    tests = results.get("tests", {})
    failed = sorted(n for n, r in tests.items() if r["outcome"] == "failed")
    out = [
        f"# Draft expected failures of the avara 0.3.0 SDK's tests/api_resources against {label},",
        "# written by run.sh --write-failures: each reason is the test's first error line;",
        "# replace it with why the server fails the test before committing this file.",
    ]
    out += [f"{n}  # {first_error(tests[n]['message'])}" for n in failed]
    return "\n".join(out) + "\n"


def main(argv):
    write_failures = None
    if "--write-failures" in argv:
        i = argv.index("--write-failures")
        if i + 1 >= len(argv):
            sys.exit("compare.py: --write-failures needs a FILE")
        write_failures = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if len(argv) != 4:
        sys.exit("usage: compare.py RESULTS_JSON EXPECTED_FAILURES LABEL PYTEST_EXIT_CODE [--write-failures FILE]")
    results_path, expected_path, label, exit_code = argv
    expected, problems = read_expected(expected_path)
    try:
        with open(results_path) as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        results = {"lifted": None, "tests": {}}
        problems.append(f"no results from pytest ({e})")
    ok, lines = compare(results, expected, problems, int(exit_code), label, expected_path)
    print("\n".join(lines))
    if write_failures:
        with open(write_failures, "w") as f:
            f.write(failures_file(results, label))
        print(f"sdk-tests ({label}): the tests that failed are written to {write_failures} (a draft: edit each reason)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
