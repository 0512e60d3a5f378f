#!/usr/bin/env python3
"""Extract the Avara API's facts from the official Python SDK, by introspection.

Run inside a virtualenv that has the pinned ``avara==0.3.0`` installed (see
requirements.txt and check.sh); this script installs nothing. It imports the
package and reads the API from the objects themselves:

* operations: the client's resource attributes are walked; every resource
  method is *called* on a client whose httpx transport is an
  ``httpx.MockTransport`` that records the request and answers nothing. The
  recorded request gives the HTTP method, the path (placeholder path ids are
  mapped back to a ``{param}`` template), the query string and the JSON body.
  The params TypedDict a method hands to ``maybe_transform`` and the
  ``cast_to`` type it hands to ``client.request`` are recorded on the way.
  Each method is called twice: with its required arguments only, and with
  every argument filled in from its type, and the wire names seen in the
  request must be exactly the ones the TypedDict declares.
* types: ``typing.get_type_hints(include_extras=True)`` on the params
  TypedDicts (``Required[...]``, ``PropertyInfo(alias=...)``), pydantic
  ``model_fields`` on the response models, the page classes of
  ``avara.pagination`` (executed to find their items, cursor and hasMore
  fields and the request's cursor parameter), ``avara.types.UnwrapWebhookEvent``
  for the webhook events.
* descriptions: the methods' docstrings, and the attribute docstrings of the
  TypedDicts and models (read with ``ast`` from the class's source, as
  pydantic's ``use_attribute_docstrings`` does).

Python types a required-nullable and an optional response field alike
(``Optional[X] = None``); for those fields, and for the webhook receivers'
answer types that Python 0.3.0 lacks, it merges the facts read from the
TypeScript SDK (typescript-facts.json, see README.md).

Any typing construct it does not know makes it fail naming where.

Usage: extract_python_facts.py [--typescript-facts FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import ast
import collections.abc as cabc
import datetime
import functools
import inspect
import json
import sys
import textwrap
import types
import typing
import urllib.parse
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import httpx
import pydantic
import typing_extensions

import avara
import avara.pagination
import avara.types
from avara._base_client import BasePage, SyncAPIClient
from avara._resource import SyncAPIResource
from avara._types import NotGiven, Omit
from avara._utils import PropertyInfo

HERE = Path(__file__).resolve().parent
DEFAULT_TS_FACTS = HERE / "typescript-facts.json"
TYPES_PREFIX = "avara.types."
STANDARD_KWARGS = ("extra_headers", "extra_query", "extra_body", "timeout")
BASE_URL = "http://avara.invalid"

FORMAT = (
    "Facts about the Avara API read from the official Python SDK avara==0.3.0 by introspection "
    "(spec/reference/sdk/extract_python_facts.py; see spec/reference/sdk/README.md), with the facts Python cannot "
    "tell taken from the official TypeScript SDK (source.typescript). "
    "operations: one per SDK resource method, sorted by (resource, method); resource = the Python attribute path from "
    "the client; http_method lower case; path = the request path with each path parameter as {name}; "
    "description = the method docstring without its Args section. "
    "PARAM/FIELD = {name: wire name (JSON key, query key; for a path parameter the lowerCamelCase of the Python name, "
    "which the SDK never sends, checked case-insensitively against the TypeScript parameter name), python: Python "
    "name (null for TypeScript-only models), required, nullable, optional_source/nullable_source: which SDK "
    "required/nullable was read from, type: TYPE, description}. Request params (path_params, query_params, "
    "body_params) come from Python: required = Required[...] in the params TypedDict (and no default in the method "
    "signature), nullable = Optional[...]; body_params is null when the operation sends no body. "
    "Response/model fields: a Python field without default and not Optional is required and non-null (source python); "
    "a field Python types Optional[X] = None is optional or nullable or both, and required/nullable are then taken "
    "from TypeScript (`name?:` = not required, `| null` = nullable); a field TypeScript lacks keeps required=false, "
    "nullable=true with source python and is listed in typescript_gaps. "
    "response: the operation's response TYPE; for a paginated operation it is the type of one item, and page "
    "describes the envelope (items_field, cursor_field and has_more_field are wire names of the page's JSON; "
    "request_cursor_param is the query parameter the next request sends the cursor in). "
    "models: keyed by the Python class's module and qualified name relative to avara.types; origin = pydantic "
    "(a response or webhook model), typeddict (a request body/query object) or typescript (a type only the TypeScript "
    "SDK has, keyed typescript:<file under src/resources>.<Name>); fields in the SDK's declaration order. "
    "TYPE = {kind: string, format: null|date-time|date} | {kind: integer} | {kind: number} | {kind: boolean} | "
    "{kind: enum, values} (a Literal of two or more values) | {kind: literal, value} (a Literal of one value) | "
    "{kind: array, items, items_nullable} | {kind: map, values, values_nullable} (string keys; *_nullable: an "
    "item/value may be null) | {kind: model, ref: models key} | "
    "{kind: union, variants, discriminator: null|wire name} | {kind: unknown} (Python object / TypeScript unknown). "
    "webhooks: the Python union, its discriminator, and per event its type literal, the model, and the answer the "
    "receiver returns (a TypeScript *Response type, paired with the event by name). "
    "typescript_gaps: response fields present in one SDK and not the other. "
    "query_array_format: the client's Querystring array format, seen on the wire."
)


class ExtractionError(Exception):
    pass


def fail(where: str, message: str) -> typing.NoReturn:
    raise ExtractionError(f"{where}: {message}")


# --------------------------------------------------------------------------
# docstrings


def clean_doc(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    text = inspect.cleandoc(text).strip()
    return text or None


@functools.lru_cache(maxsize=None)
def attribute_docstrings(cls: type) -> Dict[str, str]:
    """Attribute docstrings of a class body: the string expression that follows
    an annotated assignment."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError) as exc:
        fail(qualname(cls), f"cannot read the class source for attribute docstrings: {exc}")
    tree = ast.parse(textwrap.dedent(source))
    classdef = tree.body[0]
    if not isinstance(classdef, ast.ClassDef) or classdef.name != cls.__name__:
        fail(qualname(cls), "class source does not start with its class statement")
    docs: Dict[str, str] = {}
    body = classdef.body
    for i, node in enumerate(body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and i + 1 < len(body):
            nxt = body[i + 1]
            if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str):
                docs[node.target.id] = clean_doc(nxt.value.value)
    return docs


def split_method_doc(func: Any, where: str) -> Tuple[Optional[str], Dict[str, str]]:
    """The summary of a resource method's docstring and its Args entries."""
    doc = inspect.getdoc(func)
    if doc is None:
        return None, {}
    head, sep, args = doc.partition("\nArgs:\n")
    if not sep:
        if doc.startswith("Args:\n"):
            head, args = "", doc[len("Args:\n") :]
        else:
            return clean_doc(doc), {}
    entries: Dict[str, str] = {}
    for chunk in args.split("\n\n"):
        if not chunk.strip():
            continue
        chunk = textwrap.dedent(chunk)
        name, colon, rest = chunk.partition(":")
        if not colon or not name.isidentifier():
            fail(where, f"unreadable Args entry in the docstring: {chunk!r}")
        entries[name] = clean_doc(textwrap.dedent(rest.lstrip(" ").lstrip("\n"))) or ""
    return clean_doc(head), entries


# --------------------------------------------------------------------------
# types


def qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def model_key(cls: type, where: str) -> str:
    if not cls.__module__.startswith(TYPES_PREFIX):
        fail(where, f"{qualname(cls)} is not under avara.types")
    return f"{cls.__module__[len(TYPES_PREFIX):]}.{cls.__qualname__}"


def is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and (typing.is_typeddict(tp) or typing_extensions.is_typeddict(tp))


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


NONE_TYPES = (type(None), None)
UNION_ORIGINS = (typing.Union, getattr(types, "UnionType", typing.Union))
LIST_ORIGINS = {list, typing.List}
ARRAY_ORIGINS = (list, tuple, set, frozenset)
# collections.abc generics are the origins of typing.Iterable / Sequence / Mapping
ARRAY_ABC = (cabc.Iterable, cabc.Sequence)


def strip_annotated(tp: Any) -> Tuple[Any, List[Any]]:
    metadata: List[Any] = []
    while typing.get_origin(tp) is typing.Annotated or typing.get_origin(tp) is typing_extensions.Annotated:
        metadata.extend(tp.__metadata__)
        tp = tp.__origin__
    return tp, metadata


def property_info(metadata: List[Any], where: str) -> Optional[PropertyInfo]:
    infos = [m for m in metadata if isinstance(m, PropertyInfo)]
    others = [m for m in metadata if not isinstance(m, PropertyInfo)]
    if others:
        fail(where, f"unknown Annotated metadata {others!r}")
    if len(infos) > 1:
        fail(where, f"more than one PropertyInfo: {infos!r}")
    return infos[0] if infos else None


def split_optional(tp: Any) -> Tuple[Any, bool]:
    """Optional[X] -> (X, True); X -> (X, False)."""
    if typing.get_origin(tp) in UNION_ORIGINS:
        args = typing.get_args(tp)
        rest = [a for a in args if a not in NONE_TYPES]
        if len(rest) != len(args):
            if len(rest) == 1:
                return rest[0], True
            return typing.Union[tuple(rest)], True
    return tp, False


def is_sequence_not_str(origin: Any) -> bool:
    return getattr(origin, "__name__", None) == "SequenceNotStr" and getattr(origin, "__module__", "").startswith(
        "avara."
    )


class Registry:
    """The models (pydantic, TypedDict and TypeScript-only) seen so far."""

    def __init__(self) -> None:
        self.classes: Dict[str, type] = {}
        self.pending: List[str] = []

    def ref(self, cls: type, where: str) -> Dict[str, Any]:
        key = model_key(cls, where)
        if key in self.classes:
            if self.classes[key] is not cls:
                fail(where, f"two classes share the key {key}")
        else:
            self.classes[key] = cls
            self.pending.append(key)
        return {"kind": "model", "ref": key}


def convert(tp: Any, reg: Registry, where: str) -> Dict[str, Any]:
    """A Python type (without top-level Optional) to a TYPE."""
    tp, metadata = strip_annotated(tp)
    info = property_info(metadata, where)
    if info is not None and info.alias is not None:
        fail(where, "alias below the top of a field's type")
    fmt = info.format if info is not None else None
    discriminator = info.discriminator if info is not None else None
    if fmt is not None:
        fail(where, f"PropertyInfo(format={fmt!r}) is not known")

    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp in NONE_TYPES:
        fail(where, "None inside a type (only a top-level Optional is known)")
    if tp is str:
        return {"kind": "string", "format": None}
    if tp is bool:
        return {"kind": "boolean"}
    if tp is int:
        return {"kind": "integer"}
    if tp is float:
        return {"kind": "number"}
    if tp is datetime.datetime:
        return {"kind": "string", "format": "date-time"}
    if tp is datetime.date:
        return {"kind": "string", "format": "date"}
    if tp is object:
        return {"kind": "unknown"}
    if origin is typing.Literal or origin is typing_extensions.Literal:
        for v in args:
            if not isinstance(v, (str, int, bool)):
                fail(where, f"Literal value {v!r} is not a str/int/bool")
        if len(args) == 1:
            return {"kind": "literal", "value": args[0]}
        return {"kind": "enum", "values": list(args)}
    if origin in UNION_ORIGINS:
        if any(a in NONE_TYPES for a in args):
            fail(where, "Optional inside a type (only a top-level Optional is known)")
        disc_wire = None
        if discriminator is not None:
            disc_wire = discriminator_wire_name(args, discriminator, where)
        return {
            "kind": "union",
            "variants": [convert(a, reg, f"{where}[variant {i}]") for i, a in enumerate(args)],
            "discriminator": disc_wire,
        }
    if discriminator is not None:
        fail(where, "discriminator on a type that is not a union")
    if origin in ARRAY_ORIGINS or origin in ARRAY_ABC or is_sequence_not_str(origin):
        if origin in (tuple,):
            fail(where, "tuple types are not known")
        if len(args) != 1:
            fail(where, f"array type {tp!r} without exactly one item type")
        items, items_nullable = split_optional(args[0])
        return {"kind": "array", "items": convert(items, reg, f"{where}[]"), "items_nullable": items_nullable}
    if origin in (dict, typing.Dict) or origin is cabc.Mapping:
        if len(args) != 2 or args[0] is not str:
            fail(where, f"mapping type {tp!r} without str keys")
        values, values_nullable = split_optional(args[1])
        return {"kind": "map", "values": convert(values, reg, f"{where}{{}}"), "values_nullable": values_nullable}
    if is_model(tp) or is_typeddict(tp):
        return reg.ref(tp, where)
    fail(where, f"unknown typing construct {tp!r}")


def discriminator_wire_name(variants: Tuple[Any, ...], discriminator: str, where: str) -> str:
    """The wire name of a union's discriminator: it must be a Literal field of every variant."""
    wires = set()
    for v in variants:
        if not is_model(v):
            fail(where, f"discriminated union variant {v!r} is not a model")
        field = v.model_fields.get(discriminator)
        if field is None:
            by_alias = [f for f in v.model_fields.values() if f.alias == discriminator]
            if len(by_alias) != 1:
                fail(where, f"variant {v.__name__} has no discriminator field {discriminator!r}")
            field = by_alias[0]
        if typing.get_origin(field.annotation) not in (typing.Literal, typing_extensions.Literal):
            fail(where, f"discriminator of {v.__name__} is not a Literal")
        wires.add(field.alias or discriminator)
    if len(wires) != 1:
        fail(where, f"variants disagree on the discriminator's wire name: {sorted(wires)}")
    return wires.pop()


def top_level(tp: Any, where: str) -> Tuple[Any, Optional[bool], Optional[str]]:
    """Unwrap Required/NotRequired and the field-level Annotated of a TypedDict key:
    (type, Required-wrapper (True/False/None), alias)."""
    wrapper: Optional[bool] = None
    alias = None
    for _ in range(4):
        origin = typing.get_origin(tp)
        if origin in (typing.Required, typing_extensions.Required):
            wrapper = True
            tp = typing.get_args(tp)[0]
        elif origin in (typing.NotRequired, typing_extensions.NotRequired):
            wrapper = False
            tp = typing.get_args(tp)[0]
        elif origin is typing.Annotated or origin is typing_extensions.Annotated:
            inner, metadata = strip_annotated(tp)
            info = property_info(metadata, where)
            if info is not None and info.alias is not None:
                if alias is not None:
                    fail(where, "two aliases")
                alias = info.alias
            if info is not None and (info.format is not None or info.discriminator is not None):
                # keep the Annotated for convert() to read format/discriminator
                tp = typing.Annotated[inner, PropertyInfo(format=info.format, discriminator=info.discriminator)]
                break
            tp = inner
        else:
            break
    return tp, wrapper, alias


def typeddict_fields(cls: type, reg: Registry, where: str) -> List[Dict[str, Any]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    docs = attribute_docstrings(cls)
    total = getattr(cls, "__total__", True)
    fields = []
    for name, hint in hints.items():
        at = f"{where}.{name}"
        tp, wrapper, alias = top_level(hint, at)
        required = wrapper if wrapper is not None else total
        inner, nullable = split_optional(tp)
        fields.append(
            {
                "name": alias or name,
                "python": name,
                "required": required,
                "nullable": nullable,
                "optional_source": "python",
                "nullable_source": "python",
                "type": convert(inner, reg, at),
                "description": docs.get(name),
            }
        )
    return fields


MISSING = object()


def pydantic_fields(cls: type, reg: Registry, where: str) -> List[Dict[str, Any]]:
    """Fields of a response model. required/nullable here are Python's reading;
    the TypeScript merge settles the ambiguous ones (marked python_ambiguous)."""
    docs = attribute_docstrings(cls)
    if not getattr(cls, "__pydantic_complete__", True):
        # the SDK's models set defer_build; building resolves their annotations
        cls.model_rebuild()
        if not cls.__pydantic_complete__:
            fail(where, "pydantic model is not complete (unresolved forward references)")
    fields = []
    for name, field in cls.model_fields.items():
        at = f"{where}.{name}"
        info = property_info(list(field.metadata), at)
        tp = field.annotation
        if info is not None and (info.format is not None or info.discriminator is not None):
            tp = typing.Annotated[tp, PropertyInfo(format=info.format, discriminator=info.discriminator)]
        inner, optional_type = split_optional(tp)
        if field.is_required():
            required, nullable, ambiguous = True, optional_type, False
        elif field.default is None and field.default_factory is None and optional_type:
            required, nullable, ambiguous = False, True, True
        else:
            fail(at, f"field with default {field.default!r} and type {tp!r} is not a known shape")
        fields.append(
            {
                "name": field.alias or name,
                "python": name,
                "required": required,
                "nullable": nullable,
                "optional_source": "python",
                "nullable_source": "python",
                "type": convert(inner, reg, at),
                "description": docs.get(name),
                "python_ambiguous": ambiguous,
            }
        )
    return fields


# --------------------------------------------------------------------------
# sample values, to call every method with every argument


def sample(tp: Any, where: str, depth: int = 0) -> Any:
    if depth > 12:
        fail(where, "type nests too deep to sample")
    tp, wrapper, _alias = top_level(tp, where)
    tp, _ = strip_annotated(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in UNION_ORIGINS:
        rest = [a for a in args if a not in NONE_TYPES and a is not Omit and a is not NotGiven]
        if not rest:
            fail(where, f"no sample for {tp!r}")
        return sample(rest[0], where, depth + 1)
    if tp is str:
        return "sample"
    if tp is bool:
        return True
    if tp is int:
        return 7
    if tp is float:
        return 7.5
    if tp is datetime.datetime:
        return datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    if tp is datetime.date:
        return datetime.date(2020, 1, 2)
    if tp is object:
        return {"sample": True}
    if origin is typing.Literal or origin is typing_extensions.Literal:
        return args[0]
    if origin in ARRAY_ORIGINS or origin in ARRAY_ABC or is_sequence_not_str(origin):
        item = args[0]
        item_base, _ = strip_annotated(item)
        if typing.get_origin(item_base) in (typing.Literal, typing_extensions.Literal) and len(item_base.__args__) > 1:
            return list(item_base.__args__[:2])
        return [sample(item, f"{where}[]", depth + 1), sample(item, f"{where}[]", depth + 1)]
    if origin in (dict, typing.Dict) or origin is cabc.Mapping:
        return {"key": sample(args[1], f"{where}{{}}", depth + 1)}
    if is_typeddict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return {k: sample(v, f"{where}.{k}", depth + 1) for k, v in hints.items()}
    fail(where, f"no sample for {tp!r}")


# --------------------------------------------------------------------------
# calling the SDK


class Captured(Exception):
    """Raised by the mock transport once it has recorded the request."""


class Recorder:
    def __init__(self) -> None:
        self.requests: List[httpx.Request] = []
        self.transforms: List[Tuple[Any, Any, Any]] = []  # (data, expected_type, result)
        self.calls: List[Tuple[Any, Any]] = []  # (cast_to, options)

    def reset(self) -> None:
        self.requests.clear()
        self.transforms.clear()
        self.calls.clear()

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        raise Captured()


def make_client(rec: Recorder) -> avara.Avara:
    client = avara.Avara(
        api_key="placeholder-key",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(rec.handler)),
    )
    original = client.request

    def request(cast_to: Any, options: Any, **kwargs: Any) -> Any:
        rec.calls.append((cast_to, options))
        return original(cast_to, options, **kwargs)

    client.request = request  # type: ignore[method-assign]
    return client


def walk_resources(obj: Any, path: List[str], where: str) -> List[Tuple[List[str], str, Any]]:
    """(resource path, method name, bound method) for every resource method below obj."""
    out: List[Tuple[List[str], str, Any]] = []
    cls = type(obj)
    base_names = set(dir(SyncAPIResource)) if isinstance(obj, SyncAPIResource) else set(dir(SyncAPIClient))
    for name, attr in inspect.getmembers(cls):
        if name.startswith("_") or name in ("with_raw_response", "with_streaming_response"):
            continue
        if isinstance(attr, functools.cached_property):
            child = getattr(obj, name)
            if isinstance(child, SyncAPIResource):
                out.extend(walk_resources(child, path + [name], f"{where}.{name}"))
            elif path:
                fail(f"{where}.{name}", f"cached property of unknown kind {type(child)!r}")
        elif path and inspect.isfunction(attr) and name not in base_names:
            out.append((path, name, getattr(obj, name)))
        elif path and name not in base_names:
            fail(f"{where}.{name}", f"unknown resource member {type(attr)!r}")
    return out


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def run_method(rec: Recorder, method: Any, args: List[Any], kwargs: Dict[str, Any], where: str) -> None:
    rec.reset()
    try:
        method(*args, **kwargs)
    except avara.APIConnectionError as exc:
        if not isinstance(exc.__cause__, Captured):
            fail(where, f"request failed other than by the recording transport: {exc.__cause__!r}")
    else:
        fail(where, "the method returned without sending a request")
    if len(rec.requests) != 1 or len(rec.calls) != 1:
        fail(where, f"expected one request, saw {len(rec.requests)} requests and {len(rec.calls)} calls")


def patch_transform(rec: Recorder, func: Any, where: str) -> Any:
    g = func.__globals__
    if "maybe_transform" not in g:
        fail(where, "the resource module has no maybe_transform")
    original = g["maybe_transform"]

    def maybe_transform(data: Any, expected_type: Any) -> Any:
        result = original(data, expected_type)
        rec.transforms.append((data, expected_type, result))
        return result

    g["maybe_transform"] = maybe_transform
    return original


def describe_page(page_cls: type, where: str) -> Dict[str, Any]:
    if not (isinstance(page_cls, type) and issubclass(page_cls, BasePage)):
        fail(where, f"{page_cls!r} is not a page class")
    fields = page_cls.model_fields

    def build(**values: Any) -> Any:
        # the SDK's construct() takes the wire (alias) names
        return page_cls.model_construct(**{(fields[k].alias or k): v for k, v in values.items()})

    list_fields = [n for n, f in fields.items() if typing.get_origin(f.annotation) in LIST_ORIGINS]
    # items: the list field _get_page_items returns
    items_field = None
    for n in list_fields:
        marker = ["ITEMS-MARKER"]
        page = build(**{m: ([] if m != n else marker) for m in list_fields})
        if page._get_page_items() == marker:
            items_field = n
    if items_field is None:
        fail(where, "no list field is returned by _get_page_items")
    str_fields = [n for n, f in fields.items() if split_optional(f.annotation)[0] is str]
    bool_fields = [n for n, f in fields.items() if split_optional(f.annotation)[0] is bool]
    cursor_field = None
    request_param = None
    for n in str_fields:
        page = build(**{items_field: [1]}, **{n: "CURSOR-MARKER"}, **{b: True for b in bool_fields})
        info = page.next_page_info()
        if info is None:
            continue
        params = info.params if not isinstance(info.params, NotGiven) else {}
        hits = [k for k, v in params.items() if v == "CURSOR-MARKER"]
        if len(hits) != 1 or info.url is not None and not isinstance(info.url, NotGiven):
            fail(where, f"next_page_info {info!r} is not a single cursor query parameter")
        cursor_field, request_param = n, hits[0]
    if cursor_field is None:
        fail(where, "no string field feeds next_page_info")
    has_more_field = None
    for n in bool_fields:
        on = build(**{items_field: [1], cursor_field: "c", n: True})
        off = build(**{items_field: [1], cursor_field: "c", n: False})
        on._options = off._options = None  # type: ignore[attr-defined]
        if on.has_next_page() and not off.has_next_page():
            has_more_field = n
    if has_more_field is None:
        fail(where, "no boolean field stops has_next_page")
    wire = lambda n: fields[n].alias or n  # noqa: E731
    return {
        "class": page_cls.__name__,
        "items_field": wire(items_field),
        "cursor_field": wire(cursor_field),
        "has_more_field": wire(has_more_field),
        "request_cursor_param": request_param,
    }


def extract_operation(
    rec: Recorder, resource: List[str], name: str, method: Any, reg: Registry
) -> Tuple[Dict[str, Any], Any]:
    where = f"{'.'.join(resource)}.{name}"
    func = method.__func__
    sig = inspect.signature(func)
    hints = typing.get_type_hints(func, include_extras=True)
    description, arg_docs = split_method_doc(func, where)

    positional = []
    keyword: Dict[str, inspect.Parameter] = {}
    for p in list(sig.parameters.values())[1:]:
        if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD:
            positional.append(p)
        elif p.kind == inspect.Parameter.KEYWORD_ONLY:
            keyword[p.name] = p
        else:
            fail(where, f"parameter {p.name} of kind {p.kind} is not known")
    for std in STANDARD_KWARGS:
        if std not in keyword:
            fail(where, f"no {std} keyword")
        del keyword[std]
    for p in positional:
        if p.default is not inspect.Parameter.empty or hints.get(p.name) is not str:
            fail(where, f"positional parameter {p.name} is not a required str")

    placeholders = {p.name: f"PATHPARAM{i}X" for i, p in enumerate(positional)}
    required_kw = {n: p for n, p in keyword.items() if p.default is inspect.Parameter.empty}

    original = patch_transform(rec, func, where)
    try:
        run_method(
            rec,
            method,
            [placeholders[p.name] for p in positional],
            {n: sample(hints[n], f"{where}({n})") for n in required_kw},
            where,
        )
        minimal = (rec.requests[0], list(rec.transforms), rec.calls[0])
        run_method(
            rec,
            method,
            [placeholders[p.name] for p in positional],
            {n: sample(hints[n], f"{where}({n})") for n in keyword},
            where,
        )
        full = (rec.requests[0], list(rec.transforms), rec.calls[0])
    finally:
        func.__globals__["maybe_transform"] = original

    request, transforms, (cast_to, options) = full
    http_method = request.method.lower()
    if minimal[0].method != request.method:
        fail(where, "the two calls used different HTTP methods")

    # path template
    raw_path = urllib.parse.unquote(request.url.raw_path.decode("ascii").split("?", 1)[0])
    path = raw_path
    path_params = []
    for p in positional:
        marker = placeholders[p.name]
        if raw_path.count(marker) != 1:
            fail(where, f"path parameter {p.name} appears {raw_path.count(marker)} times in {raw_path}")
        wire = camel(p.name)
        path = path.replace(marker, "{" + wire + "}")
        path_params.append(
            {
                "name": wire,
                "python": p.name,
                "required": True,
                "nullable": False,
                "optional_source": "python",
                "nullable_source": "python",
                "type": {"kind": "string", "format": None},
                "description": arg_docs.get(p.name),
            }
        )

    # which TypedDict went where
    query_td = body_td = None
    for data, expected, result in transforms:
        if not is_typeddict(expected):
            fail(where, f"maybe_transform called with {expected!r}, not a TypedDict")
        # the request options hold a copy (NotGiven stripped), so compare by value; the full call
        # fills in every key, so an empty result cannot make this ambiguous
        in_query = isinstance(options.params, dict) and result == options.params
        in_body = isinstance(options.json_data, dict) and result == options.json_data
        if not result or in_query == in_body:
            fail(where, f"cannot tell whether transformed {expected.__name__} is the query or the body")
        if in_query:
            if query_td is not None:
                fail(where, "two query TypedDicts")
            query_td = expected
        else:
            if body_td is not None:
                fail(where, "two body TypedDicts")
            body_td = expected

    def params_of(td: Optional[type], kind: str) -> List[Dict[str, Any]]:
        if td is None:
            return []
        fields = typeddict_fields(td, reg, f"{where}:{kind}:{qualname(td)}")
        for f in fields:
            p = keyword.get(f["python"])
            if p is None:
                fail(where, f"{kind} key {f['python']} is not a method keyword")
            sig_required = p.default is inspect.Parameter.empty
            if sig_required != f["required"]:
                fail(where, f"{f['python']}: Required[...] is {f['required']} but the signature says {sig_required}")
            if f["description"] is None:
                f["description"] = arg_docs.get(f["python"]) or None
        return fields

    query_params = params_of(query_td, "query")
    body_fields = params_of(body_td, "body")
    used = {f["python"] for f in query_params} | {f["python"] for f in body_fields}
    if used != set(keyword):
        fail(where, f"method keywords {sorted(set(keyword) - used)} are in no params TypedDict")

    # the wire, seen: query keys and body keys of the full call
    seen_query = [k for k, _ in urllib.parse.parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)]
    if sorted(seen_query) != sorted(f["name"] for f in query_params):
        fail(where, f"query keys on the wire {sorted(seen_query)} differ from the TypedDict's {[f['name'] for f in query_params]}")
    body_bytes = request.content
    if body_td is None:
        if body_bytes not in (b"",):
            fail(where, f"a body was sent without a body TypedDict: {body_bytes[:80]!r}")
        body_params = None
    else:
        seen_body = json.loads(body_bytes)
        if not isinstance(seen_body, dict) or sorted(seen_body) != sorted(f["name"] for f in body_fields):
            fail(where, f"body keys on the wire {sorted(seen_body)} differ from the TypedDict's")
        body_params = body_fields
    if query_td is not None and minimal[0].url.query and sorted(
        k for k, _ in urllib.parse.parse_qsl(minimal[0].url.query.decode("ascii"))
    ) != sorted(f["name"] for f in query_params if f["required"]):
        fail(where, "the minimal call's query keys are not the required ones")

    # response and pagination
    page = None
    meta = getattr(cast_to, "__pydantic_generic_metadata__", None)
    if isinstance(cast_to, type) and issubclass(cast_to, BasePage):
        if not meta or meta.get("origin") is None or len(meta.get("args", ())) != 1:
            fail(where, f"page type {cast_to!r} is not a parametrised page class")
        page_cls = meta["origin"]
        if getattr(avara.pagination, page_cls.__name__, None) is not page_cls:
            fail(where, f"page class {page_cls!r} is not in avara.pagination")
        page = describe_page(page_cls, where)
        response_tp = meta["args"][0]
    else:
        response_tp = cast_to
    ret = hints.get("return")
    if ret is not cast_to:
        fail(where, f"return annotation {ret!r} is not the cast_to type {cast_to!r}")
    response_inner, response_nullable = split_optional(response_tp)
    if response_nullable:
        fail(where, "optional response type is not known")
    response = convert(response_inner, reg, f"{where}:response")

    op = {
        "resource": ".".join(resource),
        "method": name,
        "http_method": http_method,
        "path": path,
        "description": description,
        "path_params": path_params,
        "query_params": query_params,
        "body_params": body_params,
        "response": response,
        "page": page,
    }
    query_sample = request.url.query.decode("ascii")
    return op, query_sample


# --------------------------------------------------------------------------
# TypeScript merge


class TsMerge:
    def __init__(self, ts: Dict[str, Any], models: Dict[str, Dict[str, Any]], reg: Registry) -> None:
        self.ts = ts
        self.decls = ts["declarations"]
        self.models = models
        self.reg = reg
        self.pairs: Dict[str, set] = {}
        self.flags: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.contradictions: List[str] = []
        self.gaps: List[Dict[str, Any]] = []

    def resolve(self, s: Dict[str, Any]) -> Dict[str, Any]:
        while s["kind"] == "ref" and self.decls[s["ref"]]["kind"] == "alias":
            s = self.decls[s["ref"]]["type"]
        return s

    def pair(self, t: Dict[str, Any], s: Dict[str, Any], where: str) -> None:
        s = self.resolve(s)
        k = t["kind"]
        if k == "model":
            if s["kind"] != "ref" or self.decls[s["ref"]]["kind"] != "interface":
                self.contradictions.append(f"{where}: Python model {t['ref']} against TypeScript {s}")
                return
            self.pair_model(t["ref"], s["ref"], where)
        elif k in ("array", "map"):
            part = "items" if k == "array" else "values"
            if s["kind"] != k:
                self.contradictions.append(f"{where}: {k} against {s['kind']}")
                return
            inner, nullable = split_ts_null(s[part])
            if nullable != t[part + "_nullable"]:
                self.contradictions.append(f"{where}: {part} nullable {t[part + '_nullable']} against TypeScript {nullable}")
            self.pair(t[part], inner, where + ("[]" if k == "array" else "{}"))
        elif k == "union":
            variants = [self.resolve(v) for v in (s["variants"] if s["kind"] == "union" else [])]
            if len(variants) != len(t["variants"]):
                self.contradictions.append(f"{where}: union of {len(t['variants'])} against {s}")
                return
            by_name = {}
            for v in variants:
                if v["kind"] == "ref":
                    by_name[self.decls[v["ref"]]["name"].split(".")[-1]] = v
            for i, tv in enumerate(t["variants"]):
                sv = variants[i]
                if tv["kind"] == "model":
                    cls_name = tv["ref"].split(".")[-1]
                    sv = by_name.get(cls_name, sv)
                self.pair(tv, sv, f"{where}|{i}")
        elif k == "enum":
            values = self.literal_values(s)
            if values is None or sorted(map(str, values)) != sorted(map(str, t["values"])):
                self.contradictions.append(f"{where}: enum {t['values']} against TypeScript {values}")
        elif k == "literal":
            if s["kind"] != "literal" or s["value"] != t["value"]:
                self.contradictions.append(f"{where}: literal {t['value']!r} against {s}")
        else:
            expected = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "unknown": "unknown"}[k]
            if s["kind"] != expected:
                self.contradictions.append(f"{where}: {k} against TypeScript {s['kind']}")

    def literal_values(self, s: Dict[str, Any]) -> Optional[List[Any]]:
        s = self.resolve(s)
        if s["kind"] == "literal":
            return [s["value"]]
        if s["kind"] == "union":
            out = []
            for v in s["variants"]:
                v = self.resolve(v)
                if v["kind"] != "literal":
                    return None
                out.append(v["value"])
            return out
        return None

    def pair_model(self, key: str, skey: str, where: str) -> None:
        seen = self.pairs.setdefault(key, set())
        if skey in seen:
            return
        seen.add(skey)
        model = self.models[key]
        decl = self.decls[skey]
        props = {p["name"]: p for p in decl["properties"]}
        names = set()
        for f in model["fields"]:
            names.add(f["name"])
            p = props.get(f["name"])
            if p is None:
                self.gaps.append({"model": key, "field": f["name"], "only_in": "python", "typescript": skey})
                continue
            flags = {"optional": p["optional"], "nullable": p["nullable"], "decl": skey}
            prev = self.flags.get((key, f["name"]))
            if prev is not None and (prev["optional"], prev["nullable"]) != (flags["optional"], flags["nullable"]):
                self.contradictions.append(
                    f"{key}.{f['name']}: {prev['decl']} and {skey} disagree on optional/nullable"
                )
            self.flags[(key, f["name"])] = flags
            self.pair(f["type"], p["type"], f"{key}.{f['name']}")
        for p in decl["properties"]:
            if p["name"] not in names:
                self.gaps.append({"model": key, "field": p["name"], "only_in": "typescript", "typescript": skey})

    def settle(self) -> None:
        """Decide required/nullable of every response-model field."""
        for key, model in self.models.items():
            if model["origin"] != "pydantic":
                continue
            for f in model["fields"]:
                ambiguous = f.pop("python_ambiguous")
                flags = self.flags.get((key, f["name"]))
                where = f"{key}.{f['name']}"
                if flags is None:
                    if key in self.pairs:
                        continue  # a gap, recorded already
                    self.contradictions.append(f"{where}: the model was never paired with a TypeScript type")
                    continue
                ts_required, ts_nullable = not flags["optional"], flags["nullable"]
                if not ambiguous:
                    if (f["required"], f["nullable"]) != (ts_required, ts_nullable):
                        self.contradictions.append(
                            f"{where}: Python says required={f['required']} nullable={f['nullable']}, "
                            f"TypeScript {flags['decl']} says required={ts_required} nullable={ts_nullable}"
                        )
                    continue
                if ts_required and not ts_nullable:
                    self.contradictions.append(f"{where}: Python allows None, TypeScript {flags['decl']} does not")
                    continue
                f["required"], f["nullable"] = ts_required, ts_nullable
                f["optional_source"] = f["nullable_source"] = "typescript"


def split_ts_null(s: Dict[str, Any]) -> Tuple[Dict[str, Any], bool]:
    """A TypeScript union with null -> (the rest, True)."""
    if s["kind"] == "union" and any(v["kind"] == "null" for v in s["variants"]):
        rest = [v for v in s["variants"] if v["kind"] != "null"]
        return (rest[0] if len(rest) == 1 else {"kind": "union", "variants": rest}), True
    return s, False


def ts_model_key(skey: str) -> str:
    file, name = skey.split("#")
    if not file.startswith("resources/"):
        fail(skey, "TypeScript declaration outside src/resources")
    return "typescript:" + file[len("resources/") :].replace("/", ".") + "." + name


def ts_to_type(s: Dict[str, Any], ts: Dict[str, Any], models: Dict[str, Dict[str, Any]], where: str) -> Dict[str, Any]:
    decls = ts["declarations"]
    k = s["kind"]
    if k == "string":
        return {"kind": "string", "format": None}
    if k in ("number", "boolean", "unknown"):
        return {"kind": k}
    if k == "literal":
        return {"kind": "literal", "value": s["value"]}
    if k in ("array", "map"):
        part = "items" if k == "array" else "values"
        inner, nullable = split_ts_null(s[part])
        return {"kind": k, part: ts_to_type(inner, ts, models, where + part), part + "_nullable": nullable}
    if k == "null":
        fail(where, "null outside a property's or an item's union")
    if k == "union":
        variants = [ts_to_type(v, ts, models, where) for v in s["variants"]]
        if len(variants) > 1 and all(v["kind"] == "literal" for v in variants):
            return {"kind": "enum", "values": [v["value"] for v in variants]}
        return {"kind": "union", "variants": variants, "discriminator": None}
    if k == "ref":
        decl = decls[s["ref"]]
        if decl["kind"] == "alias":
            return ts_to_type(decl["type"], ts, models, where)
        key = ts_model_key(s["ref"])
        if key not in models:
            models[key] = None  # reserve against recursion
            models[key] = {
                "origin": "typescript",
                "description": decl["description"],
                "fields": [
                    {
                        "name": p["name"],
                        "python": None,
                        "required": not p["optional"],
                        "nullable": p["nullable"],
                        "optional_source": "typescript",
                        "nullable_source": "typescript",
                        "type": ts_to_type(p["type"], ts, models, f"{key}.{p['name']}"),
                        "description": p["description"],
                    }
                    for p in decl["properties"]
                ],
            }
        return {"kind": "model", "ref": key}
    fail(where, f"unknown TypeScript type kind {k}")


# --------------------------------------------------------------------------


def extract(ts_facts_path: Path) -> Dict[str, Any]:
    ts = json.loads(ts_facts_path.read_text(encoding="utf-8"))
    reg = Registry()
    rec = Recorder()
    client = make_client(rec)

    if client.qs.array_format is None:
        fail("client.qs", "no array format")

    methods = walk_resources(client, [], "client")
    webhook_methods = sorted(n for r, n, _ in methods if r == ["webhooks"])
    if webhook_methods != ["unsafe_unwrap", "unwrap"]:
        fail("client.webhooks", f"unexpected webhook methods {webhook_methods}")

    operations = []
    query_samples = {}
    for resource, name, method in methods:
        if resource == ["webhooks"]:
            continue
        op, qsample = extract_operation(rec, resource, name, method, reg)
        operations.append(op)
        query_samples[(op["resource"], op["method"])] = (qsample, op)
    operations.sort(key=lambda o: (o["resource"], o["method"]))

    # the array format, seen on the wire: every array query parameter's two sample values are joined by it
    fmt = client.qs.array_format
    for (qsample, op) in query_samples.values():
        pairs = urllib.parse.parse_qsl(qsample, keep_blank_values=True)
        for f in op["query_params"]:
            if f["type"]["kind"] == "array":
                values = [v for k, v in pairs if k == f["name"]]
                if fmt == "comma" and (len(values) != 1 or "," not in values[0]):
                    fail(f"{op['resource']}.{op['method']}", f"array query {f['name']} is not comma-joined: {values}")

    # webhooks
    union = avara.types.UnwrapWebhookEvent
    union_base, union_meta = strip_annotated(union)
    info = property_info(union_meta, "avara.types.UnwrapWebhookEvent")
    if info is None or info.discriminator is None:
        fail("avara.types.UnwrapWebhookEvent", "no discriminator")
    unsafe_base, _ = strip_annotated(avara.types.UnsafeUnwrapWebhookEvent)
    if set(typing.get_args(unsafe_base)) != set(typing.get_args(union_base)):
        fail("avara.types.UnsafeUnwrapWebhookEvent", "variants differ from UnwrapWebhookEvent")
    union_type = convert(union, reg, "avara.types.UnwrapWebhookEvent")

    # models
    models: Dict[str, Dict[str, Any]] = {}
    while reg.pending:
        key = reg.pending.pop(0)
        cls = reg.classes[key]
        if is_typeddict(cls):
            models[key] = {
                "origin": "typeddict",
                "description": clean_doc(cls.__dict__.get("__doc__")),
                "fields": typeddict_fields(cls, reg, key),
            }
        else:
            models[key] = {
                "origin": "pydantic",
                "description": clean_doc(cls.__dict__.get("__doc__")),
                "fields": pydantic_fields(cls, reg, key),
            }

    # TypeScript: pair operations by (method, path shape), events by type literal
    merge = TsMerge(ts, models, reg)
    shape = lambda m, p: (m, "/".join("{}" if s.startswith("{") else s for s in p.split("/")))  # noqa: E731
    ts_ops = {}
    for o in ts["operations"]:
        if o["http"] is None:
            continue
        k = shape(o["http"]["method"], o["http"]["path"])
        if k in ts_ops:
            fail("typescript-facts", f"two TypeScript operations for {k}")
        ts_ops[k] = o
    if len(ts_ops) != len(operations):
        fail("typescript-facts", f"{len(ts_ops)} TypeScript operations against {len(operations)} Python ones")
    for op in operations:
        where = f"{op['resource']}.{op['method']}"
        o = ts_ops.pop(shape(op["http_method"], op["path"]), None)
        if o is None:
            fail(where, f"no TypeScript operation for {op['http_method']} {op['path']}")
        ts_names = o["http"]["path_params"]
        if [n.lower() for n in ts_names] != [p["name"].lower() for p in op["path_params"]]:
            fail(where, f"path parameter names {[p['name'] for p in op['path_params']]} against TypeScript {ts_names}")
        if (op["page"] is None) != (o["page"] is None):
            fail(where, "paginated in one SDK only")
        merge.pair(op["response"], o["response"], where)

    ts_events = {}
    for skey in ts["webhook_exports"]:
        decl = ts["declarations"][skey]
        if decl["kind"] != "interface":
            continue
        for p in decl["properties"]:
            if p["name"] == union_type["discriminator"] and p["type"]["kind"] == "literal":
                ts_events[p["type"]["value"]] = skey
    events = []
    for variant in union_type["variants"]:
        key = variant["ref"]
        disc = [f for f in models[key]["fields"] if f["name"] == union_type["discriminator"]]
        if len(disc) != 1 or disc[0]["type"]["kind"] != "literal":
            fail(key, "event without a literal discriminator")
        etype = disc[0]["type"]["value"]
        skey = ts_events.pop(etype, None)
        if skey is None:
            fail(key, f"no TypeScript event for {etype}")
        merge.pair(variant, {"kind": "ref", "ref": skey}, key)
        file, name = skey.split("#")
        if not name.endswith("Event"):
            fail(skey, "TypeScript event type's name does not end in Event")
        answer_key = f"{file}#{name[: -len('Event')]}Response"
        if answer_key not in ts["declarations"]:
            fail(skey, f"no TypeScript answer type {answer_key}")
        events.append(
            {
                "type": etype,
                "model": key,
                "answer": ts_to_type({"kind": "ref", "ref": answer_key}, ts, models, answer_key),
                "answer_source": "typescript",
            }
        )
    if ts_events:
        fail("typescript-facts", f"TypeScript events Python lacks: {sorted(ts_events)}")

    merge.settle()
    if merge.contradictions:
        fail("TypeScript merge", "the SDKs contradict each other:\n  " + "\n  ".join(merge.contradictions))
    # fields TypeScript lacks keep Python's reading (optional and nullable)
    for key, model in models.items():
        for f in model["fields"]:
            f.pop("python_ambiguous", None)

    ts_source = ts["source"]
    return {
        "format": FORMAT,
        "source": {
            "python": {"package": "avara", "version": avara.__version__},
            "typescript": {
                "package": ts_source["package"],
                "version": ts_source["version"],
                "commit": ts_source["commit"],
                "repository": ts_source["repository"],
                "src_tree": ts_source["src_tree"],
                "facts_file": "spec/reference/sdk/typescript-facts.json",
                "note": (
                    "No TypeScript SDK commit is generated from the same OpenAPI spec as Python 0.3.0: 0.3.0 adds "
                    "studyInstanceUid and externalPatientId to ReportDeliveredEventData, and no TypeScript (or Java) "
                    "commit has them; neither .stats.yml carries an openapi_spec_hash any more (both say "
                    "configured_endpoints: 63). The newest TypeScript release, v0.2.0 (its src/ tree is also main's "
                    "and the last generator base's), agrees with Python 0.3.0 on every operation and every other "
                    "response field; the two fields are listed in typescript_gaps."
                ),
            },
        },
        "query_array_format": fmt,
        "operations": operations,
        "models": models,
        "webhooks": {
            "union": "UnwrapWebhookEvent",
            "discriminator": union_type["discriminator"],
            "events": events,
        },
        "typescript_gaps": sorted(merge.gaps, key=lambda g: (g["model"], g["field"])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--typescript-facts", type=Path, default=DEFAULT_TS_FACTS)
    parser.add_argument("--out", type=Path, default=None, help="write here instead of stdout")
    args = parser.parse_args()
    if avara.__version__ != "0.3.0":
        print(f"extract_python_facts.py: avara {avara.__version__} is installed, 0.3.0 is pinned", file=sys.stderr)
        return 2
    try:
        facts = extract(args.typescript_facts)
    except ExtractionError as exc:
        print(f"extract_python_facts.py: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(facts, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
