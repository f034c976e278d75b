"""Regular expressions of JSON Schemas, evaluated with a hard budget per match.

A schema's `pattern` or `patternProperties` may backtrack catastrophically (`^(a|a)*$` against
forty `a`s and a `!`): Python's `re` then runs for minutes or for ever. Every match that gate
makes against a schema's pattern goes through here (jsonschema's own keywords that match one,
`unevaluatedProperties` included, are replaced by bounded ones): the `regex` module (the same
syntax as `re`, plus the look-arounds and back-references that ECMA 262 patterns use) with its
`timeout=`, so that one match costs at most `MATCH_BUDGET` seconds and then raises
`PatternTooSlow`, which the caller reports as a note instead of hanging.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from gate.simulation_types import SimulationNotRun

if TYPE_CHECKING:
    from collections.abc import Iterator

MATCH_BUDGET = 0.5  # seconds of one match of one pattern against one string


class PatternTooSlow(SimulationNotRun):
    """A pattern's match did not finish within the budget (catastrophic backtracking)."""

    def __init__(self, pattern: str) -> None:
        shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
        super().__init__(
            f"the pattern {shown!r} could not be evaluated within {MATCH_BUDGET} s "
            "(catastrophic backtracking)"
        )
        self.pattern = pattern


class BoundedPattern:
    """One compiled pattern whose `search` gives up after the budget."""

    def __init__(self, pattern: str) -> None:
        import regex

        self.pattern = pattern
        try:
            self._compiled = regex.compile(pattern)
        except regex.error as error:  # the callers know `re`'s error
            raise re.error(str(error), pattern) from None

    def search(self, text: str) -> bool:
        """True when the pattern matches somewhere in `text`; `PatternTooSlow` past the budget."""
        try:
            return self._compiled.search(text, timeout=MATCH_BUDGET) is not None
        except TimeoutError:
            raise PatternTooSlow(self.pattern) from None


@lru_cache(maxsize=1024)
def bounded(pattern: str) -> BoundedPattern:
    """The compiled pattern (`re.error` when it is not a valid regular expression)."""
    return BoundedPattern(pattern)


def search(pattern: str, text: str) -> bool:
    """`re.search(pattern, text) is not None`, within the budget."""
    return bounded(pattern).search(text)


# -- jsonschema keywords that match patterns --------------------------------------------------


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = {
        name
        for name in instance
        if name not in properties and not any(search(p, name) for p in patterns)
    }
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            shown = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {shown}")
        else:
            listed = ", ".join(repr(each) for each in sorted(extras, key=str))
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({listed} {verb} unexpected)"
            )


def _evaluated_keys(validator: Any, instance: Any, schema: Any, legacy: bool) -> list[Any]:
    """The properties of `instance` that `schema` evaluates, as jsonschema finds them for
    `unevaluatedProperties` (`find_evaluated_property_keys_by_schema`: draft 2020-12, or the
    draft 2019-09 form when `legacy`), with each `patternProperties` pattern matched within the
    budget; jsonschema's own matches with `re` and no limit."""
    if validator.is_type(schema, "boolean"):
        return []
    keys: list[Any] = []

    def follow(resolved: Any) -> None:
        keys.extend(
            _evaluated_keys(
                validator.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                instance,
                resolved.contents,
                legacy,
            )
        )

    ref = schema.get("$ref")
    if ref is not None:
        follow(validator._resolver.lookup(ref))
    if legacy:
        if "$recursiveRef" in schema:
            from referencing.jsonschema import lookup_recursive_ref

            follow(lookup_recursive_ref(validator._resolver))
        for keyword in ("properties", "additionalProperties", "unevaluatedProperties"):
            if keyword not in schema:
                continue
            value = schema[keyword]
            if validator.is_type(value, "boolean") and value:
                keys += instance.keys()
            elif validator.is_type(value, "object"):
                keys += [name for name in value if name in instance]
    else:
        dynamic = schema.get("$dynamicRef")
        if dynamic is not None:
            follow(validator._resolver.lookup(dynamic))
        properties = schema.get("properties")
        if validator.is_type(properties, "object"):
            keys += properties.keys() & instance.keys()
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            subschema = schema.get(keyword)
            if subschema is None:
                continue
            keys += [
                name
                for name, value in instance.items()
                if next(validator.descend(value, subschema), None) is None
            ]
    if "patternProperties" in schema:
        for name in instance:
            for pattern in schema["patternProperties"]:
                if search(pattern, name):
                    keys.append(name)
    if "dependentSchemas" in schema:
        for name, subschema in schema["dependentSchemas"].items():
            if name in instance:
                keys += _evaluated_keys(validator, instance, subschema, legacy)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if next(validator.descend(instance, subschema), None) is None:
                keys += _evaluated_keys(validator, instance, subschema, legacy)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys += _evaluated_keys(validator, instance, schema["if"], legacy)
            if "then" in schema:
                keys += _evaluated_keys(validator, instance, schema["then"], legacy)
        elif "else" in schema:
            keys += _evaluated_keys(validator, instance, schema["else"], legacy)
    return keys


def _unevaluated(legacy: bool) -> Any:
    def unevaluated_properties(
        validator: Any, unevaluated: Any, instance: Any, schema: Any
    ) -> Iterator[Any]:
        from jsonschema.exceptions import ValidationError

        if not validator.is_type(instance, "object"):
            return
        evaluated = _evaluated_keys(validator, instance, schema, legacy)
        rejected = [
            name
            for name in instance
            if name not in evaluated
            for _ in validator.descend(instance[name], unevaluated, path=name, schema_path=name)
        ]
        if not rejected:
            return
        if unevaluated is False:
            listed = sorted(rejected, key=str)
            yield ValidationError(
                f"Unevaluated properties are not allowed ({_extras(listed)} unexpected)"
            )
        else:
            yield ValidationError(
                "Unevaluated properties are not valid under the given schema "
                f"({_extras(rejected)} unevaluated and invalid)"
            )

    return unevaluated_properties


def _extras(names: list[Any]) -> str:
    listed = ", ".join(repr(name) for name in names)
    return f"{listed} {'was' if len(names) == 1 else 'were'}"


@cache
def bounded_validator_class(cls: Any) -> Any:
    """`cls` (a jsonschema validator class) whose `pattern`, `patternProperties`,
    `additionalProperties` and `unevaluatedProperties` keywords match within the budget.

    Every other keyword that reaches a schema's pattern (`propertyNames`, `dependentSchemas`,
    `if`, `allOf`, ...) does so through these. `format: regex` only compiles its instance."""
    from jsonschema import validators

    keywords = {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    }
    original = cls.VALIDATORS.get("unevaluatedProperties")
    if original is not None:
        keywords["unevaluatedProperties"] = _unevaluated(
            legacy=original.__name__.endswith("draft2019")
        )
    return validators.extend(cls, keywords)
