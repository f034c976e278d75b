"""A small JSON Schema validator for gate.yaml, so that loading it does not import `jsonschema`.

`jsonschema` (with `referencing` and `rpds`) costs about a third of gate's start-up, and gate runs
as a pre-commit hook. gate.yaml is checked against `gate/schemas/config.schema.json`, which stays
the single source of truth (it is also published for editors); this module interprets exactly the
keywords that schema uses, with the semantics of `jsonschema`'s Draft 2020-12 validator:

- `type` (and `integer` accepting a float with an integral value, never a boolean), `enum` and
  `const` (where `true` is not `1`), `minLength`, `minimum`, `maximum`, `exclusiveMinimum`,
  `pattern` (`re.search`), `properties`, `additionalProperties` (true or false), `required`,
  `items` (one schema for every item) and `$ref` to `#/$defs/<name>`;
- annotations (`title`, `description`, `$comment`, `default`, `examples`, `x-...`) are ignored,
  and `$schema`, `$id`, `$defs` are read at the root only.

Errors come in the order `jsonschema`'s `iter_errors` yields them (the keywords of each schema in
the order the file writes them, properties in schema order, items in list order, one error per
missing required key, one error for all unknown keys of a mapping) and carry what gate reads of
them: `validator`, `validator_value`, `schema`, `instance`, `absolute_path` (and `path`), and
`message` (jsonschema's wording).

A schema using anything else (a new keyword, a `$ref` elsewhere, a boolean subschema, ...) makes
`ConfigSchema(...)` raise `UnsupportedSchemaError` as soon as it is built: the schema and this
validator cannot silently diverge. tests/test_config_validator.py checks it against `jsonschema`.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import cast

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# keywords that validate, each interpreted below
VALIDATING = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "minLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "pattern",
        "properties",
        "additionalProperties",
        "required",
        "items",
    }
)
# keywords that never produce an error (x-... vendor keywords are annotations too)
ANNOTATIONS = frozenset({"title", "description", "$comment", "default", "examples"})
# keywords read at the root only
ROOT_ONLY = frozenset({"$schema", "$id", "$defs"})
TYPES = frozenset({"string", "integer", "number", "boolean", "object", "array", "null"})
_REF_PREFIX = "#/$defs/"

Path = tuple[str | int, ...]


class UnsupportedSchemaError(Exception):
    """config.schema.json uses something this validator does not interpret (a bug in gate)."""


class SchemaViolation:
    """One error, shaped like `jsonschema.ValidationError` where gate reads it.

    (A plain class: a dataclass would cost a noticeable part of a millisecond at import.)
    """

    __slots__ = ("absolute_path", "instance", "message", "schema", "validator", "validator_value")

    def __init__(
        self,
        validator: str,
        validator_value: object,
        schema: Mapping[str, object],
        instance: object,
        absolute_path: Path,
        message: str,
    ) -> None:
        self.validator = validator
        self.validator_value = validator_value
        self.schema = schema
        self.instance = instance
        self.absolute_path = absolute_path
        self.message = message

    @property
    def path(self) -> Path:
        """The path from the validated instance (errors are only yielded from the root)."""
        return self.absolute_path

    def __repr__(self) -> str:
        return f"<SchemaViolation {self.validator} at {list(self.absolute_path)}: {self.message}>"


def is_type(instance: object, kind: str) -> bool:
    """jsonschema's Draft 2020-12 type checker."""
    if kind == "string":
        return isinstance(instance, str)
    if kind == "object":
        return isinstance(instance, dict)
    if kind == "array":
        return isinstance(instance, list)
    if kind == "null":
        return instance is None
    if kind == "boolean":
        return isinstance(instance, bool)
    if isinstance(instance, bool):
        return False
    if kind == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if kind == "number":
        return isinstance(instance, numbers.Number)
    raise UnsupportedSchemaError(f"unknown type {kind!r}")  # pragma: no cover - checked at load


_TRUE, _FALSE = object(), object()


def _unbool(value: object) -> object:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def equal(one: object, two: object) -> bool:
    """jsonschema's equality: `true` is not `1`, `1.0` is `1`, lists and mappings deeply."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def _extras_message(extras: list[str]) -> str:
    verb = "was" if len(extras) == 1 else "were"
    return ", ".join(repr(extra) for extra in extras) + " " + verb


class ConfigSchema:
    """A validator of instances against `schema` (or against its `$defs[definition]`)."""

    def __init__(self, schema: Mapping[str, object], definition: str | None = None) -> None:
        if schema.get("$schema") != DRAFT_2020_12:
            raise UnsupportedSchemaError(
                f"config schema: $schema must be {DRAFT_2020_12!r}, not {schema.get('$schema')!r}"
            )
        defs = schema.get("$defs", {})
        if not isinstance(defs, dict):
            raise UnsupportedSchemaError("config schema: $defs must be a mapping")
        self._defs: dict[str, Mapping[str, object]] = defs
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._check(schema, "#", root=True)
        for name, subschema in defs.items():
            self._check(subschema, f"#/$defs/{name}")
        if definition is None:
            self.schema: Mapping[str, object] = schema
        elif definition in defs:
            self.schema = defs[definition]
        else:
            raise UnsupportedSchemaError(f"config schema: no $defs/{definition}")

    # ------------------------------------------------------------------ checking the schema

    def _fail(self, where: str, message: str) -> UnsupportedSchemaError:
        return UnsupportedSchemaError(
            f"config schema at {where}: {message}; gate/configschema.py interprets only "
            f"{', '.join(sorted(VALIDATING))} (teach it the new keyword, with a differential "
            "test, before using it in gate/schemas/config.schema.json)"
        )

    def _check(self, schema: object, where: str, root: bool = False) -> None:
        if not isinstance(schema, dict):
            raise self._fail(where, f"a subschema must be a mapping, not {schema!r}")
        for keyword, value in schema.items():
            at = f"{where}/{keyword}"
            if keyword in ROOT_ONLY:
                if not root:
                    raise self._fail(at, f"{keyword} is supported at the root only")
            elif keyword in ANNOTATIONS or keyword.startswith("x-"):
                continue
            elif keyword not in VALIDATING:
                raise self._fail(at, f"unsupported keyword {keyword!r}")
            elif keyword == "$ref":
                name = value[len(_REF_PREFIX) :] if isinstance(value, str) else ""
                if (
                    not isinstance(value, str)
                    or not value.startswith(_REF_PREFIX)
                    or name not in self._defs
                    or "/" in name
                    or "~" in name
                    or "%" in name
                ):
                    raise self._fail(at, f"unsupported $ref {value!r} (only #/$defs/<name>)")
            elif keyword == "type":
                kinds = [value] if isinstance(value, str) else cast("list[str]", value)
                if not isinstance(kinds, list) or not kinds or not set(kinds) <= TYPES:
                    raise self._fail(at, f"unsupported type {value!r}")
            elif keyword in ("enum", "required"):
                if not isinstance(value, list):
                    raise self._fail(at, f"{keyword} must be a list")
                if keyword == "required" and not all(isinstance(v, str) for v in value):
                    raise self._fail(at, "required must list names")
            elif keyword in ("minLength", "minimum", "maximum", "exclusiveMinimum"):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise self._fail(at, f"{keyword} must be a number")
            elif keyword == "pattern":
                if not isinstance(value, str):
                    raise self._fail(at, "pattern must be a string")
                self._patterns[value] = re.compile(value)
            elif keyword == "properties":
                if not isinstance(value, dict):
                    raise self._fail(at, "properties must be a mapping")
                for name, subschema in value.items():
                    self._check(subschema, f"{at}/{name}")
            elif keyword == "additionalProperties":
                if not isinstance(value, bool):
                    raise self._fail(at, "only additionalProperties true or false is supported")
            elif keyword == "items":
                self._check(value, at)
            # const: any JSON value

    # ------------------------------------------------------------------ validating

    def iter_errors(self, instance: object) -> Iterator[SchemaViolation]:
        """Every violation, in the order `jsonschema`'s `iter_errors` yields them."""
        return self._errors(self.schema, instance, ())

    def is_valid(self, instance: object) -> bool:
        return next(self.iter_errors(instance), None) is None

    def _errors(
        self, schema: Mapping[str, object], instance: object, path: Path
    ) -> Iterator[SchemaViolation]:
        for keyword, value in schema.items():
            if keyword == "$ref":
                definition = self._defs[cast("str", value)[len(_REF_PREFIX) :]]
                yield from self._errors(definition, instance, path)
            elif keyword == "properties":
                if isinstance(instance, dict):
                    properties = cast("Mapping[str, Mapping[str, object]]", value)
                    for name, subschema in properties.items():
                        if name in instance:
                            yield from self._errors(subschema, instance[name], (*path, name))
            elif keyword == "items":
                if isinstance(instance, list):
                    for index, item in enumerate(instance):
                        subschema = cast("Mapping[str, object]", value)
                        yield from self._errors(subschema, item, (*path, index))
            elif keyword == "required":
                if isinstance(instance, dict):
                    for name in cast("list[str]", value):
                        if name not in instance:
                            missing = f"{name!r} is a required property"
                            yield SchemaViolation(keyword, value, schema, instance, path, missing)
            else:
                failed = self._message(keyword, value, instance, schema)
                if failed is not None:
                    yield SchemaViolation(keyword, value, schema, instance, path, failed)

    def _message(
        self, keyword: str, value: object, instance: object, schema: Mapping[str, object]
    ) -> str | None:
        """jsonschema's message when `keyword` fails on `instance`, else None."""
        if keyword == "type":
            kinds = [value] if isinstance(value, str) else cast("list[str]", value)
            if any(is_type(instance, kind) for kind in kinds):
                return None
            return f"{instance!r} is not of type {', '.join(repr(kind) for kind in kinds)}"
        if keyword == "additionalProperties":
            if value or not isinstance(instance, dict):
                return None
            properties = cast("Mapping[str, object]", schema.get("properties", {}))
            extras = {name for name in instance if name not in properties}
            if not extras:
                return None
            unexpected = _extras_message(sorted(extras, key=str))
            return f"Additional properties are not allowed ({unexpected} unexpected)"
        if keyword == "enum":
            if any(equal(each, instance) for each in cast("list[object]", value)):
                return None
            return f"{instance!r} is not one of {value!r}"
        if keyword == "const":
            return None if equal(instance, value) else f"{value!r} was expected"
        if keyword == "minLength":
            if not isinstance(instance, str) or len(instance) >= cast("int", value):
                return None
            return f"{instance!r} {'should be non-empty' if value == 1 else 'is too short'}"
        if keyword == "pattern":
            if not isinstance(instance, str) or self._patterns[cast("str", value)].search(instance):
                return None
            return f"{instance!r} does not match {value!r}"
        if keyword in ("minimum", "maximum", "exclusiveMinimum"):
            if not is_type(instance, "number"):
                return None
            number, bound = cast("float", instance), cast("float", value)
            if keyword == "minimum" and number < bound:
                return f"{instance!r} is less than the minimum of {value!r}"
            if keyword == "maximum" and number > bound:
                return f"{instance!r} is greater than the maximum of {value!r}"
            if keyword == "exclusiveMinimum" and number <= bound:
                return f"{instance!r} is less than or equal to the minimum of {value!r}"
            return None
        return None  # annotations, $schema, $id, $defs
