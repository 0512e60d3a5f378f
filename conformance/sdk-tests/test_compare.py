"""Tests of compare.py, the expected-failures comparison (standard library only):

    python3 -m unittest discover -s conformance/sdk-tests -p 'test_*.py'
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

A = "tests/api_resources/test_express.py::TestExpress::test_method_create[loose]"
B = "tests/api_resources/test_express.py::TestExpress::test_method_create[strict]"
C = "tests/api_resources/test_express.py::TestAsyncExpress::test_method_create[aiohttp]"
ERROR = "call: ...\nE   avara.AuthenticationError: Error code: 401 - {'error': 'unauthorized'}\nE   more"


def results(**outcomes):
    """A results file's content: {nodeid: outcome}, all lifted."""
    tests = {}
    for outcome, nodeids in outcomes.items():
        for n in nodeids:
            tests[n] = {"outcome": outcome, "message": ERROR if outcome == "failed" else ""}
    return {"lifted": [len(tests), len(tests)], "tests": tests}


def run(res, expected_text="", exit_code=None):
    expected, problems = compare.parse_expected(expected_text)
    if exit_code is None:
        exit_code = 1 if any(r["outcome"] == "failed" for r in res["tests"].values()) else 0
    return compare.compare(res, expected, problems, exit_code, "test")


class CompareTest(unittest.TestCase):
    def test_all_passed_nothing_listed(self):
        ok, lines = run(results(passed=[A, B, C]))
        self.assertTrue(ok)
        self.assertEqual(lines, ["sdk-tests (test): 3 passed, 0 failed"])

    def test_listed_failure_is_expected(self):
        ok, lines = run(results(passed=[A, C], failed=[B]), f"# comment\n\n{B}  # the mock answers 401\n")
        self.assertTrue(ok, lines)
        self.assertEqual(lines, ["sdk-tests (test): 2 passed, 1 failed (1 of them expected, 1 listed)"])

    def test_unlisted_failure_is_an_error(self):
        ok, lines = run(results(passed=[A, C], failed=[B]))
        self.assertFalse(ok)
        self.assertIn("1 mismatches", lines[0])
        self.assertIn(f"failed but not listed in <expected>: {B}", lines[1])
        self.assertIn("AuthenticationError", lines[1])

    def test_listed_test_that_passes_is_an_error(self):
        ok, lines = run(results(passed=[A, B, C]), f"{B}  # was broken\n")
        self.assertFalse(ok)
        self.assertIn(f"listed in <expected> but passed (remove it): {B}  # was broken", lines[1])

    def test_listed_test_that_does_not_exist_is_an_error(self):
        missing = "tests/api_resources/test_express.py::TestExpress::test_nothing[loose]"
        ok, lines = run(results(passed=[A, B, C]), f"{missing}  # typo\n")
        self.assertFalse(ok)
        self.assertIn(f"listed in <expected> but not run (no such test): {missing}", lines[1])

    def test_a_pattern_lists_every_test_it_matches(self):
        pattern = "tests/api_resources/test_express.py::*::test_method_create[*]"
        ok, lines = run(results(failed=[A, B, C]), f"{pattern}  # one kind of failure\n")
        self.assertTrue(ok, lines)
        self.assertEqual(lines, ["sdk-tests (test): 0 passed, 3 failed (3 of them expected, 1 listed)"])
        # `[` and `.` are literal: `[loose]` matches only the loose client.
        ok, lines = run(results(passed=[B, C], failed=[A]), "tests/api_resources/test_express.py::*[loose]  # x\n")
        self.assertTrue(ok, lines)

    def test_a_pattern_that_matches_a_passing_test_or_nothing_is_an_error(self):
        pattern = "tests/api_resources/test_express.py::TestExpress::*"
        ok, lines = run(results(passed=[A], failed=[B, C]), f"{pattern}  # too wide\n{C}  # x\n")
        self.assertFalse(ok)
        self.assertIn(f"but passed (remove it): {A} (matched by {pattern})  # too wide", "\n".join(lines))
        nothing = "tests/api_resources/test_nothing.py::*"
        ok, lines = run(results(passed=[A, C], failed=[B]), f"{B}  # x\n{nothing}  # typo\n")
        self.assertFalse(ok)
        self.assertIn(f"not run (no such test): {nothing}", "\n".join(lines))

    def test_entry_without_reason_is_an_error(self):
        ok, lines = run(results(passed=[A, C], failed=[B]), f"{B}\n")
        self.assertFalse(ok)
        self.assertIn("no `  # reason`", lines[1])
        ok, _ = run(results(passed=[A, C], failed=[B]), f"{B}  #   \n")
        self.assertFalse(ok)

    def test_entry_listed_twice_or_malformed_is_an_error(self):
        ok, lines = run(results(passed=[A, C], failed=[B]), f"{B}  # x\n{B}  # y\n")
        self.assertFalse(ok)
        self.assertIn("listed twice", "\n".join(lines))
        ok, lines = run(results(passed=[A, C], failed=[B]), f"{B}  # x\ntest_method_create  # y\n")
        self.assertFalse(ok)
        self.assertIn("not a test node id", "\n".join(lines))

    def test_skipped_test_is_an_error(self):
        res = results(passed=[A, B], skipped=[C])
        ok, lines = run(res, exit_code=1)
        self.assertFalse(ok)
        self.assertIn(f"skipped (no test may be skipped): {C}", "\n".join(lines))

    def test_collection_error_is_an_error(self):
        res = results(passed=[A, B], error=["tests/api_resources/test_express.py"])
        ok, lines = run(res, exit_code=2)
        self.assertFalse(ok)
        self.assertIn("collection error in tests/api_resources/test_express.py", "\n".join(lines))

    def test_abnormal_pytest_exit_is_an_error(self):
        for code in (2, 3, 4, 5):
            ok, lines = run(results(passed=[A, B, C]), exit_code=code)
            self.assertFalse(ok, code)
            self.assertIn(f"pytest exited with {code}", lines[1])
        ok, lines = run(results(passed=[A, B, C]), exit_code=1)
        self.assertFalse(ok)
        self.assertIn("pytest exited with 1 but no test failed", lines[1])

    def test_nothing_lifted_or_nothing_run_is_an_error(self):
        res = results(passed=[A, B, C])
        res["lifted"] = [0, 3]
        ok, lines = run(res)
        self.assertFalse(ok)
        self.assertIn("no test had its", lines[1])
        ok, lines = run({"lifted": None, "tests": {}}, exit_code=0)
        self.assertFalse(ok)
        self.assertIn("no test ran", "\n".join(lines))

    def test_many_unlisted_failures_are_grouped_by_error(self):
        many = [f"tests/api_resources/test_x.py::TestX::test_{i}[loose]" for i in range(compare.MAX_DETAILED + 5)]
        ok, lines = run(results(failed=many))
        self.assertFalse(ok)
        text = "\n".join(lines)
        self.assertIn("... and 5 more failed but not listed; by first error line:", text)
        self.assertIn(f"{len(many):5d}  avara.AuthenticationError: Error code: 401", text)

    def test_written_failures_are_a_valid_expected_file_that_agrees(self):
        res = results(passed=[A], failed=[B, C])
        draft = compare.failures_file(res, "test")
        expected, problems = compare.parse_expected(draft)
        self.assertEqual(problems, [])
        self.assertEqual(sorted(expected), [C, B])
        self.assertTrue(expected[B].startswith("avara.AuthenticationError: Error code: 401"))
        ok, lines = compare.compare(res, expected, problems, 1, "test")
        self.assertTrue(ok, lines)

    def test_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            res_path, exp_path, draft = (os.path.join(d, f) for f in ("results.json", "expected.txt", "draft.txt"))
            with open(res_path, "w") as f:
                json.dump(results(passed=[A, C], failed=[B]), f)
            with open(exp_path, "w") as f:
                f.write(f"{B}  # the mock answers 401\n")
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare.py")
            ok = subprocess.run([sys.executable, script, res_path, exp_path, "cli", "1", "--write-failures", draft],
                                capture_output=True, text=True)
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            self.assertTrue(ok.stdout.startswith("sdk-tests (cli): 2 passed, 1 failed (1 of them expected, 1 listed)"))
            with open(draft) as f:
                self.assertIn(f"{B}  # avara.AuthenticationError", f.read())
            with open(exp_path, "w") as f:
                f.write("")
            bad = subprocess.run([sys.executable, script, res_path, exp_path, "cli", "1"], capture_output=True, text=True)
            self.assertEqual(bad.returncode, 1)
            missing = subprocess.run([sys.executable, script, os.path.join(d, "none.json"), exp_path, "cli", "2"],
                                     capture_output=True, text=True)
            self.assertEqual(missing.returncode, 1)
            self.assertIn("no results from pytest", missing.stdout)


if __name__ == "__main__":
    unittest.main()
