#!/usr/bin/env python3
"""Writes vectors.json: webhook deliveries signed by the official Python
`standardwebhooks` library, for the tests of `avara::webhooks`
(generated-client/tests/webhooks.rs).

Run by hand, not by the tests (they read the committed vectors.json):

    python3 -m venv /tmp/vectors-venv
    /tmp/vectors-venv/bin/pip install --require-hashes --no-deps \
        -r generated-client/tests/webhooks/requirements.txt
    /tmp/vectors-venv/bin/python generated-client/tests/webhooks/make_vectors.py

The event bodies are the examples of the spec's `x-webhooks` (read from
spec/openapi.yaml, found by walking up from this file), so the vectors
follow the spec when it changes: rerun the script then. Every case records
what the Python library itself says about it (`python`), checked at the
moment it is signed, so the Rust tests compare against the library's verdict
and not against this script's opinion. Keys, ids and the clock are fixed
(`NOW` below), so rerunning the script changes the file only when the spec
or the library does.
"""

import base64
import importlib.metadata
import json
import pathlib
from datetime import datetime, timezone
from unittest import mock

import yaml
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HERE = pathlib.Path(__file__).resolve().parent
# A fixed signing clock (2026-12-04T12:00:00Z), so the file is reproducible;
# the Rust tests verify at this instant with `unwrap_at`.
NOW = 1796385600
KEY = "whsec_" + base64.b64encode(bytes(range(32))).decode()
WRONG_KEY = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
MSG_ID = "msg_2p5CnVaYv4DGS8Vd8JfSHHqKJrq"


def workspace_root() -> pathlib.Path:
    for parent in [HERE, *HERE.parents]:
        if (parent / "spec" / "openapi.yaml").is_file() and (parent / "Cargo.toml").is_file():
            return parent
    raise SystemExit("make_vectors.py: no spec/openapi.yaml above " + str(HERE))


def at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def sign(key: str, msg_id: str, ts: int, body: str) -> str:
    return Webhook(key).sign(msg_id=msg_id, timestamp=at(ts), data=body)


def python_verdict(key: str, body: str, headers: dict) -> str:
    """What the library says, with its clock at NOW: "ok" or the error."""
    with mock.patch("standardwebhooks.webhooks.datetime") as clock:
        clock.now.return_value = at(NOW)
        clock.fromtimestamp.side_effect = datetime.fromtimestamp
        try:
            Webhook(key).verify(body, headers, json_parse=False)
            return "ok"
        except WebhookVerificationError as e:
            return f"WebhookVerificationError: {e}"
        except Exception as e:  # a malformed key or header
            return f"{type(e).__name__}: {e}"


def headers(msg_id=MSG_ID, ts=NOW, signature=None):
    h = {"webhook-id": msg_id, "webhook-timestamp": str(ts)}
    if signature is not None:
        h["webhook-signature"] = signature
    return h


def main() -> None:
    spec = yaml.safe_load((workspace_root() / "spec" / "openapi.yaml").read_text())
    events = []
    for event_type, item in spec["x-webhooks"].items():
        op = item["post"]
        media = op["requestBody"]["content"]["application/json"]
        example = media["example"]
        if example.get("type") != event_type:
            raise SystemExit(f"make_vectors.py: the example of {event_type} has type {example.get('type')!r}")
        answer = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        # The body exactly as sent: compact JSON, and the bytes are what is signed.
        body = json.dumps(example, separators=(",", ":"), ensure_ascii=False)
        signature = sign(KEY, MSG_ID, NOW, body)
        h = headers(signature=signature)
        events.append(
            {
                "type": event_type,
                "operationId": op["operationId"],
                "answerSchema": answer.rsplit("/", 1)[1],
                "body": body,
                "headers": h,
                "python": python_verdict(KEY, body, h),
            }
        )

    first = events[0]["body"]
    good = sign(KEY, MSG_ID, NOW, first)
    bad = sign(WRONG_KEY, MSG_ID, NOW, first)
    pretty = json.dumps(json.loads(first), indent=2)
    unknown = json.dumps(
        {"id": "whe_00000000000000000000000000000000", "type": "study.teleported", "data": {}},
        separators=(",", ":"),
    )
    not_json = '{"id": "whe_0", "type": '
    wrong_shape = json.dumps({"id": "whe_1234567890abcdef1234567890abcdef", "type": events[2]["type"], "data": {"isCritical": "no"}})
    stale, future = NOW - 301, NOW + 301
    cases = []

    def case(name, body, h, key=KEY, expect=None):
        cases.append(
            {
                "name": name,
                "key": key,
                "body": body,
                "headers": h,
                "python": python_verdict(key, body, h),
                "expect": expect,
            }
        )

    case("valid", first, headers(signature=good), expect="ok")
    case("valid, pretty-printed body", pretty, headers(signature=sign(KEY, MSG_ID, NOW, pretty)), expect="ok")
    case("tampered body", first.replace("stu_", "stv_", 1), headers(signature=good), expect="no valid signature")
    case("tampered id", first, headers(msg_id=MSG_ID + "x", signature=good), expect="no valid signature")
    case("tampered timestamp", first, headers(ts=NOW + 1, signature=good), expect="no valid signature")
    case("wrong key", first, headers(signature=good), key=WRONG_KEY, expect="no valid signature")
    case("stale timestamp", first, headers(ts=stale, signature=sign(KEY, MSG_ID, stale, first)), expect="stale")
    case("future timestamp", first, headers(ts=future, signature=sign(KEY, MSG_ID, future, first)), expect="future")
    edge = NOW - 300
    case("timestamp exactly 5 minutes old", first, headers(ts=edge, signature=sign(KEY, MSG_ID, edge, first)), expect="ok")
    for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"]:
        h = headers(signature=good)
        del h[missing]
        case(f"missing {missing}", first, h, expect=f"missing {missing}")
    case("several signatures, the last valid", first, headers(signature=f"{bad} v2,{good.split(',')[1]} {good}"), expect="ok")
    case("several signatures, the first valid", first, headers(signature=f"{good} {bad}"), expect="ok")
    case("several signatures, none valid", first, headers(signature=f"{bad} v2,{good.split(',')[1]}"), expect="no valid signature")
    case("malformed key", first, headers(signature=good), key="whsec_not*base64!", expect="malformed key")
    case("key without the whsec_ prefix", first, headers(signature=good), key=KEY[len("whsec_"):], expect="ok")
    case("malformed timestamp", first, headers(ts="soon", signature=good), expect="invalid webhook-timestamp")
    case("unknown event type", unknown, headers(signature=sign(KEY, MSG_ID, NOW, unknown)), expect="unknown type")
    case("malformed JSON", not_json, headers(signature=sign(KEY, MSG_ID, NOW, not_json)), expect="not JSON")
    case("an event of the wrong shape", wrong_shape, headers(signature=sign(KEY, MSG_ID, NOW, wrong_shape)), expect="not an event")

    out = {
        "generator": "generated-client/tests/webhooks/make_vectors.py",
        "library": f"standardwebhooks {importlib.metadata.version('standardwebhooks')} (Python)",
        "now": NOW,
        "key": KEY,
        "wrongKey": WRONG_KEY,
        "events": events,
        "cases": cases,
    }
    (HERE / "vectors.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {HERE / 'vectors.json'}: {len(events)} events, {len(cases)} cases")


if __name__ == "__main__":
    main()
