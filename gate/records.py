"""`Record`: a small immutable record, written as a `typing.NamedTuple` is, cheaper to define.

A `NamedTuple` generates the source of its constructor and compiles it when its module is
imported, and compiles every field's annotation too: about a million instructions a class, and a
`gate check` defines dozens. A `Record` subclass is a plain class with `__slots__`: its fields
(the class's annotations, in order, with their defaults) are read once when the class is made,
and one constructor, written here, serves every record. Type checkers see a dataclass-like
constructor (`dataclass_transform`).

It behaves as a `NamedTuple` for what gate asks of one: construction by position or keyword,
equality and hashing by value (and type), the same `repr`, `_replace`, `_fields`, pickling; and
it is frozen. It is not a tuple: a record that is unpacked, indexed or ordered stays a
`NamedTuple`, and so does one built so often that the shared constructor would cost more than
the definition saves (`Parsed`, `SubjectOutcome`, a listing's `_Entry`).

Two things a frozen dataclass offers, a record offers too: `field(default=..., compare=False)`,
a field that equality and hashing leave out, and a `functools.cached_property` (the class then
keeps a `__dict__` for what it computes).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Self, dataclass_transform

_MISSING: Any = object()


class _Field:
    """What `field` says of one field of a record."""

    __slots__ = ("compare", "default")

    def __init__(self, default: Any, compare: bool) -> None:
        self.default = default
        self.compare = compare


def field(default: Any = _MISSING, *, compare: bool = True) -> Any:
    """A field's default, and whether equality and hashing look at it (`repr` shows it)."""
    return _Field(default, compare)


class _RecordType(type):
    """Makes a `Record` class: its annotated names become its slots and its `_fields`."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _RecordType:
        annotations: dict[str, Any] = namespace.get("__annotations__", {})
        fields = tuple(
            field
            for field, annotation in annotations.items()
            if not str(annotation).startswith(("ClassVar", "typing.ClassVar"))
        )
        defaults: dict[str, Any] = {}
        compared: list[str] = []
        for field in fields:
            default = namespace.pop(field, _MISSING)
            compare = True
            if isinstance(default, _Field):
                default, compare = default.default, default.compare
            if default is not _MISSING:
                defaults[field] = default
            if compare:
                compared.append(field)
        required = [field for field in fields if field not in defaults]
        if required and fields.index(required[-1]) >= len(required):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        computed = any(isinstance(value, cached_property) for value in namespace.values())
        namespace["__slots__"] = (*fields, "__dict__") if computed else fields
        namespace["_fields"] = fields
        namespace["_field_defaults"] = defaults
        namespace["_compared"] = tuple(compared)
        return super().__new__(mcs, name, bases, namespace)


@dataclass_transform(eq_default=True, frozen_default=True, field_specifiers=(field,))
class Record(metaclass=_RecordType):
    """A frozen record of the fields its subclass annotates (see the module's text)."""

    _fields: ClassVar[tuple[str, ...]]
    _field_defaults: ClassVar[dict[str, Any]]
    _compared: ClassVar[tuple[str, ...]]  # the fields equality and hashing look at

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(
                f"{type(self).__name__}() takes {len(fields)} arguments but {len(args)} were given"
            )
        setter = object.__setattr__
        for field, value in zip(fields, args, strict=False):
            setter(self, field, value)
        for field in fields[len(args) :]:
            value = kwargs.pop(field, _MISSING)
            if value is _MISSING:
                value = self._field_defaults.get(field, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{type(self).__name__}() missing argument: {field!r}")
            setter(self, field, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments: {list(kwargs)!r}")

    def _values(self, fields: tuple[str, ...] | None = None) -> tuple[Any, ...]:
        names = self._fields if fields is None else fields
        return tuple([getattr(self, field) for field in names])

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._values(self._compared) == other._values(self._compared)

    def __hash__(self) -> int:
        return hash(self._values(self._compared))

    def __repr__(self) -> str:
        shown = ", ".join(f"{field}={getattr(self, field)!r}" for field in self._fields)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._values()  # pickled and copied through the constructor

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"can't set attribute {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"can't delete attribute {name!r} of {type(self).__name__}")

    def _replace(self, **changes: Any) -> Self:
        """A copy with `changes` (field name -> value), as `NamedTuple._replace` makes one."""
        unknown = [name for name in changes if name not in self._fields]
        if unknown:
            raise ValueError(f"Got unexpected field names: {unknown!r}")
        return type(self)(*[changes.get(field, getattr(self, field)) for field in self._fields])
