"""Schema formats. Each format is one module registered in `FORMATS`; nothing else knows them.

A format implements `SchemaFormat`. The pipeline and `gate.compat` only ever call through it, so
adding a schema type means adding a module and one line in `_FORMAT_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gate.errors import UnsupportedFormat
from gate.model import Incompatibility, JsonPolicy, Origin, Schema, SchemaType

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gate.rules import Rule
    from gate.samples import DecodedWire, Sample, SampleProblem
    from gate.simulate import SimulationOutcome


@dataclass(frozen=True)
class CheckOptions:
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


@dataclass(frozen=True)
class Change:
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


class Simulator(Protocol):
    """A format's own consumer simulation, on its parsed schemas (`SchemaFormat.parse`)."""

    def simulate(
        self,
        writer: Any,
        reader: Any,
        *,
        writer_label: str,
        reader_label: str,
        samples: Sequence[Any] = (),
        seed: int = 0,
        random_count: int = 20,
        schema_id: int | None = None,
        targets: Sequence[str] = (),
    ) -> SimulationOutcome:
        """Payloads written with `writer`, read with `reader`: as `gate.simulate.simulate_pair`
        promises, with a witness for each target path (error and warning findings alike)."""
        ...

    def decode_wire(
        self, sample: Sample, writer: Any, reader: Any | None
    ) -> DecodedWire | SampleProblem:
        """A captured message (`read_wire`'s) read with the writer schema of its id, then as
        `reader` reads it (None: the writer alone)."""
        ...

    def read_plain(
        self, sample: Sample, writer: Any, reader: Any
    ) -> DecodedWire | SampleProblem:
        """A JSON sample written with `writer`, then read as `reader` reads it: a sample the
        writer cannot write is a `SampleProblem` (SAMPLE_NOT_VALID_FOR_WRITER); a reader that
        fails comes back as `DecodedWire.error`."""
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
    ) -> Any:
        """Parse and validate; raise `gate.errors.SchemaInvalid` for an invalid schema.

        `trusted` marks a version the registry already accepted: a format may then skip checks
        that cannot change the parsed form of a valid schema (never any that can).
        `registered` gives the schema the role of a registered version rather than a new one:
        a format whose registry parses the two by different rules (Avro) applies the rules of
        that role."""
        ...

    def check(self, reader: Any, writer: Any, options: CheckOptions) -> list[Incompatibility]:
        """Every reason `reader` cannot read data written with `writer` (empty: compatible).

        For formats judged by an original/update diff (JSON Schema), `writer` is the original
        and `reader` the update.
        """
        ...

    def diff(self, old: Any, new: Any, options: CheckOptions) -> list[Change]:
        """The changes from `old` to `new`, each classified consistently with `check`."""
        ...

    def edit_warnings(self, old: Any, new: Any, side: str) -> list[Incompatibility]:
        """Warnings of the edit from `old` to `new` that a reader/writer check cannot tell from
        the reverse edit (Protobuf: a removal without `reserved`, a rename); `side` is the role
        `new` plays in the check they are reported with. Empty for most formats."""
        ...

    def simulator(self) -> Simulator | None:
        """The format's own simulation, run on its parsed schemas; None: `gate.simulate`'s
        built-in one (Avro, JSON Schema), run on the schemas' JSON."""
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

    def canonical(self, text: str) -> str:
        """`text` reduced to what drift compares: two texts with one canonical form are the same
        schema written differently (formatting, key order, comments, docs). Never raises: a
        text the format cannot read is its own stripped text."""
        ...


class BuiltinSimulation:
    """What the JSON-document formats (Avro, JSON Schema) share: no edit warnings,
    `gate.simulate`'s own simulation, and the plain Confluent framing (magic byte, schema id,
    body)."""

    def edit_warnings(self, old: Any, new: Any, side: str) -> list[Incompatibility]:
        return []

    def simulator(self) -> Simulator | None:
        return None

    def read_wire(self, data: bytes, display: str) -> Sample | SampleProblem:
        from gate.samples import read_wire

        return read_wire(data, display)


_FORMAT_MODULES: dict[SchemaType, str] = {
    SchemaType.AVRO: "gate.formats.avro",
    SchemaType.JSON: "gate.formats.jsonschema",
    SchemaType.PROTOBUF: "gate.formats.protobuf",
}

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
    for schema_type in _FORMAT_MODULES:
        try:
            extensions = get_format(schema_type).extensions
        except ModuleNotFoundError:
            continue
        for extension in extensions:
            out.setdefault(extension, schema_type)
    return out


def subject_extensions() -> tuple[tuple[str, SchemaType | None], ...]:
    """The extensions of the built-in subject rules (no gate.yaml), from the formats'
    `extensions`: each with its format's type, or None where the content tells the type."""
    return tuple(
        (extension, None if extension in _SNIFFED_EXTENSIONS else schema_type)
        for extension, schema_type in _extension_types().items()
    )


def infer_type(path: str, text: str | None = None) -> SchemaType | None:
    """The schema type of a file: by extension first, then by sniffing its content (a `.yaml`
    or `.yml` file is a JSON Schema when it declares `$schema`, else no schema)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SNIFFED_EXTENSIONS:
        claimed = _extension_types().get(suffix)
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
        return SchemaType.JSON
    if suffix in (".yaml", ".yml"):
        # JSON Schema written in YAML declares `$schema`; other YAML (CI files, compose files,
        # gate.yaml) is no schema
        from gate.formats.jsonschema.yamltext import declares_schema

        return SchemaType.JSON if text is not None and declares_schema(text) else None
    return None
