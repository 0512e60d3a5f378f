"""Schemathesis hooks for the conformance run in .ci/run.

Each filter removes exactly one class of generated request whose rule the
OpenAPI 3.0 spec cannot express, so that schemathesis does not report the
server's correct rejection of it as a failure. The server still enforces both
rules (avara-mock's own tests cover them).
"""

import pathlib

import schemathesis
import yaml

_SPEC = yaml.safe_load(
    (pathlib.Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml").read_text()
)
# The metadata key limit, read from the spec's vendor extension so that it is
# written in one place: OpenAPI 3.0 has no `propertyNames` to bound map keys.
MAX_KEY_LENGTH = _SPEC["components"]["schemas"]["Metadata"]["x-avara-max-key-length"]


@schemathesis.hook
def filter_body(ctx, body):
    """Drop bodies whose metadata has a key longer than the documented limit."""
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if isinstance(metadata, dict):
        return all(len(key) <= MAX_KEY_LENGTH for key in metadata)
    return True


# Every cursor query parameter, read from the spec's pagination extension.
CURSOR_PARAMS = {
    operation["x-avara-pagination"]["requestCursorParam"]
    for item in _SPEC["paths"].values()
    for operation in item.values()
    if isinstance(operation, dict) and "x-avara-pagination" in operation
}


@schemathesis.hook
def filter_query(ctx, query):
    """Drop made-up list cursors.

    A cursor is opaque: only one the server issued is valid, and the spec can
    only say "a string". Real cursors still reach the server through the
    stateful phase's `NextPage` link, which passes back `$response.body#/cursor`.
    """
    if isinstance(query, dict) and CURSOR_PARAMS.intersection(query):
        return False
    return True
