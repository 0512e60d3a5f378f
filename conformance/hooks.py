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


# Every list operation's cursor protocol, read from the spec's pagination
# extension: the query parameter that takes a cursor and the answer's field
# that gives the next one.
_PAGINATION = [
    operation["x-avara-pagination"]
    for item in _SPEC["paths"].values()
    for operation in item.values()
    if isinstance(operation, dict) and "x-avara-pagination" in operation
]
CURSOR_PARAMS = {p["requestCursorParam"] for p in _PAGINATION}
NEXT_CURSOR_FIELDS = {p["nextCursorField"] for p in _PAGINATION}

# The cursors the server has issued in this run.
_ISSUED: set[str] = set()


@schemathesis.hook
def filter_query(ctx, query):
    """Drop made-up list cursors from generated queries.

    A cursor is opaque: only one the server issued is valid, and the spec can
    only say "a string". Real cursors still reach the server through the
    stateful phase's `NextPage` link, which passes back `$response.body#/cursor`.
    """
    if isinstance(query, dict) and CURSOR_PARAMS.intersection(query):
        return False
    return True


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Leave out a cursor the server never issued.

    The examples and coverage phases send the spec's example cursor (taken
    from the official SDK's tests) without the filter above; this server
    rightly refuses a cursor it did not issue, which is the same rule.
    """
    query = case.query
    if not isinstance(query, dict):
        return
    for name in CURSOR_PARAMS.intersection(query):
        value = query[name]
        if not (isinstance(value, str) and value in _ISSUED):
            del query[name]


@schemathesis.hook
def after_call(ctx, case, response):
    """Remember the cursors the server issues, for `before_call`."""
    try:
        body = response.json()
    except Exception:
        return
    if isinstance(body, dict):
        for field in NEXT_CURSOR_FIELDS:
            if isinstance(body.get(field), str):
                _ISSUED.add(body[field])
