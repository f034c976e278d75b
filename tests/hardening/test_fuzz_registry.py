"""Fuzzing the registry response parser: whatever JSON a registry answers (numbers that are no
version, `Infinity`, `1e400`, text, wrong shapes), reading it is a `RegistryError` (exit 3) or a
state, never another exception (exit 4). The answers come from the test registry on 127.0.0.1."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.errors import RegistryError
from gate.sources.registry import HttpRegistry, RegistrySettings
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# numbers as a registry's JSON may spell them, as raw JSON text
numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: (
            "NaN"
            if f != f
            else "Infinity"
            if f == float("inf")
            else "-Infinity"
            if f == float("-inf")
            else repr(f)
        )
    ),
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "1.5",
            "0",
            "true",
            "null",
            '"1"',
            '"one"',
            '" 7 "',
            "[]",
            "{}",
            '"' + "9" * 30 + '"',
            "1" + "0" * 40,
        ]
    ),
)
texts = st.one_of(st.just('"orders-value"'), st.text(max_size=10).map(json.dumps), numbers)
references = st.lists(
    st.fixed_dictionaries({"name": texts, "subject": texts, "version": numbers}), max_size=2
).map(
    lambda items: (
        "["
        + ", ".join("{" + ", ".join(f'"{k}": {v}' for k, v in item.items()) + "}" for item in items)
        + "]"
    )
)
entries = st.fixed_dictionaries(
    {
        "subject": texts,
        "version": numbers,
        "id": numbers,
        "schema": st.sampled_from([json.dumps('"string"'), "1", "null"]),
    },
    optional={
        "references": references,
        "schemaType": st.sampled_from(['"AVRO"', '"JSON"', '"NOPE"', "7"]),
    },
).map(lambda entry: "{" + ", ".join(f'"{k}": {v}' for k, v in entry.items()) + "}")
pages = st.one_of(
    st.lists(entries, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    numbers,
)
version_lists = st.lists(numbers, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")


@pytest.fixture(scope="module")
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


def _load(server: RegistryServer, subjects: Any) -> None:
    registry = HttpRegistry(RegistrySettings(server.url, retries=0, timeout=5.0))
    try:
        registry.load(subjects)
    except RegistryError:
        pass
    finally:
        registry.close()


@FUZZ
@given(body=pages)
def test_any_schemas_page_is_read_or_refused(server: RegistryServer, body: str) -> None:
    server.clear_faults()
    server.raw(body.encode(), path="/schemas", method="GET", times=1)
    server.raw(b"[]", path="/schemas", method="GET")
    _load(server, None)


@FUZZ
@given(versions=version_lists, entry=entries)
def test_any_subject_answers_are_read_or_refused(
    server: RegistryServer, versions: str, entry: str
) -> None:
    server.clear_faults()
    server.raw(versions.encode(), path="/subjects/orders-value/versions", method="GET", times=1)
    server.raw(entry.encode(), path="/subjects/orders-value/versions/", method="GET")
    _load(server, ["orders-value"])
