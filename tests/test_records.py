"""`Record`: written and used as a `NamedTuple` is, made without generating code."""

from __future__ import annotations

import builtins
import copy
import functools
import pickle
from typing import Any, ClassVar, NamedTuple

import pytest

from gate.records import Record, field


class Point(Record):
    """A record of the shape gate's records have."""

    x: int
    y: int = 0
    label: str | None = None
    kind: ClassVar[str] = "point"  # not a field


class PointTuple(NamedTuple):
    x: int
    y: int = 0
    label: str | None = None


def test_fields_are_the_annotated_names_in_order_without_class_variables() -> None:
    assert Point._fields == ("x", "y", "label")
    assert Point._field_defaults == {"y": 0, "label": None}
    assert Point.kind == "point"


def test_built_by_position_and_keyword_with_defaults() -> None:
    assert Point(1) == Point(x=1, y=0, label=None)
    assert Point(1, 2, "a") == Point(1, label="a", y=2)
    assert Point(1, 2).label is None


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing argument: 'x'"),
        ((1, 2, "a", 4), {}, "takes 3 arguments but 4 were given"),
        ((1,), {"z": 3}, "unexpected arguments: ['z']"),
    ],
)
def test_a_wrong_call_is_a_type_error(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Point(*args, **kwargs)


def test_compared_hashed_and_shown_as_a_named_tuple() -> None:
    record, same = Point(1, 2, "a"), PointTuple(1, 2, "a")
    assert repr(record) == repr(same).replace("PointTuple", "Point")
    assert hash(record) == hash(same)
    assert record == Point(1, 2, "a")
    assert record != Point(1, 3, "a")
    assert {record, Point(1, 2, "a")} == {record}
    # a record is no tuple: it equals no other type's value
    assert record != (1, 2, "a")


def test_frozen_and_slotted() -> None:
    record = Point(1)
    with pytest.raises(AttributeError):
        record.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del record.x
    assert not hasattr(record, "__dict__")


def test_replace_as_a_named_tuple_does() -> None:
    record = Point(1, 2)
    assert record._replace(y=5) == Point(1, 5)
    assert record == Point(1, 2)
    with pytest.raises(ValueError, match="unexpected field names: \\['z'\\]"):
        record._replace(z=1)


def test_pickled_and_copied_whole() -> None:
    record = Point(1, 2, "a")
    assert pickle.loads(pickle.dumps(record)) == record
    assert copy.copy(record) == record
    assert copy.deepcopy(record) == record


class Located(Record):
    """A field left out of equality, as a frozen dataclass has it."""

    name: str
    line: int = field(default=0, compare=False)
    text: str = ""

    @functools.cached_property
    def size(self) -> int:
        return len(self.text) + self.line


def test_a_field_left_out_of_equality() -> None:
    one, other = Located("a", 1, "x"), Located("a", 2, "x")
    assert one == other
    assert hash(one) == hash(other)
    assert one != Located("a", 1, "y")
    assert repr(one) == "Located(name='a', line=1, text='x')"  # and shown
    assert pickle.loads(pickle.dumps(one)).line == 1  # kept whole all the same
    assert one._replace(line=5).line == 5


def test_a_computed_property_is_kept_and_the_record_stays_frozen() -> None:
    record = Located("a", 1, "xyz")
    assert record.size == 4
    assert record.__dict__ == {"size": 4}  # a place for what it computes, not for fields
    with pytest.raises(AttributeError):
        record.name = "b"  # type: ignore[misc]
    assert record._replace(text="x").size == 2  # a new record computes again
    assert not hasattr(Point(1), "__dict__")  # a record without one has no such place


def test_a_field_without_a_default_after_one_with_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default follows"):

        class Broken(Record):
            a: int = 0
            b: int  # type: ignore[misc]


def test_making_a_record_class_compiles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a `NamedTuple` costs at import: source generated and compiled for each class."""
    calls: list[str] = []
    for name in ("compile", "eval", "exec"):
        real = getattr(builtins, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(builtins, name, counted)

    class Made(Record):
        a: int
        b: tuple[str, ...] = ()

    assert Made(1).b == ()
    assert calls == []

    class Generated(NamedTuple):
        a: int
        b: tuple[str, ...] = ()

    assert calls  # the same record as a NamedTuple: its constructor's source is compiled
