"""Regular expressions of JSON Schemas, evaluated with a hard budget per match.

A schema's `pattern` or `patternProperties` may backtrack catastrophically (`^(a|a)*$` against
forty `a`s and a `!`): Python's `re` then runs for minutes or for ever. Every match that gate
makes against a schema's pattern goes through here: the `regex` module (the same syntax as `re`,
plus the look-arounds and back-references that ECMA 262 patterns use) with its `timeout=`, so
that one match costs at most `MATCH_BUDGET` seconds and then raises `PatternTooSlow`, which the
caller reports as a note instead of hanging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

MATCH_BUDGET = 0.5  # seconds of one match of one pattern against one string


class PatternTooSlow(Exception):
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


def _pattern_properties(validator: Any, patterns: Any, instance: Any,
                        schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = {
        name for name in instance
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


@cache
def bounded_validator_class(cls: Any) -> Any:
    """`cls` (a jsonschema validator class) whose `pattern`, `patternProperties` and
    `additionalProperties` keywords match within the budget."""
    from jsonschema import validators

    return validators.extend(cls, {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    })
