#!/usr/bin/env python3
"""Compares a run of the SDK's tests (the results file lift_skips.py writes)
with an expected-failures file, prints one summary line and the mismatches,
and exits 0 only when they agree:

- every test that failed is listed, and every listed test failed;
- a listed test that passed is an error (remove it from the list);
- a listed test that was not run (unknown id) is an error;
- no test was skipped, nothing failed to collect, and some tests were lifted;
- pytest itself exited normally (0, or 1 for failed tests).

    compare.py RESULTS_JSON EXPECTED_FAILURES LABEL PYTEST_EXIT_CODE

The expected-failures file has one test node id a line, each followed by
`  # reason` (required); blank lines and lines starting with `#` are ignored:

    tests/api_resources/test_express.py::TestExpress::test_method_create[loose]  # why
"""
import json
import re
import sys

MAX_LINES = 4  # lines of each failure to show
MAX_WIDTH = 300  # characters of each line


def read_expected(path):
    expected, problems = {}, []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            nodeid, sep, reason = line.partition(" #")
            nodeid, reason = nodeid.strip(), reason.strip()
            if not sep or not reason:
                problems.append(f"{path}:{n}: no `# reason` after the test id: {line}")
            if nodeid in expected:
                problems.append(f"{path}:{n}: listed twice: {nodeid}")
            if not re.match(r"^tests/\S+::\S+$", nodeid):
                problems.append(f"{path}:{n}: not a test node id (tests/...py::Class::test[param]): {nodeid}")
            expected[nodeid] = reason
    return expected, problems


def first_lines(message):
    """The error lines of a failure (pytest's `E ` lines), else its first lines."""
    lines = [l for l in message.splitlines() if l.strip()]
    errors = [l for l in lines if l.lstrip().startswith("E ")]
    shown = (errors or lines)[:MAX_LINES]
    return "\n".join("      " + (l.strip() if len(l.strip()) <= MAX_WIDTH else l.strip()[:MAX_WIDTH] + "...") for l in shown)


def main():
    results_path, expected_path, label, exit_code = sys.argv[1:5]
    exit_code = int(exit_code)
    expected, problems = read_expected(expected_path)
    try:
        with open(results_path) as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        results = {"lifted": None, "tests": {}}
        problems.append(f"no results from pytest ({e})")
    tests = results["tests"]
    outcomes = {}
    for nodeid, r in tests.items():
        outcomes.setdefault(r["outcome"], []).append(nodeid)
    passed = outcomes.get("passed", [])
    failed = outcomes.get("failed", [])
    skipped = outcomes.get("skipped", [])
    errors = outcomes.get("error", [])

    if exit_code not in (0, 1):
        problems.append(f"pytest exited with {exit_code} (interrupted, internal or usage error, or no tests): see its output above")
    lifted = results.get("lifted")
    if not lifted or not lifted[0]:
        problems.append('no test had its "Mock server tests are disabled" skip lifted')
    for nodeid in errors:
        problems.append(f"collection error in {nodeid}:\n{first_lines(tests[nodeid]['message'])}")
    for nodeid in skipped:
        problems.append(f"skipped (no test may be skipped): {nodeid}: {tests[nodeid]['message']}")

    unlisted = [n for n in failed if n not in expected]
    passing = [n for n in expected if tests.get(n, {}).get("outcome") == "passed"]
    not_run = [n for n in expected if n not in tests]

    expected_failed = len(failed) - len(unlisted)
    summary = f"sdk-tests ({label}): {len(passed)} passed, {len(failed)} failed"
    if expected:
        summary += f" ({expected_failed} of them expected, {len(expected)} listed)"
    if skipped:
        summary += f", {len(skipped)} skipped"
    if errors:
        summary += f", {len(errors)} collection errors"
    mismatches = len(unlisted) + len(passing) + len(not_run) + len(problems)
    print(summary + ("" if mismatches == 0 else f"; {mismatches} mismatches:"))
    for p in problems:
        print(f"  - {p}")
    for n in sorted(unlisted):
        print(f"  - failed but not listed in {expected_path}: {n}\n{first_lines(tests[n]['message'])}")
    for n in sorted(passing):
        print(f"  - listed in {expected_path} but passed (remove it): {n}  # {expected[n]}")
    for n in sorted(not_run):
        print(f"  - listed in {expected_path} but not run (no such test): {n}")
    return 1 if mismatches else 0


sys.exit(main())
