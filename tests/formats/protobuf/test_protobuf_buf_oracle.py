"""A one-sided oracle: whenever buf's WIRE breaking-change category passes a pair of `.proto`
versions, gate's FULL verdict passes it too, except where the registry is documented to be
stricter than the wire (a message added, removed or renamed; a field added to an existing
oneof), which the generated pairs leave out.

buf comes from the `buf-bin` test dependency; without it the test is skipped with a message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from pathlib import Path

BUF = shutil.which("buf")
pytestmark = pytest.mark.skipif(
    BUF is None, reason="buf is not installed (pip install buf-bin) : the buf oracle is skipped"
)

_TYPES = [
    "int32",
    "int64",
    "uint32",
    "sint32",
    "bool",
    "string",
    "bytes",
    "fixed32",
    "sfixed32",
    "float",
    "double",
    "Color",
    "Inner",
]
_CONFIG = json.dumps({"version": "v1", "breaking": {"use": ["WIRE"]}})

_PASSED: list[int] = []  # pairs buf passed, so the comparison is not vacuous

Fields = dict[int, tuple[str, str, str | None]]


@st.composite
def _fields(draw: st.DrawFn) -> Fields:
    return draw(
        st.dictionaries(
            st.integers(1, 6),
            st.tuples(
                st.sampled_from(_TYPES),
                st.sampled_from(["", "optional ", "repeated "]),
                st.sampled_from([None, None, "p"]),
            ),
            max_size=5,
        )
    )


def _text(fields: Fields) -> str:
    top: list[str] = []
    members: list[str] = []
    for number, (kind, label, oneof) in sorted(fields.items()):
        if oneof is not None:
            members.append(f"    {kind} f{number} = {number};")
        else:
            top.append(f"  {label}{kind} f{number} = {number};")
    body = "\n".join(top + (["  oneof p {\n" + "\n".join(members) + "\n  }"] if members else []))
    return (
        'syntax = "proto3";\npackage shop;\n\nenum Color {\n  RED = 0;\n}\n\n'
        f"message Inner {{\n  int32 x = 1;\n}}\n\nmessage Order {{\n{body}\n}}\n"
    )


def _adds_to_existing_oneof(old: Fields, new: Fields) -> bool:
    old_has_oneof = any(o for _, _, o in old.values())
    return old_has_oneof and any(
        number not in old and oneof for number, (_, _, oneof) in new.items()
    )


def _buf_passes(tmp: Path, old: str, new: str) -> bool:
    for side, text in (("old", old), ("new", new)):
        (tmp / side).mkdir(parents=True, exist_ok=True)
        (tmp / side / "order.proto").write_text(text, encoding="utf-8")
    assert BUF is not None
    done = subprocess.run(
        [BUF, "breaking", str(tmp / "new"), "--against", str(tmp / "old"), "--config", _CONFIG],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 100), done.stderr
    return done.returncode == 0


def _gate_full_passes(old: str, new: str) -> list[str]:
    from gate.compat import Version, check_candidate
    from gate.formats import CheckOptions, get_format
    from gate.model import Mode, Origin, OriginKind, Schema, SchemaType

    fmt = get_format(SchemaType.PROTOBUF)
    options = CheckOptions()
    parsed = [
        fmt.parse(Schema(SchemaType.PROTOBUF, t, Origin(OriginKind.REGISTRY)), options)
        for t in (old, new)
    ]
    from gate.judge import severity_of
    from gate.model import Severity

    # the registry's verdict: errors only (the warnings of what it cannot see are no verdict)
    return [
        v.incompatibility.rule
        for v in check_candidate(fmt, parsed[1], [Version("old", parsed[0])], Mode.FULL, options)
        if severity_of(v.incompatibility.rule) is Severity.ERROR
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(old=_fields(), new=_fields())
@example(
    old={1: ("int32", "", None), 2: ("string", "", "p")},
    new={1: ("int64", "", None), 2: ("bytes", "", "p"), 3: ("Inner", "repeated ", None)},
)
@example(old={1: ("sint32", "optional ", None)}, new={1: ("sint64", "optional ", None)})
def test_what_buf_wire_accepts_the_registry_accepts(
    tmp_path: Path, old: Fields, new: Fields
) -> None:
    if _adds_to_existing_oneof(old, new):
        return  # documented: the registry is stricter (FORWARD sees a removed oneof member)
    old_text, new_text = _text(old), _text(new)
    if _buf_passes(tmp_path, old_text, new_text):
        _PASSED.append(1)
        assert _gate_full_passes(old_text, new_text) == [], (old_text, new_text)


def test_the_oracle_compared_pairs_buf_passed() -> None:
    # runs after the property test in file order: the explicit examples at least
    assert len(_PASSED) >= 2
