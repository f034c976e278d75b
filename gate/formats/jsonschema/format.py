"""`JsonSchemaFormat`: the `SchemaFormat` for JSON Schema. Importing it stays cheap: parsing and
checking modules (and the `jsonschema` library) load on first use."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gate.canonical import canonical_json
from gate.errors import SchemaInvalid
from gate.formats import BuiltinSimulation, Change, CheckOptions, Simulator
from gate.model import Incompatibility, Schema, SchemaType

if TYPE_CHECKING:
    from gate.formats.jsonschema.checker import Difference
    from gate.formats.jsonschema.nodes import ParsedJsonSchema
    from gate.model import Rule

_SCHEMA_KEYS = frozenset(
    {
        "$schema",
        "type",
        "properties",
        "items",
        "$ref",
        "oneOf",
        "anyOf",
        "allOf",
        "enum",
        "const",
        "definitions",
        "$defs",
    }
)
_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "null", "object", "array"})


class JsonSchemaFormat(BuiltinSimulation):
    """JSON Schema, judged by the registry's structural diff (STRICT or LENIENT policy)."""

    type = SchemaType.JSON
    extensions: tuple[str, ...] = (".json",)
    reads_files = True
    trust_skips_checks = True  # a trusted parse skips the metaschema check

    def parse_key(self, schema: Schema, registered: bool) -> tuple[Any, ...]:
        """Read alike in both roles; only a text that names a `$ref` (possibly escaped) reads
        other files, resolved in its own file and revision."""
        from gate.formats import file_key, text_key

        if "$ref" not in schema.text and "\\u" not in schema.text:
            return text_key(schema)
        return file_key(schema)

    def from_yaml(self, text: str) -> str:
        """The JSON text the YAML stands for, its lines the YAML file's."""
        from gate.formats.jsonschema.yamltext import yaml_to_json

        return yaml_to_json(text)

    def rules(self) -> tuple[Rule, ...]:
        """Every JSON Schema rule: one per incompatible registry difference kind, plus
        `JSON_INVALID_SCHEMA` and `JSON_UNRESOLVED_REF`."""
        from gate.formats.jsonschema.kinds import json_rules

        return json_rules()

    def sniff(self, text: str) -> bool:
        """True for a JSON object that looks like a JSON Schema and not like an Avro schema."""
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return False
        if not isinstance(value, dict):
            return False
        declared = value.get("type")
        if "name" in value and declared in ("record", "enum", "fixed", "error"):
            return False
        if isinstance(declared, str) and declared not in _JSON_TYPES:
            return False
        if isinstance(declared, (dict, list)) and "name" in value:
            return False  # an Avro named type wrapping a complex type
        return bool(_SCHEMA_KEYS & value.keys())

    def canonical(self, text: str) -> str:
        """Parsed JSON with sorted keys and no whitespace (the stripped text when not JSON)."""
        return canonical_json(text)

    def parse(
        self,
        schema: Schema,
        options: CheckOptions,
        trusted: bool = False,
        registered: bool = False,
    ) -> ParsedJsonSchema:
        """Decode, validate against the draft's metaschema, resolve `$ref`s.

        Raises `SchemaInvalid` (or its subclass `UnresolvedReference`) for an unusable schema.
        `trusted` (a version the registry holds) skips the metaschema check of the schema itself.
        The registry reads new and registered JSON Schemas alike: `registered` changes nothing.
        """
        from gate.formats.jsonschema.loader import load_schema

        try:
            return load_schema(schema, options, trusted)
        except RecursionError:
            raise SchemaInvalid("the schema is nested too deeply") from None

    def check(self, reader: Any, writer: Any, options: CheckOptions) -> list[Incompatibility]:
        """The registry's verdict: `writer` is the original, `reader` the update."""
        from gate.formats.jsonschema.kinds import compatible_kinds
        from gate.formats.jsonschema.messages import incompatibility

        try:
            found = self._differences(writer, reader, options, notes=False)
        except RecursionError:
            return [_too_deep()]
        allowed = compatible_kinds(options.json_policy)
        unique: dict[tuple[str, str, str, str], Incompatibility] = {}
        for diff in found:
            if diff.kind not in allowed:
                item = incompatibility(diff)
                unique.setdefault((item.rule, item.side, item.path, item.message), item)
        return list(unique.values())

    def diff(self, old: Any, new: Any, options: CheckOptions) -> list[Change]:
        """Every change from `old` to `new`, compatible ones too, judged both ways."""
        from gate.formats.jsonschema.kinds import INVERSE, compatible_kinds
        from gate.formats.jsonschema.messages import shown, what

        allowed = compatible_kinds(options.json_policy)
        try:
            backward = self._differences(old, new, options, notes=True)
            forward = self._differences(new, old, options, notes=False)
        except RecursionError:
            problem = _too_deep()
            return [Change("", problem.message, False, False, (problem.rule,))]
        groups: dict[tuple[Any, Any], tuple[list[Difference], list[Difference]]] = {}
        for diff in backward:
            groups.setdefault((diff.original.place, diff.update.place), ([], []))[0].append(diff)
        for diff in forward:
            groups.setdefault((diff.update.place, diff.original.place), ([], []))[1].append(diff)
        changes: list[Change] = []
        for back, fore in groups.values():
            # the path is where `check` reports the change: backward first, then forward
            broken_back = [diff for diff in back if diff.kind not in allowed]
            broken_fore = [diff for diff in fore if diff.kind not in allowed]
            if broken_back and broken_fore:
                at_back = shown(broken_back[0])[1].at
                at_fore = shown(broken_fore[0])[1].at
                if at_back != at_fore:
                    # `check` shows the two directions at different places: one change each,
                    # so every change stands where the checker reports it
                    changes.append(
                        Change(
                            path=at_back,
                            description="; ".join(dict.fromkeys(what(diff) for diff in back)),
                            backward_ok=False,
                            forward_ok=True,
                            rules=tuple(sorted({d.kind.rule_id for d in broken_back})),
                        )
                    )
                    changes.append(
                        Change(
                            path=at_fore,
                            description="; ".join(
                                dict.fromkeys(
                                    what(_swapped(diff, INVERSE.get(diff.kind, diff.kind)))
                                    for diff in fore
                                )
                            ),
                            backward_ok=True,
                            forward_ok=False,
                            rules=tuple(sorted({d.kind.rule_id for d in broken_fore})),
                        )
                    )
                    continue
            pos = shown((broken_back or broken_fore or back or fore)[0])[1]
            if back:
                words = [what(diff) for diff in back]
            else:
                words = [what(_swapped(diff, INVERSE.get(diff.kind, diff.kind))) for diff in fore]
            rules = sorted(
                {diff.kind.rule_id for diff in (*back, *fore) if diff.kind not in allowed}
            )
            changes.append(
                Change(
                    path=pos.at,
                    description="; ".join(dict.fromkeys(words)),
                    backward_ok=all(diff.kind in allowed for diff in back),
                    forward_ok=all(diff.kind in allowed for diff in fore),
                    rules=tuple(rules),
                )
            )
        return changes

    def _differences(
        self, original: Any, update: Any, options: CheckOptions, notes: bool
    ) -> list[Difference]:
        from gate.formats.jsonschema.checker import differences
        from gate.formats.jsonschema.nodes import ParsedJsonSchema

        if not isinstance(original, ParsedJsonSchema) or not isinstance(update, ParsedJsonSchema):
            raise TypeError("the JSON Schema format compares schemas it parsed itself")
        return differences(original, update, options.json_policy, notes=notes)

    def simulator(self) -> Simulator[object]:
        """Instances of the writer, validated by the reader once its defaults are filled in."""
        from gate.formats.jsonschema.simulate import SIMULATOR

        return SIMULATOR

    def file_references(self, path: str, text: str, options: CheckOptions) -> list[str]:
        """The files the schema's relative `$ref`s name."""
        from gate.formats.jsonschema.references import file_references

        return file_references(path, text)

    # used by the checks

    def registry_text(self, path: str, text: str) -> str:
        """A schema written in YAML as the JSON the registry holds."""
        if not path.lower().endswith((".yaml", ".yml")):
            return text
        from gate.formats.jsonschema.yamltext import schema_text

        return schema_text(path, text)


def _too_deep() -> Incompatibility:
    from gate.formats.jsonschema.rules import INVALID_SCHEMA_RULE

    return Incompatibility(
        rule=INVALID_SCHEMA_RULE,
        message="the schemas nest too deeply (through `$ref` chains) to be compared",
        fix="flatten the chain of `$ref`s, or split the schema",
    )


def _swapped(diff: Difference, kind: Any) -> Difference:
    from gate.formats.jsonschema.checker import Difference

    return Difference(
        kind, diff.update, diff.original, diff.name, diff.new, diff.old, diff.indistinguishable
    )


FORMAT = JsonSchemaFormat()
