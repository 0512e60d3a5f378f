"""Tests of lift_skips.py, the pytest plugin that lifts exactly the "Mock
server tests are disabled" skips, on small test files of our own. They run
pytest from the pinned venv (.venv, which run.sh installs) and are skipped
when it is missing, unless SDK_TESTS_SELFTEST_STRICT=1 (as in CI, after the
Prism run has installed it):

    python3 -m unittest discover -s conformance/sdk-tests -p 'test_*.py'
"""
import json
import os
import subprocess
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PYTHON = os.path.join(HERE, ".venv", "bin", "python")

HEADER = """
import pytest
lifted = pytest.mark.skip(reason="Mock server tests are disabled")
"""


def pytest_run(files, xdist=False, env_extra=None):
    """Runs pytest with lift_skips on FILES ({name: source}); returns
    (exit code, output, results)."""
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "tests"))
        for name, source in files.items():
            with open(os.path.join(d, "tests", name), "w") as f:
                f.write(HEADER + textwrap.dedent(source))
        results = os.path.join(d, "results.json")
        env = dict(os.environ, SDK_TESTS_RESULTS=results, PYTHONPATH=HERE, PYTHONDONTWRITEBYTECODE="1")
        env.pop("SDK_TESTS_AVARA_VERSION", None)
        env.pop("SDK_TESTS_RESET_URL", None)
        env.update(env_extra or {})
        args = [VENV_PYTHON, "-m", "pytest", "-p", "lift_skips", "-p", "no:cacheprovider", "-q", "tests"]
        if xdist:
            args[3:3] = ["-n", "2"]
        p = subprocess.run(args, cwd=d, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        try:
            with open(results) as f:
                res = json.load(f)
        except OSError:
            res = None
        return p.returncode, p.stdout + p.stderr, res


SUITE = {
    "test_a.py": """
    @lifted
    def test_lifted_passes():
        pass

    @lifted
    def test_lifted_fails():
        assert False, "it ran"

    class TestClass:
        @lifted
        @pytest.mark.parametrize("x", [1, 2], ids=["loose", "strict"])
        def test_param(self, x):
            pass

    def test_never_skipped():
        pass
    """,
}


@unittest.skipUnless(
    os.path.exists(VENV_PYTHON) or os.environ.get("SDK_TESTS_SELFTEST_STRICT") == "1",
    f"no {VENV_PYTHON} (run.sh installs it)",
)
class LiftSkipsTest(unittest.TestCase):
    def check_suite(self, xdist):
        code, out, res = pytest_run(SUITE, xdist=xdist)
        self.assertEqual(code, 1, out)  # test_lifted_fails ran and failed
        self.assertEqual(res["lifted"], [4, 5], out)
        outcomes = {k.split("::", 1)[1]: v["outcome"] for k, v in res["tests"].items()}
        self.assertEqual(outcomes, {
            "test_lifted_passes": "passed",
            "test_lifted_fails": "failed",
            "TestClass::test_param[loose]": "passed",
            "TestClass::test_param[strict]": "passed",
            "test_never_skipped": "passed",
        })
        self.assertIn("it ran", res["tests"]["tests/test_a.py::test_lifted_fails"]["message"])
        self.assertIn('lift_skips: lifted "Mock server tests are disabled" from 4 of 5 tests', out)

    def test_lifts_exactly_the_mock_server_skips(self):
        self.check_suite(xdist=False)

    def test_lifts_under_xdist(self):
        self.check_suite(xdist=True)

    def test_another_skip_fails_the_run(self):
        code, out, res = pytest_run({"test_b.py": """
        @lifted
        def test_lifted():
            pass

        @pytest.mark.skip(reason="aiohttp client is not compatible with respx_mock")
        def test_other_skip():
            pass
        """})
        self.assertEqual(code, 1, out)
        self.assertEqual(res["tests"]["tests/test_b.py::test_other_skip"]["outcome"], "skipped")
        self.assertIn("lift_skips: 1 tests still skipped (not allowed)", out)

    def test_the_server_is_reset_before_each_test(self):
        import http.server
        import threading

        resets = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                resets.append((self.path, self.headers.get("Authorization")))
                self.send_response(200 if self.path == "/_mock/reset" else 500)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            code, out, res = pytest_run(SUITE, env_extra={"SDK_TESTS_RESET_URL": f"{base}/_mock/reset"})
            self.assertEqual(code, 1, out)
            self.assertEqual(resets, [("/_mock/reset", "Bearer My API Key")] * 5, out)
            # A reset that fails ends the run, naming the test it was for.
            resets.clear()
            code, out, res = pytest_run(SUITE, env_extra={"SDK_TESTS_RESET_URL": f"{base}/broken"})
            self.assertEqual(code, 3, out)
            self.assertEqual(len(resets), 1, out)
            self.assertIn("resetting the server at", out)
            self.assertIn("before tests/test_a.py::", out)
        finally:
            server.shutdown()

    def test_nothing_to_lift_is_a_usage_error(self):
        code, out, res = pytest_run({"test_c.py": """
        def test_plain():
            pass
        """})
        self.assertEqual(code, 4, out)
        self.assertIn("nothing lifted", out)


if __name__ == "__main__":
    unittest.main()
