"""Schema formats. Each format is one module registered in `FORMATS`; nothing else knows them.

A format implements `SchemaFormat`. The pipeline and `gate.compat` only ever call through it, so
adding a schema type means adding a module and its lines in `_FORMAT_MODULES` and
`_FORMAT_EXTENSIONS`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from gate.errors import UnsupportedFormat
from gate.model import Incompatibility, JsonPolicy, Origin, Schema, SchemaType, Side, Witness
from gate.records import Record

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from gate.model import Rule
    from gate.samples import DecodedWire, Sample, SampleProblem
    from gate.simulation_types import SimulationOutcome


class CheckOptions(Record):
    """Knobs a format's checker may read."""

    json_policy: JsonPolicy = JsonPolicy.STRICT
    allow_remote_refs: bool = False
    # the repository root: relative `$ref`s may be read below it, never outside
    root: Path | None = None
    # reads a root-relative path as it is where a schema came from (a git revision, the index):
    # (origin, path) -> its bytes, or None when it does not exist there. Without it, and for
    # schemas from the work tree, relative `$ref`s are read from the files on disk
    files: Callable[[Origin, str], bytes | None] | None = None
    # repository-relative folders a Protobuf `import` is looked for in, before the repository
    # root and the importing file's folder (`protobuf: import_paths:` in gate.yaml)
    import_paths: tuple[str, ...] = ()


class Change(Record):
    """One change between two versions of a schema, in plain words, and how it is judged.

    `backward_ok` / `forward_ok` must agree with the format's checker: a change is not
    backward-compatible exactly when the checker reports a backward incompatibility at or below
    `path`.
    """

    path: str  # JSON Pointer into the new schema (or the old one for removals)
    description: str
    backward_ok: bool
    forward_ok: bool
    rules: tuple[str, ...] = ()  # rule ids of the incompatibilities this change causes

    @property
    def verdict(self) -> str:
        if self.backward_ok and self.forward_ok:
            return "compatible (FULL)"
        if self.backward_ok:
            return "BACKWARD-compatible, breaks FORWARD"
        if self.forward_ok:
            return "FORWARD-compatible, breaks BACKWARD"
        return "breaks BACKWARD and FORWARD"


# what a format's simulator takes for a schema (`Simulator.input`); the core only passes it back
SimInput = TypeVar("SimInput")


class Simulator(Protocol[SimInput]):
    """A format's consumer simulation, on what `input` makes of its parsed schemas."""

    # True: `input` is the parsed form itself, and the checker's warnings get witnesses too;
    # False: the schema's JSON, and outcomes may be reused for equal JSON within a subject
    parsed_input: bool
    # a witness found for one version of a history may be tried on the next (`witness_of`)
    reuses_witnesses: bool
    # the encoding of a message body ("avro", "protobuf"), which witnesses show beside the wire
    # message; None: the format has no binary body
    body_encoding: str | None

    def input(self, value: object) -> SimInput:
        """What `simulate` and `decode_wire` take for a schema this format parsed to `value`."""
        ...

    def prepare(self, writer: SimInput, reader: SimInput) -> None:
        """Note that both `input`s come from schemas that parsed (checks need not run again)."""
        ...

    def witness_of(
        self,
        writer: SimInput,
        reader: SimInput,
        payload: object,
        *,
        writer_label: str,
        reader_label: str,
        target: str | None = None,
    ) -> Witness | None:
        """`payload` as the witness of this pair (at `target`, a finding's place) when it is
        one, else None."""
        ...

    def plain_reader(
        self, writer: SimInput, reader: SimInput
    ) -> Callable[[Sample], DecodedWire | SampleProblem]:
        """A reader of JSON samples written with `writer`, then read as `reader` reads them, the
        two schemas prepared once: a sample the writer cannot write is a `SampleProblem`
        (SAMPLE_NOT_VALID_FOR_WRITER); a reader that fails comes back as `DecodedWire.error`."""
        ...

    def worth_simulating(self, reader: object | None, writer: object | None) -> bool:
        """Whether a pair the checker accepts may still show something on data (parsed forms;
        None: that schema did not parse): a changed pair is then simulated anyway."""
        ...

    def rules_accept(self, reader: object, writer: object) -> bool:
        """Whether the format's rules let `reader` (parsed) read data `writer` wrote, for samples
        that only some consumers fail on (`DecodedWire.fastavro_only`); False: not told."""
        ...

    def payload_json(self, value: object) -> object:
        """A decoded payload as a JSON value, for a witness."""
        ...

    def simulate(
        self,
        writer: SimInput,
        reader: SimInput,
        *,
        writer_label: str,
        reader_label: str,
        samples: Sequence[object] = (),
        seed: int = 0,
        random_count: int = 20,
        schema_id: int | None = None,
        targets: Sequence[str] = (),
    ) -> SimulationOutcome:
        """Payloads written with `writer`, read with `reader` (each an `input`): as
        `gate.simulate.simulate_pair` promises, with a witness for each target path."""
        ...

    def decode_wire(
        self, sample: Sample, writer: SimInput, reader: SimInput | None
    ) -> DecodedWire | SampleProblem:
        """A captured message (`read_wire`'s) read with the writer schema of its id, then as
        `reader` reads it (None: the writer alone)."""
        ...


class SchemaFormat(Protocol):
    """The interface every schema type implements."""

    type: SchemaType
    extensions: tuple[str, ...]  # lower-case, with the dot: (".avsc",)
    reads_files: bool  # a schema may read other files of the repository (`file_references`)

    def rules(self) -> tuple[Rule, ...]:
        """Every rule id this format can report."""
        ...

    def sniff(self, text: str) -> bool:
        """True when `text` looks like a schema of this type (for type inference)."""
        ...

    def parse(
        self,
        schema: Schema,
        options: CheckOptions,
        trusted: bool = False,
        registered: bool = False,
    ) -> object:
        """Parse and validate; raise `gate.errors.SchemaInvalid` for an invalid schema.

        `trusted` marks a version the registry already accepted: a format may then skip checks
        that cannot change the parsed form of a valid schema (never any that can).
        `registered` gives the schema the role of a registered version rather than a new one:
        a format whose registry parses the two by different rules (Avro) applies the rules of
        that role."""
        ...

    def check(self, reader: object, writer: object, options: CheckOptions) -> list[Incompatibility]:
        """Every reason `reader` cannot read data written with `writer` (empty: compatible).

        For formats judged by an original/update diff (JSON Schema), `writer` is the original
        and `reader` the update.
        """
        ...

    def diff(self, old: object, new: object, options: CheckOptions) -> list[Change]:
        """The changes from `old` to `new`, each classified consistently with `check`."""
        ...

    def edit_warnings(self, old: object, new: object, side: Side) -> list[Incompatibility]:
        """Warnings of the edit from `old` to `new` that a reader/writer check cannot tell from
        the reverse edit (Protobuf: a removal without `reserved`, a rename); `side` is the role
        `new` plays in the check they are reported with. Empty for most formats."""
        ...

    def simulator(self) -> Simulator[object] | None:
        """The format's consumer simulation; None: payloads of this type are not simulated."""
        ...

    def read_wire(self, data: bytes, display: str) -> Sample | SampleProblem:
        """One captured `.bin` message, its framing checked: the magic byte and schema id,
        and whatever the format puts between them and the body (Protobuf: message indexes)."""

    def file_references(self, path: str, text: str, options: CheckOptions) -> list[str]:
        """The repository paths of the files that parsing `text` (the file at the repository path
        `path`) may read: a change to one of them can change the schema's verdict. Found in the
        text without parsing it; a path that may not exist is fine (it costs a subject judged
        again, nothing more). Empty for a format whose schemas read no other file."""
        ...

    # a `trusted` parse skips checks a careful one makes: it may not stand in for one
    trust_skips_checks: bool

    def parse_key(self, schema: Schema, registered: bool) -> tuple[object, ...]:
        """What a parse of `schema` in this role depends on: two schemas with one key parse
        alike (the text, its references, and its file where the parse may read others)."""
        ...

    def from_yaml(self, text: str) -> str:
        """The text `parse` reads for a schema written in a YAML file (JSON Schema: the JSON it
        stands for; raises `SchemaInvalid` when it is no YAML); other formats: `text`."""
        ...

    def canonical_shape(self, text: str) -> tuple[int, ...] | None:
        """Counts that every text with one `canonical` form shares, read without decoding:
        texts of different shapes differ. None when the text alone cannot tell."""
        ...

    def structurally_unlike(self, a: object, b: object) -> bool:
        """Whether two schemas this format parsed (`parse`) are known to have different
        `canonical` forms without reading their texts again; False when it cannot tell."""
        ...

    def canonical(self, text: str) -> str:
        """`text` reduced to what drift compares: two texts with one canonical form are the same
        schema written differently (formatting, key order, comments, docs). Never raises: a
        text the format cannot read is its own stripped text."""
        ...

    # used by the checks

    def registry_text(self, path: str, text: str) -> str:
        """`text`, the file at `path`, as the registry holds it (drift compares that)."""
        ...


class BuiltinSimulation:
    """What the JSON-document formats (Avro, JSON Schema) share: no edit warnings, the plain
    Confluent framing (magic byte, schema id, body), and texts whose shape is JSON's."""

    def canonical_shape(self, text: str) -> tuple[int, ...] | None:
        if not text.lstrip().startswith(("{", "[")):
            return None
        from gate.canonical import json_shape

        return json_shape(text)

    def structurally_unlike(self, a: object, b: object) -> bool:
        return False

    def from_yaml(self, text: str) -> str:
        return text

    def edit_warnings(self, old: object, new: object, side: Side) -> list[Incompatibility]:
        return []

    def read_wire(self, data: bytes, display: str) -> Sample | SampleProblem:
        from gate.samples import read_wire

        return read_wire(data, display)


_FORMAT_MODULES: dict[SchemaType, str] = {
    SchemaType.AVRO: "gate.formats.avro",
    SchemaType.JSON: "gate.formats.jsonschema",
    SchemaType.PROTOBUF: "gate.formats.protobuf",
}
# the extensions each format claims (its `extensions`, which a test holds equal to this): the
# built-in subject rules and type inference read them without importing every format
_FORMAT_EXTENSIONS: dict[SchemaType, tuple[str, ...]] = {
    SchemaType.AVRO: (".avsc",),
    SchemaType.JSON: (".json",),
    SchemaType.PROTOBUF: (".proto",),
}

# the type a schema registry assumes for a schema whose request or reply names none
REGISTRY_DEFAULT_TYPE = SchemaType.AVRO
# the type of a file that nothing else tells (its references are read as this type reads them)
DEFAULT_TYPE = SchemaType.JSON

_loaded: dict[SchemaType, SchemaFormat] = {}


def get_format(schema_type: SchemaType) -> SchemaFormat:
    """The format implementation of a schema type, imported on first use."""
    if schema_type not in _loaded:
        module_name = _FORMAT_MODULES.get(schema_type)
        if module_name is None:
            raise UnsupportedFormat(
                f"schema type {schema_type.value} is not supported yet",
                hint="supported types: " + ", ".join(t.value for t in _FORMAT_MODULES),
            )
        module = importlib.import_module(module_name)
        _loaded[schema_type] = module.FORMAT
    return _loaded[schema_type]


def text_key(schema: Schema, role: bool = False) -> tuple[object, ...]:
    """A parse key of a schema whose parse reads no file but its text and references."""
    return (schema.type, schema.text, schema.resolved_references, None, role)


def file_key(schema: Schema, role: bool = False) -> tuple[object, ...]:
    """A parse key of a schema whose parse may read files beside its own: resolved in its own
    file and revision."""
    origin = schema.origin
    return (
        schema.type,
        schema.text,
        schema.resolved_references,
        (origin.path, origin.kind, origin.rev),
        role,
    )


def yaml_schema_text(path: str | None, text: str) -> str:
    """`text` as the text of its schema: converted when `path` is a YAML file (JSON Schema
    written in YAML), else as it is; text that is no YAML stays as it is."""
    from gate.formats.jsonschema.yamltext import schema_text

    return schema_text(path, text)


def supported_types() -> tuple[SchemaType, ...]:
    return tuple(_FORMAT_MODULES)


def format_rules() -> list[Rule]:
    out: list[Rule] = []
    for schema_type in _FORMAT_MODULES:
        try:
            out.extend(get_format(schema_type).rules())
        except ModuleNotFoundError:
            continue
    return out


# extensions whose files may hold more than one schema type (Avro is often written as .json):
# the type of such a file is read from its content
_SNIFFED_EXTENSIONS = (".json", ".schema")


def _extension_types() -> dict[str, SchemaType]:
    """Every extension a format claims as its own, with that format's type."""
    out: dict[str, SchemaType] = {}
    for schema_type, extensions in _FORMAT_EXTENSIONS.items():
        for extension in extensions:
            out.setdefault(extension, schema_type)
    return out


_EXTENSION_TYPES = _extension_types()


def subject_extensions() -> tuple[tuple[str, SchemaType | None], ...]:
    """The extensions of the built-in subject rules (no gate.yaml), from the formats'
    `extensions`: each with its format's type, or None where the content tells the type."""
    return tuple(
        (extension, None if extension in _SNIFFED_EXTENSIONS else schema_type)
        for extension, schema_type in _EXTENSION_TYPES.items()
    )


def default_type(path: str) -> SchemaType:
    """The type of a file by its name, else `DEFAULT_TYPE`."""
    return infer_type(path) or DEFAULT_TYPE


def infer_type(path: str, text: str | None = None) -> SchemaType | None:
    """The schema type of a file: by extension first, then by sniffing its content (a `.yaml`
    or `.yml` file is a JSON Schema when it declares `$schema`, else no schema)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SNIFFED_EXTENSIONS:
        claimed = _EXTENSION_TYPES.get(suffix)
        if claimed is not None:
            return claimed
    if suffix in _SNIFFED_EXTENSIONS:
        if text is not None:
            for schema_type in (SchemaType.AVRO, SchemaType.JSON):
                try:
                    if get_format(schema_type).sniff(text):
                        return schema_type
                except ModuleNotFoundError:
                    continue
        return DEFAULT_TYPE
    if suffix in (".yaml", ".yml"):
        # JSON Schema written in YAML declares `$schema`; other YAML (CI files, compose files,
        # gate.yaml) is no schema
        from gate.formats.jsonschema.yamltext import declares_schema

        return SchemaType.JSON if text is not None and declares_schema(text) else None
    return None
