"""pytest plugin (loaded with -p lift_skips) for the avara SDK's own tests.

- At collection, removes exactly the skip markers whose reason is
  LIFTED_REASON ("Mock server tests are disabled") from the collected tests
  and their classes and modules, without touching the SDK's files. It fails
  the run if it lifted none.
- After the run, fails it if any test was still skipped (for another reason).
- Before each test, when SDK_TESTS_RESET_URL is set, POSTs to it with the
  tests' API key (avara-mock's `/_mock/reset`: every test starts from the
  server's initial state); a reset that fails ends the run.
- Checks that avara is imported from site-packages (not from a source tree),
  at version SDK_TESTS_AVARA_VERSION when that is set.
- Writes every test's outcome to the JSON file named by SDK_TESTS_RESULTS
  (when set), for compare.py: {"lifted": [lifted, collected], "tests":
  {nodeid: {"outcome": ..., "message": ...}}}.
  Under pytest-xdist this happens in the controller, which gets every report.
"""
from __future__ import annotations

import json
import os

import pytest

LIFTED_REASON = "Mock server tests are disabled"
# The API key the SDK's tests use (tests/api_resources: api_key = "My API Key").
TESTS_API_KEY = "My API Key"


def pytest_runtest_setup(item):
    url = os.environ.get("SDK_TESTS_RESET_URL")
    if not url:
        return
    import urllib.request

    request = urllib.request.Request(
        url, data=b"", method="POST", headers={"Authorization": f"Bearer {TESTS_API_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except Exception as e:  # noqa: BLE001 - any failure ends the run, with its reason
        pytest.exit(f"lift_skips: resetting the server at {url} before {item.nodeid} failed: {e}", returncode=3)


def _is_lifted(mark) -> bool:
    if mark.name != "skip":
        return False
    reason = mark.kwargs.get("reason", mark.args[0] if mark.args else None)
    return reason == LIFTED_REASON


def _lift(node) -> int:
    lifted = 0
    kept = []
    for mark in node.own_markers:
        if _is_lifted(mark):
            lifted += 1
        else:
            kept.append(mark)
    node.own_markers[:] = kept
    return lifted


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    items_lifted = 0
    for item in items:
        if any(_is_lifted(m) for m in item.iter_markers("skip")):
            items_lifted += 1
        for node in item.listchain():  # the test, its class, module, package
            _lift(node)
        if any(_is_lifted(m) for m in item.iter_markers("skip")):
            raise pytest.UsageError(f"lift_skips: a lifted skip marker remains on {item.nodeid}")
    if items and not items_lifted:
        raise pytest.UsageError(f'lift_skips: no test was skipped with reason "{LIFTED_REASON}": nothing lifted')
    if hasattr(config, "workerinput"):  # an xdist worker: tell the controller
        config.workeroutput["lift_skips"] = [items_lifted, len(items)]
    else:
        _recorder(config).collected(items_lifted, len(items))


def _recorder(config):
    return config.pluginmanager.get_plugin("lift_skips_recorder")


class _Recorder:
    def __init__(self, config, path):
        self.config = config
        self.path = path
        self.results = {}
        self.skipped = []
        self.lifted = None  # [tests lifted, tests collected]

    def collected(self, lifted, total):
        if self.lifted is None:
            self.lifted = [lifted, total]

    def pytest_terminal_summary(self, terminalreporter):
        if self.lifted:
            lifted, total = self.lifted
            terminalreporter.write_line(f'lift_skips: lifted "{LIFTED_REASON}" from {lifted} of {total} tests')
        if self.skipped:
            terminalreporter.write_line(f"lift_skips: {len(self.skipped)} tests still skipped (not allowed):", red=True)
            for nodeid, reason in self.skipped[:20]:
                terminalreporter.write_line(f"  {nodeid}: {reason}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):  # xdist: a worker has finished
        out = getattr(node, "workeroutput", {}).get("lift_skips")
        if out:
            self.collected(*out)

    def pytest_runtest_logreport(self, report):
        entry = self.results.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
        if report.failed:
            if entry["outcome"] != "failed":
                entry["outcome"] = "failed"
                entry["message"] = f"{report.when}: {report.longreprtext}"
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            entry["message"] = reason
            self.skipped.append((report.nodeid, reason))

    def pytest_collectreport(self, report):
        if report.failed:
            self.results[report.nodeid or "<collection>"] = {
                "outcome": "error",
                "message": f"collection: {report.longreprtext}",
            }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if self.skipped:
            if session.exitstatus in (0, pytest.ExitCode.OK):
                session.exitstatus = 1
        if self.path:
            with open(self.path, "w") as f:
                json.dump({"lifted": self.lifted, "tests": self.results}, f, indent=1, sort_keys=True)


def pytest_configure(config):
    _check_avara(config)
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(config, os.environ.get("SDK_TESTS_RESULTS")), "lift_skips_recorder")


def _check_avara(config):
    """The tests must exercise the installed avara, at the expected version."""
    import avara

    expected = os.environ.get("SDK_TESTS_AVARA_VERSION")
    if expected and avara.__version__ != expected:
        raise pytest.UsageError(f"lift_skips: avara {avara.__version__} is installed, expected {expected}")
    location = os.path.realpath(avara.__file__)
    if "site-packages" not in location.split(os.sep) or location.startswith(str(config.rootpath) + os.sep):
        raise pytest.UsageError(f"lift_skips: avara is imported from {location}, not from the installed package")
