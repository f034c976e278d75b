"""Validate a schema against its draft's metaschema quickly, without changing the verdict.

`jsonschema` judges a schema against its metaschema by interpreting the metaschema anew for every
subschema (a dozen calls and a resolver per level): about 20 ms for a schema of a hundred
properties. `conforms` compiles each draft's metaschema once into plain Python checks and runs
those instead. It only ever answers "certainly valid": False means invalid or not established,
and the caller then asks `jsonschema` itself, whose verdict and best error message stay the
reference. So a check this module gets wrong can only cost time, as long as every check it
compiles accepts no more than `jsonschema` accepts:

- the keywords are those the bundled metaschemas use, with `jsonschema`'s semantics (types as its
  type checker sees them, `format` not asserted, `$ref` siblings ignored up to draft-07);
- `$recursiveRef` (2019-09) and `$dynamicRef` (2020-12) lead back to the draft's own metaschema,
  which is where validation started and the outermost schema declaring the anchor;
- any keyword the compiler does not know, or a form of one it does not handle, makes the whole
  draft fall back to `jsonschema`, and a check whose answer it cannot establish cheaply (unique
  items among which are arrays or objects) answers False.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from gate.formats.jsonschema.nodes import Draft

Check = Callable[[Any], bool]

# keywords that only annotate: they never reject an instance (`format`: no format checker is used)
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "id",
        "title",
        "description",
        "default",
        "$comment",
        "format",
        "$vocabulary",
        "$recursiveAnchor",
        "$dynamicAnchor",
        "definitions",
        "$defs",
        "deprecated",
        "examples",
        "readOnly",
        "writeOnly",
    }
)


class _Unsupported(Exception):
    """The metaschema uses something this compiler does not reproduce exactly."""


def _accept(instance: Any) -> bool:
    return True


def _is_number(instance: Any) -> bool:
    return isinstance(instance, (int, float)) and not isinstance(instance, bool)


def _type_check(name: str, draft: Draft) -> Check:
    if name == "object":
        return lambda instance: isinstance(instance, dict)
    if name == "array":
        return lambda instance: isinstance(instance, list)
    if name == "string":
        return lambda instance: isinstance(instance, str)
    if name == "boolean":
        return lambda instance: isinstance(instance, bool)
    if name == "null":
        return lambda instance: instance is None
    if name == "number":
        return _is_number
    if name == "integer":
        if draft is Draft.DRAFT4:
            return lambda instance: isinstance(instance, int) and not isinstance(instance, bool)
        return lambda instance: (
            (isinstance(instance, int) and not isinstance(instance, bool))
            or (isinstance(instance, float) and instance.is_integer())
        )
    raise _Unsupported(f"type {name!r}")


def _all(checks: list[Check]) -> Check:
    checks = [check for check in checks if check is not _accept]
    if not checks:
        return _accept
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda instance: first(instance) and second(instance)

    def every(instance: Any) -> bool:
        return all(check(instance) for check in checks)

    return every


class _Compiler:
    """Compiles one draft's metaschema (and the vocabulary metaschemas it refers to)."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        # exactly the document `jsonschema` validates against (both read it from
        # `jsonschema_specifications`)
        self.root_schema = _metaschema_document(draft)
        declared = self.root_schema.get("$id", self.root_schema.get("id"))
        self.root_uri = urldefrag(declared)[0]
        self.compiled: dict[int, Check] = {}
        self.pending: dict[int, list[Check | None]] = {}
        # the checks compiled from an `enum` of strings, and the strings
        self.enums: dict[Check, frozenset[str]] = {}

    def compile_root(self) -> Check:
        """The check of the whole metaschema.

        Every subschema of an instance goes through it, reached again through `$ref: "#"` (or
        `$recursiveRef`, `$dynamicRef`) from the checks of the keywords holding subschemas; so
        the function is made, and registered, before those checks are compiled, and they call
        it directly rather than through a late-bound cell.
        """
        schema, base = self.root_schema, self.root_uri
        key = id(schema)
        constraints = set(self._types(schema, base, {key}))
        if constraints not in ({frozenset({"object", "boolean"})}, {frozenset({"object"})}):
            return self.schema(schema, base)
        by_name: dict[str, Check] = {}
        lookup = by_name.get
        rest: Check = _accept
        booleans = constraints == {frozenset({"object", "boolean"})}

        def root(instance: Any) -> bool:
            if isinstance(instance, dict):
                for name, member in instance.items():
                    check = lookup(name)
                    if check is not None and not check(member):
                        return False
                return rest is _accept or rest(instance)
            return booleans and isinstance(instance, bool) and (rest is _accept or rest(instance))

        self.compiled[key] = root
        parts = _Parts()
        self._gather(schema, base, parts, {key})
        by_name.update(parts.by_name())
        rest = _all(parts.checks)
        return root

    def _types(
        self, schema: dict[str, Any], base: str, flattening: set[int]
    ) -> list[frozenset[str]]:
        """The `type` constraints `_gather` collects for `schema`, collected without compiling."""
        if "$ref" in schema and not self.draft.at_least(Draft.DRAFT2019_09):
            return []
        found: list[frozenset[str]] = []
        for keyword, value in schema.items():
            if keyword == "type":
                found.append(frozenset([value] if isinstance(value, str) else value))
            elif keyword == "allOf":
                for member in value:
                    target, target_base = self._inlinable(member, base)
                    if target is not None and id(target) not in flattening:
                        found += self._types(target, target_base, flattening | {id(target)})
        return found

    # --- references ----------------------------------------------------------------------------

    def _target(self, ref: str, base: str) -> tuple[Any, str]:
        uri, fragment = urldefrag(urljoin(base, ref))
        if uri == self.root_uri:
            contents = self.root_schema
        else:
            from jsonschema_specifications import REGISTRY

            contents = REGISTRY.contents(uri)
        if fragment:
            if not fragment.startswith("/"):
                raise _Unsupported(f"anchor reference {ref!r}")
            for token in fragment[1:].split("/"):
                token = unquote(token).replace("~1", "/").replace("~0", "~")
                contents = contents[token]
        return contents, uri

    def _reference(self, schema: Any, base: str) -> Check:
        """A check that runs `schema`, compiled once; recursion goes through a late-bound cell."""
        key = id(schema)
        done = self.compiled.get(key)
        if done is not None:
            return done
        cell = self.pending.get(key)
        if cell is not None:

            def later(instance: Any) -> bool:
                check = cell[0]
                assert check is not None
                return check(instance)

            return later
        return self.schema(schema, base)

    # --- schemas -------------------------------------------------------------------------------

    def schema(self, schema: Any, base: str) -> Check:
        key = id(schema)
        done = self.compiled.get(key)
        if done is not None:
            return done
        cell: list[Check | None] = [None]
        self.pending[key] = cell
        try:
            check = self._compile(schema, base)
        finally:
            del self.pending[key]
        cell[0] = check
        self.compiled[key] = check
        return check

    def _compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return _accept
        if not isinstance(schema, dict):
            raise _Unsupported(f"schema {schema!r}")
        parts = _Parts()
        self._gather(schema, base, parts, set())
        return parts.build(self)

    def _gather(
        self, schema: dict[str, Any], base: str, parts: _Parts, flattening: set[int]
    ) -> None:
        """Add the checks of `schema` to `parts`, inlining `allOf` members that are references to
        plain object schemas (the vocabularies of 2019-09 and 2020-12), so that an instance's
        keywords are looked up once rather than once per vocabulary."""
        draft = self.draft
        if "$ref" in schema and not draft.at_least(Draft.DRAFT2019_09):
            parts.checks.append(self._ref_check(schema["$ref"], base))
            return
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            if keyword == "$ref":
                parts.checks.append(self._ref_check(value, base))
            elif keyword in ("$recursiveRef", "$dynamicRef"):
                expected = "#" if keyword == "$recursiveRef" else "#meta"
                expected_draft = (
                    Draft.DRAFT2019_09 if keyword == "$recursiveRef" else Draft.DRAFT2020_12
                )
                if value != expected or draft is not expected_draft:
                    raise _Unsupported(f"{keyword} {value!r}")
                parts.checks.append(self._reference(self.root_schema, self.root_uri))
            elif keyword == "type":
                names = [value] if isinstance(value, str) else value
                parts.types.append(frozenset(names))
            elif keyword == "properties":
                for name, member in value.items():
                    parts.properties.setdefault(name, []).append(self._reference(member, base))
            elif keyword == "additionalProperties":
                if "patternProperties" in schema:
                    raise _Unsupported("additionalProperties beside patternProperties")
                parts.checks.append(
                    _additional(set(schema.get("properties", {})), self._reference(value, base))
                )
            elif keyword == "propertyNames":
                parts.checks.append(_property_names(self._reference(value, base)))
            elif keyword == "items":
                if not isinstance(value, (dict, bool)):
                    raise _Unsupported("items as a list")
                parts.checks.append(_items(self._reference(value, base)))
            elif keyword == "allOf":
                for member in value:
                    target, target_base = self._inlinable(member, base)
                    if target is not None and id(target) not in flattening:
                        self._gather(target, target_base, parts, flattening | {id(target)})
                    else:
                        parts.checks.append(self._reference(member, base))
            elif keyword == "anyOf":
                members = [self._reference(member, base) for member in value]
                allowed = self.enums.get(members[0]) if members else None
                if allowed is not None and len(members) == 2 and _arrays_only(value[1]):
                    # `type`: one of the type names, or an array of them. Asked about a
                    # string, the array cannot match: the names alone decide, in one call fewer
                    parts.checks.append(_names_or(allowed, members[1]))
                else:
                    parts.checks.append(_any_type(members))
            else:
                parts.checks.append(self._keyword(keyword, value, schema))

    def _inlinable(self, member: Any, base: str) -> tuple[Any, str]:
        """The schema a `{"$ref": ...}` member stands for, when it can be merged into its parent:
        an object of types, properties and annotations only."""
        if not isinstance(member, dict) or set(member) - {"$ref"}:
            return None, base
        target, target_base = self._target(member["$ref"], base)
        if isinstance(target, dict) and set(target) <= _ANNOTATIONS | {"type", "properties"}:
            return target, target_base
        return None, base

    def _ref_check(self, ref: Any, base: str) -> Check:
        if not isinstance(ref, str):
            raise _Unsupported(f"$ref {ref!r}")
        target, target_base = self._target(ref, base)
        return self._reference(target, target_base)

    def _keyword(self, keyword: str, value: Any, schema: dict[str, Any]) -> Check:
        draft = self.draft
        if keyword == "enum":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise _Unsupported("enum of non-strings")
            allowed = frozenset(value)

            def one_of_the_names(instance: Any) -> bool:
                return isinstance(instance, str) and instance in allowed

            self.enums[one_of_the_names] = allowed
            return one_of_the_names
        if keyword == "minItems":
            return lambda instance: not isinstance(instance, list) or len(instance) >= value
        if keyword == "uniqueItems":
            if value is not True:
                return _accept
            return _unique
        if keyword == "minimum":
            if not _is_number(value):
                raise _Unsupported("minimum")
            if draft is Draft.DRAFT4 and schema.get("exclusiveMinimum") is True:
                return lambda instance: not _is_number(instance) or instance > value
            return lambda instance: not _is_number(instance) or instance >= value
        if keyword == "exclusiveMinimum":
            if draft is Draft.DRAFT4:
                if not isinstance(value, bool) or "minimum" not in schema:
                    raise _Unsupported("draft-04 exclusiveMinimum")
                return _accept  # folded into `minimum`
            if not _is_number(value):
                raise _Unsupported("exclusiveMinimum")
            return lambda instance: not _is_number(instance) or instance > value
        if keyword == "pattern":
            search = re.compile(value).search
            return lambda instance: not isinstance(instance, str) or search(instance) is not None
        if keyword == "dependencies" and not draft.at_least(Draft.DRAFT2019_09):
            if not all(isinstance(names, list) for names in value.values()):
                raise _Unsupported("schema dependencies")
            pairs = list(value.items())
            return lambda instance: (
                not isinstance(instance, dict)
                or all(
                    name not in instance or all(other in instance for other in names)
                    for name, names in pairs
                )
            )
        raise _Unsupported(f"keyword {keyword!r}")


class _Parts:
    """The checks of one schema, merged across inlined `allOf` members."""

    def __init__(self) -> None:
        self.types: list[frozenset[str]] = []
        self.properties: dict[str, list[Check]] = {}
        self.checks: list[Check] = []

    def by_name(self) -> dict[str, Check]:
        """The check of each property, those that accept anything left out."""
        merged = {name: _all(checks) for name, checks in self.properties.items()}
        return {name: check for name, check in merged.items() if check is not _accept}

    def build(self, compiler: _Compiler) -> Check:
        draft = compiler.draft
        types = _all(
            [
                _any_type([_type_check(name, draft) for name in sorted(names)])
                for names in set(self.types)
            ]
        )
        rest = _all(self.checks)
        by_name = self.by_name()
        if not by_name:
            return _all([types, rest])
        lookup = by_name.get

        def properties(instance: Any) -> bool:
            if isinstance(instance, dict):
                for name, member in instance.items():
                    check = lookup(name)
                    if check is not None and not check(member):
                        return False
            return True

        return _all([types, properties, rest])


def _arrays_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "array" and "$ref" not in schema


def _names_or(allowed: frozenset[str], arrays: Check) -> Check:
    return lambda instance: instance in allowed if instance.__class__ is str else arrays(instance)


def _any_type(checks: list[Check]) -> Check:
    """Any one of `checks` (the types of a list, the members of `anyOf`)."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda instance: first(instance) or second(instance)

    def some(instance: Any) -> bool:
        return any(check(instance) for check in checks)

    return some


def _additional(declared: set[str], check: Check) -> Check:
    if check is _accept:
        return _accept
    if not declared:
        return lambda instance: not isinstance(instance, dict) or all(map(check, instance.values()))
    return lambda instance: (
        not isinstance(instance, dict)
        or all(check(member) for name, member in instance.items() if name not in declared)
    )


def _property_names(check: Check) -> Check:
    if check is _accept:
        return _accept
    return lambda instance: not isinstance(instance, dict) or all(map(check, instance))


def _items(check: Check) -> Check:
    if check is _accept:
        return _accept
    return lambda instance: not isinstance(instance, list) or all(map(check, instance))


def _unique(instance: Any) -> bool:
    if not isinstance(instance, list):
        return True
    if all(isinstance(item, str) for item in instance):
        return len(set(instance)) == len(instance)
    # `jsonschema` tells booleans from numbers (1 and 1.0 are equal, 1 and true are not);
    # containers are left to it: not established
    keys: set[tuple[str, Any]] = set()
    for item in instance:
        key: tuple[str, Any]
        if isinstance(item, bool):
            key = ("boolean", item)
        elif isinstance(item, (int, float)):
            key = ("number", item)
        elif isinstance(item, str):
            key = ("string", item)
        elif item is None:
            key = ("null", None)
        else:
            return False
        if key in keys:
            return False
        keys.add(key)
    return True


_METASCHEMA_FOLDERS = {
    Draft.DRAFT4: "draft4",
    Draft.DRAFT6: "draft6",
    Draft.DRAFT7: "draft7",
    Draft.DRAFT2019_09: "draft201909",
    Draft.DRAFT2020_12: "draft202012",
}


def _metaschema_document(draft: Draft) -> Any:
    """`draft`'s metaschema as `jsonschema` has it, read from `jsonschema_specifications`'s own
    file: importing either package (which loads every draft's documents) costs more than a
    pre-commit hook's whole check of one schema."""
    import importlib.util

    spec = importlib.util.find_spec("jsonschema_specifications")
    folders = spec.submodule_search_locations if spec is not None else None
    if folders:
        path = (
            Path(next(iter(folders))) / "schemas" / _METASCHEMA_FOLDERS[draft] / "metaschema.json"
        )
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # installed in some other form: ask the package itself
    from gate.formats.jsonschema.loader import validator_class

    return validator_class(draft).META_SCHEMA


_compiled: dict[Draft, Check | None] = {}
_lock = threading.Lock()


def compiled_check(draft: Draft) -> Check | None:
    """The compiled metaschema of `draft`; None when it uses something not reproduced here."""
    if draft in _compiled:
        return _compiled[draft]
    with _lock:
        if draft not in _compiled:
            try:
                _compiled[draft] = _Compiler(draft).compile_root()
            except (_Unsupported, LookupError, TypeError, AttributeError, ValueError, re.error):
                # something this module does not reproduce: `jsonschema` judges every schema
                _compiled[draft] = None
        return _compiled[draft]


def conforms(document: Any, draft: Draft) -> bool:
    """True when `document` is certainly valid against `draft`'s metaschema, as `jsonschema`
    judges it; False when it is not, or when that could not be established quickly."""
    check = compiled_check(draft)
    if check is None:
        return False
    try:
        return check(document)
    except RecursionError:
        return False
