"""Parse a JSON Schema: decode, pick the draft, validate against the metaschema, resolve `$ref`s
and build the typed graph the checker compares.

References resolve, in this order, against: the documents already loaded (the schema itself and
every `$id` inside it), the registry references the source supplied (by name), the metaschemas
bundled with `jsonschema`, files next to the schema inside the repository root, and, only when
remote references are allowed, http(s) documents. A `$ref` that leaves the repository root (a
`../` too many, an absolute path, `file:///etc/passwd`) is unresolved, never read.

A schema is parsed for every version of every subject a run meets, so the common case is kept
short: well-formed text is decoded without measuring its depth first, the metaschema is checked
by the compiled checks of `gate.formats.jsonschema.metaschema` (`jsonschema` itself only judges
the schemas those do not vouch for, and names their errors), and each reference is resolved once.
"""

from __future__ import annotations

import json
import marshal
import posixpath
import re
import sys
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from gate.deep import MAX_DEPTH, call_deep
from gate.errors import SchemaInvalid
from gate.formats.jsonschema.exceptions import UnresolvedReference
from gate.formats.jsonschema.nodes import (
    ArrayNode,
    BooleanNode,
    CombinedNode,
    ConditionalNode,
    ConstNode,
    Dependency,
    Draft,
    EmptyNode,
    EnumNode,
    FalseNode,
    Node,
    NotNode,
    NullNode,
    NumberNode,
    ObjectNode,
    ParsedJsonSchema,
    Place,
    RefNode,
    StringNode,
    child_pointer,
)
from gate.formats.jsonschema.yamltext import is_yaml_path, yaml_to_json
from gate.jsonpos import join_pointer, line_of, pointer_tokens
from gate.model import OriginKind, Schema

if TYPE_CHECKING:
    from gate.formats import CheckOptions

# files below the repository root are addressed under this base; nothing else is ever read
ROOT_PREFIX = "file:///__gate_root__/"
# a schema with no file of its own (from the registry) lives here: relative files never resolve
DETACHED_PREFIX = "file:///__gate_detached__/"
# plain property nodes by (pointer, draft's value, marshalled JSON): shared by the parses of a
# schema's versions
_SHARED_NODES: dict[tuple[str, int, bytes], Node] = {}
_SHARED_LIMIT = 1 << 14
# schemas read from these resolve relative `$ref`s in the same place, through `CheckOptions.files`
_TREE_KINDS = frozenset({OriginKind.GIT, OriginKind.INDEX})

_DRAFTS: dict[str, Draft] = {
    "http://json-schema.org/draft-04/schema": Draft.DRAFT4,
    "https://json-schema.org/draft-04/schema": Draft.DRAFT4,
    "http://json-schema.org/schema": Draft.DRAFT4,
    "https://json-schema.org/schema": Draft.DRAFT4,
    "http://json-schema.org/draft-06/schema": Draft.DRAFT6,
    "https://json-schema.org/draft-06/schema": Draft.DRAFT6,
    "http://json-schema.org/draft-07/schema": Draft.DRAFT7,
    "https://json-schema.org/draft-07/schema": Draft.DRAFT7,
    "http://json-schema.org/draft/2019-09/schema": Draft.DRAFT2019_09,
    "https://json-schema.org/draft/2019-09/schema": Draft.DRAFT2019_09,
    "http://json-schema.org/draft/2020-12/schema": Draft.DRAFT2020_12,
    "https://json-schema.org/draft/2020-12/schema": Draft.DRAFT2020_12,
}

# keywords whose value is one subschema, a map of subschemas, or a list of subschemas
_ONE = (
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
)
_MAP = (
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "dependentSchemas",
    "dependencies",
)
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_LIST_OR_ITEMS = (*_LIST, "items")

_OBJECT_KEYWORDS = (
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "propertyNames",
)
_ARRAY_KEYWORDS = ("items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains")
_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_STRING_KEYWORDS = ("minLength", "maxLength", "pattern")

# a JSON string token, written so that the engine does not try an alternative per character
_STRING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_CONTAINERS = frozenset({dict, list})
# text nesting no deeper than this is decoded without measuring its depth first
_DIRECT_NESTING = 2_000
# ECMA 262 constructs Python's `re` cannot compile; a pattern using them is not rejected
_ECMA_ONLY = re.compile(r"\\[pP]\{|\\u\{|\(\?<(?![=!])|\\c[A-Za-z]")


# --- decoding ---------------------------------------------------------------------------------


class _Duplicates(dict[str, Any]):
    """An object in which a key appeared twice; found after decoding to report its pointer."""

    duplicate: str = ""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            marked = _Duplicates(result)
            marked.duplicate = key
            return marked
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# made once: json.loads would make a decoder for every call given a keyword
_TRUSTED_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted without recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING_TOKEN.sub("", text))
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


def value_depth(value: Any) -> int:
    """The deepest nesting of arrays and objects in a decoded JSON value (its text's depth)."""
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        below: list[Any] = []
        keep = below.append
        for item in level:
            for child in item.values() if item.__class__ is dict else item:
                if child.__class__ in _CONTAINERS:
                    keep(child)
        level = below
    return depth


def decode(text: str) -> tuple[Any, int]:
    """The JSON value of `text` and its nesting depth; SchemaInvalid for anything malformed."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        line = text.count("\n", 0, error.start) + 1
        raise SchemaInvalid("the schema is not valid UTF-8 text", "", line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    quick = _decode_directly(text)
    if quick is not None:
        value, duplicated = quick
        depth = value_depth(value)
    else:
        depth = nesting_depth(text)
        if depth > MAX_DEPTH:
            raise SchemaInvalid(
                f"the schema is nested too deeply: {depth} levels "
                f"(at most {MAX_DEPTH} are supported)"
            )

        def load() -> Any:
            return json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_reject_constant)

        try:
            value = call_deep(load, depth)
        except json.JSONDecodeError as error:
            raise SchemaInvalid(f"malformed JSON: {error.msg}", "", error.lineno) from None
        except ValueError as error:
            raise SchemaInvalid(f"malformed JSON: {error}") from None
        except RecursionError:
            raise SchemaInvalid("the schema is nested too deeply") from None
        duplicated = True
    duplicate = _find_duplicate(value) if duplicated else None
    if duplicate is not None:
        pointer, key = duplicate
        raise SchemaInvalid(
            f"duplicate key `{key}` in one object: JSON parsers disagree on which value wins",
            join_pointer(pointer, key),
            line_of(text, join_pointer(pointer, key)),
        )
    return value, depth


def _decode_directly(text: str) -> tuple[Any, bool] | None:
    """The value of well-formed `text` and whether some object repeats a key, decoded on the
    spot; None when the careful way must decide (malformed or deeply nested text).

    The decoder counts its nesting against the recursion limit, so under the usual limit it
    stops by itself long before the stack is at risk; while some thread has raised the limit
    for deep work, only text with few brackets is decoded here. Measuring the depth of the text
    first (a pass in Python over every string) is left to the texts that fail here.
    """
    if (
        sys.getrecursionlimit() > _DIRECT_NESTING
        and text.count("{") + text.count("[") > _DIRECT_NESTING
    ):
        return None
    duplicated: list[bool] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        duplicated.append(True)
        return _pairs_hook(pairs)

    try:
        value = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return value, bool(duplicated)


def _find_duplicate(value: Any) -> tuple[str, str] | None:
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, pointer = stack.pop()
        if isinstance(item, dict):
            if isinstance(item, _Duplicates):
                return pointer, item.duplicate
            stack.extend((child, join_pointer(pointer, key)) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, join_pointer(pointer, index)) for index, child in enumerate(item))
    return None


# --- drafts and the metaschema -----------------------------------------------------------------


def draft_of(document: Any, default: Draft = Draft.DRAFT7) -> Draft:
    """The draft named by `$schema`; draft-07 when absent or unknown, as the registry does."""
    if isinstance(document, dict):
        declared = document.get("$schema")
        if isinstance(declared, str):
            return _DRAFTS.get(declared.strip().rstrip("#"), default)
    return default


def validator_class(draft: Draft) -> Any:
    """The `jsonschema` validator class of `draft`, its patterns matched within a budget."""
    import jsonschema

    from gate.formats.jsonschema.patterns import bounded_validator_class

    return bounded_validator_class(
        {
            Draft.DRAFT4: jsonschema.Draft4Validator,
            Draft.DRAFT6: jsonschema.Draft6Validator,
            Draft.DRAFT7: jsonschema.Draft7Validator,
            Draft.DRAFT2019_09: jsonschema.Draft201909Validator,
            Draft.DRAFT2020_12: jsonschema.Draft202012Validator,
        }[draft]
    )


@cache
def _metaschema_validator(draft: Draft) -> Any:
    cls = validator_class(draft)
    return cls(cls.META_SCHEMA)


def check_metaschema(
    document: Any, draft: Draft, text: str, where: str = "", depth: int | None = None
) -> None:
    """SchemaInvalid naming the offending keyword when `document` breaks its draft's metaschema.

    `depth` is the nesting depth of `text` when already known.
    """
    from gate.formats.jsonschema.metaschema import conforms

    if draft is not Draft.DRAFT4 and isinstance(document, bool):
        return
    if depth is None:
        depth = nesting_depth(text)
    if call_deep(lambda: conforms(document, draft), depth):
        return
    # invalid, or not established quickly: `jsonschema` decides, and names the best error
    from jsonschema.exceptions import best_match

    validator = _metaschema_validator(draft)
    error = call_deep(lambda: best_match(validator.iter_errors(document)), depth)
    if error is None:
        return
    pointer = join_pointer("", *error.absolute_path)
    keyword = next(
        (str(token) for token in reversed(error.absolute_path) if isinstance(token, str)), ""
    )
    subject = f"`{keyword}` at {pointer}" if keyword else "the schema"
    if where:
        subject += f" in {where}"
    raise SchemaInvalid(
        f"invalid {draft.label} schema: {subject}: {error.message}",
        pointer if not where else "",
        line_of(text, pointer) if not where else None,
    )


# --- documents -----------------------------------------------------------------------------------


@dataclass
class _Document:
    """One loaded JSON document: the schema itself, a referenced file, or a registry reference."""

    key: int
    label: str | None  # None for the schema being parsed; else a name for messages
    uri: str  # its retrieval URI (no fragment)
    value: Any
    draft: Draft
    text: str
    depth: int = 0
    # the base URI set by each `$id` that changes it, by the pointer of the object declaring it
    bases: dict[str, str] = field(default_factory=dict)
    # the node built for each subschema, by pointer
    nodes: dict[str, Node] = field(default_factory=dict)

    def base_at(self, pointer: str) -> str:
        """The base URI in scope at `pointer` (its own `$id` included)."""
        best, found = -1, self.uri
        for at, base in self.bases.items():
            if len(at) > best and (at == pointer or pointer.startswith(at + "/") or not at):
                best, found = len(at), base
        return found


@dataclass
class _Target:
    document: _Document
    pointer: str
    value: Any


def _id_keyword(draft: Draft) -> str:
    return "id" if draft is Draft.DRAFT4 else "$id"


class Loader:
    """Loads one schema and everything it references; builds the node graph."""

    def __init__(self, schema: Schema, options: CheckOptions, trusted: bool = False) -> None:
        self.schema = schema
        self.options = options
        self.trusted = trusted
        self.documents: list[_Document] = []
        self.resources: dict[str, tuple[_Document, str]] = {}  # absolute URI -> (doc, pointer)
        self.references = dict(schema.resolved_references)
        self.pending: list[tuple[RefNode, _Document]] = []
        # the `RefNode`s among the nodes built, in the order they were built
        self.ref_roots: list[RefNode] = []
        # (uri, `$ref` as written, document) -> the target, and the alias it records
        self.resolved: dict[tuple[str, str, int], tuple[_Target, str, str]] = {}
        self.aliases: dict[str, str] = {}  # a URI as referenced -> the resource that answered
        self.root_dir, self.file_uri = self._locate()
        self.depth = 0
        self.references_built = 0

    # where the schema's own file sits, and the directory nothing may be read outside of
    def _locate(self) -> tuple[Path | None, str]:
        path = self.schema.origin.path
        root = self.options.root
        if path is None:
            return None, DETACHED_PREFIX + "schema.json"
        file_path = Path(path)
        if root is None:
            base = (file_path if file_path.is_absolute() else Path.cwd() / file_path).parent
            root_dir = base.resolve()
            rel = PurePosixPath(file_path.name)
        else:
            root_dir = Path(root).resolve()
            absolute = file_path if file_path.is_absolute() else root_dir / file_path
            try:
                rel = PurePosixPath(absolute.resolve().relative_to(root_dir).as_posix())
            except ValueError:
                return None, DETACHED_PREFIX + file_path.name
        return root_dir, ROOT_PREFIX + "/".join(_quote(part) for part in rel.parts)

    def load(self) -> ParsedJsonSchema:
        if self.trusted:
            # accepted by the registry: well-formed, without repeated keys, and shallow enough
            # for the recursion limit (or the RecursionError sends it the careful way)
            value, depth = _TRUSTED_DECODER.decode(self.schema.text), 0
        else:
            value, depth = decode(self.schema.text)
        self.depth = depth
        draft = draft_of(value)
        if not self.trusted:
            check_metaschema(value, draft, self.schema.text, depth=depth)
        document = self._register(None, self.file_uri, value, draft, self.schema.text, depth)
        root = call_deep(lambda: self._build_all(document), self.depth)
        return ParsedJsonSchema(
            schema=self.schema,
            document=value,
            draft=draft,
            base_uri=document.base_at(""),
            root=root,
            resources=self._resource_table(),
            depth=self.depth,
            references=self.references_built,
        )

    def _resource_table(self) -> tuple[tuple[str, Any, Draft], ...]:
        table = {
            uri: (_walk(doc.value, pointer), doc.draft)
            for uri, (doc, pointer) in self.resources.items()
            if "#" not in uri
        }
        for alias, uri in self.aliases.items():
            if alias not in table and uri in table:
                table[alias] = table[uri]
        return tuple((uri, contents, draft) for uri, (contents, draft) in table.items())

    def _build_all(self, document: _Document) -> Node:
        root = self.build(document.value, Place(""), document)
        while self.pending:
            ref, doc = self.pending.pop()
            self.references_built += 1
            ref.target = self._build_target(self._resolve(ref, doc))
        self._reject_ref_cycles()
        return root

    def _build_target(self, target: _Target) -> Node:
        document, value = target.document, target.value
        key = None
        if (
            document.label is None
            and value.__class__ is dict
            and target.pointer not in document.nodes
        ):
            # a definition the schema's versions repeat (`#/definitions/...`), shared as
            # properties are (see `_object`)
            try:
                key = (target.pointer, document.draft.value, marshal.dumps(value, 0))
            except ValueError:
                key = None
            else:
                node = _SHARED_NODES.get(key)
                if node is not None:
                    document.nodes[target.pointer] = node
                    return node

        def build() -> Node:
            return self.build(value, self._place(target), document)

        # a referenced document may be nested deeper than the schema itself
        node = call_deep(build, document.depth)
        if key is not None and node.plain is not None:
            if len(_SHARED_NODES) >= _SHARED_LIMIT:
                _SHARED_NODES.clear()
            _SHARED_NODES[key] = node
        return node

    def _place(self, target: _Target) -> Place:
        return Place(target.pointer, target.document.label)

    def _reject_ref_cycles(self) -> None:
        for node in self.ref_roots:
            seen: set[int] = set()
            current: Node | None = node
            while isinstance(current, RefNode):
                if id(current) in seen:
                    raise SchemaInvalid(
                        f"`$ref` {current.ref!r} only leads back to itself: it names no schema",
                        current.place.pointer if current.place.document is None else "",
                        line_of(self.schema.text, current.place.pointer)
                        if current.place.document is None
                        else None,
                    )
                seen.add(id(current))
                current = current.target

    # --- documents and $id -------------------------------------------------------------------

    def _register(
        self, label: str | None, uri: str, value: Any, draft: Draft, text: str, depth: int = 0
    ) -> _Document:
        document = _Document(len(self.documents), label, uri, value, draft, text, depth)
        self.documents.append(document)
        self.resources.setdefault(uri, (document, ""))
        self._index(document)
        return document

    def _index(self, document: _Document) -> None:
        """Record every `$id` / anchor and the base URI in scope at each subschema."""
        id_key = _id_keyword(document.draft)
        later = document.draft.at_least(Draft.DRAFT2019_09)
        text = document.text
        # a key is spelled out in the text unless escaped (`\u0024id`): without any of the
        # keys, the walk below would record nothing
        if (
            "\\u" not in text
            and f'"{id_key}"' not in text
            and not (later and ('"$anchor"' in text or '"$dynamicAnchor"' in text))
        ):
            return
        stack: list[tuple[Any, str, str]] = [(document.value, "", document.uri)]
        while stack:
            value, pointer, base = stack.pop()
            if not isinstance(value, dict):
                continue
            inherited = base
            declared = value.get(id_key)
            # up to draft-07 an `$id` beside a `$ref` is ignored, like every other sibling
            if isinstance(declared, str) and ("$ref" not in value or later):
                resolved, fragment = urldefrag(urljoin(base, declared))
                if resolved and not fragment:
                    base = resolved
                    self.resources.setdefault(base, (document, pointer))
                elif fragment and not fragment.startswith("/"):
                    self.resources.setdefault(f"{resolved or base}#{fragment}", (document, pointer))
            if later:
                for anchor_key in ("$anchor", "$dynamicAnchor"):
                    anchor = value.get(anchor_key)
                    if isinstance(anchor, str):
                        self.resources.setdefault(f"{base}#{anchor}", (document, pointer))
            if base != inherited:
                document.bases[pointer] = base
            stack.extend((value[key], f"{pointer}/{key}", base) for key in _ONE if key in value)
            for key in _MAP:
                members = value.get(key)
                if isinstance(members, dict):
                    at = f"{pointer}/{key}"
                    stack.extend(
                        (child, child_pointer(at, name), base) for name, child in members.items()
                    )
            for key in _LIST_OR_ITEMS:
                child = value.get(key)
                if isinstance(child, list):
                    stack.extend(
                        (item, f"{pointer}/{key}/{index}", base) for index, item in enumerate(child)
                    )
                elif key == "items" and child is not None:
                    stack.append((child, f"{pointer}/{key}", base))

    # --- $ref resolution ---------------------------------------------------------------------

    def _resolve(self, ref: RefNode, document: _Document) -> _Target:
        key = (ref.uri, ref.ref, document.key)
        known = self.resolved.get(key)
        if known is not None:
            target, alias, answered = known
            self.aliases[alias] = answered
            return target
        candidates = [ref.uri]
        relative = not urlsplit(ref.ref).scheme and not ref.ref.startswith("#")
        if relative and document.uri.startswith(ROOT_PREFIX):
            # a schema with an absolute `$id` still finds its neighbours in the repository
            local = urljoin(document.uri, ref.ref)
            if local not in candidates:
                remote = urlsplit(ref.uri).scheme in ("http", "https")
                # a neighbour on disk beats a download
                candidates.insert(0 if remote else 1, local)
        last: UnresolvedReference | None = None
        for index, uri in enumerate(candidates):
            try:
                target = self._lookup(uri, ref, document)
            except UnresolvedReference as error:
                last = last or error
                continue
            alias, answered = _defragment(ref.uri)[0], _defragment(uri)[0]
            self.aliases[alias] = answered
            if index == 0:
                # documents are only ever added, so the first candidate, once it answers,
                # answers the same every time; a later one might lose to it later
                self.resolved[key] = (target, alias, answered)
            return target
        assert last is not None
        raise last

    def _unresolved(self, ref: RefNode, why: str) -> UnresolvedReference:
        pointer = ref.place.pointer
        inside = ref.place.document
        if inside is None:
            at = join_pointer(pointer, "$ref")
            return UnresolvedReference(
                f"`$ref` {ref.ref!r} at {at} cannot be resolved: {why}",
                at,
                line_of(self.schema.text, at),
                ref.ref,
            )
        return UnresolvedReference(
            f"`$ref` {ref.ref!r} in {inside} at {pointer or '/'} cannot be resolved: {why}",
            "",
            None,
            ref.ref,
        )

    def _lookup(self, uri: str, ref: RefNode, document: _Document) -> _Target:
        base, fragment = _defragment(uri)
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            found = self.resources.get(f"{base}#{fragment}")
            if found is None:
                self._load_document(base, ref)
                found = self.resources.get(f"{base}#{fragment}")
            if found is None:
                raise self._unresolved(ref, f"no anchor named {fragment!r}")
            doc, pointer = found
            return _Target(doc, pointer, _walk(doc.value, pointer))
        found = self.resources.get(base)
        if found is None:
            self._load_document(base, ref)
            found = self.resources.get(base)
        if found is None:
            raise self._unresolved(ref, "nothing is known under that URI")
        doc, at = found
        pointer = join_pointer(at, *pointer_tokens(fragment)) if fragment else at
        try:
            value = _walk(doc.value, pointer)
        except LookupError:
            raise self._unresolved(ref, f"{fragment} does not exist in the target") from None
        return _Target(doc, pointer, value)

    def _load_document(self, uri: str, ref: RefNode) -> None:
        """Load the document at `uri` into `resources`, or raise UnresolvedReference."""
        name = self._reference_name(uri, ref)
        if name is not None:
            self._add_text(name, uri, self.references[name], ref)
            return
        from jsonschema_specifications import REGISTRY as METASCHEMAS

        bundled = METASCHEMAS.get(uri) or METASCHEMAS.get(uri + "#")
        if bundled is not None:
            contents = bundled.contents
            self._register(uri, uri, contents, draft_of(contents), json.dumps(contents))
            return
        if uri.startswith(ROOT_PREFIX) and self.root_dir is not None:
            label = uri[len(ROOT_PREFIX) :]
            text = self._read_file(uri, ref)
            if is_yaml_path(unquote(label)):
                try:
                    text = yaml_to_json(text)
                except SchemaInvalid as error:
                    where = f"{unquote(label)}:{error.line}" if error.line else unquote(label)
                    raise self._unresolved(
                        ref, f"{where} is not a valid schema: {error.message}"
                    ) from None
            self._add_text(label, uri, text, ref)
            return
        scheme = urlsplit(uri).scheme
        if scheme in ("http", "https"):
            if not self.options.allow_remote_refs:
                raise self._unresolved(
                    ref, "it is a remote document and remote references are not allowed"
                )
            self._add_text(uri, uri, self._fetch(uri, ref), ref)
            return
        if uri.startswith((ROOT_PREFIX, DETACHED_PREFIX)):
            raise self._unresolved(ref, "the schema has no file of its own to resolve it from")
        if scheme == "file":
            raise self._unresolved(ref, "it points outside the repository root")
        raise self._unresolved(ref, "nothing is known under that URI")

    def _reference_name(self, uri: str, ref: RefNode) -> str | None:
        written = urldefrag(ref.ref)[0]
        if written in self.references:
            return written
        for name in self.references:
            if urljoin(self.file_uri, name) == uri or name == uri:
                return name
        return None

    def _read_file(self, uri: str, ref: RefNode) -> str:
        assert self.root_dir is not None
        relative = unquote(uri[len(ROOT_PREFIX) :])
        origin = self.schema.origin
        if self.options.files is not None and origin.kind in _TREE_KINDS:
            return self._read_from_tree(relative, ref)
        path = (self.root_dir / relative).resolve()
        try:
            path.relative_to(self.root_dir)
        except ValueError:
            raise self._unresolved(ref, "it points outside the repository root") from None
        if not path.is_file():
            raise self._unresolved(ref, f"file {relative} does not exist")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise self._unresolved(ref, f"file {relative} cannot be read: {error}") from None

    def _read_from_tree(self, relative: str, ref: RefNode) -> str:
        """A referenced file as it is where the schema came from (its git revision, the index),
        so that each side of a comparison resolves against its own files."""
        assert self.options.files is not None
        origin = self.schema.origin
        normal = posixpath.normpath(relative)
        if normal == ".." or normal.startswith(("../", "/")):
            raise self._unresolved(ref, "it points outside the repository root")
        where = "the index" if origin.kind is OriginKind.INDEX else f"revision {origin.rev}"
        data = self.options.files(origin, normal)
        if data is None:
            raise self._unresolved(ref, f"file {normal} does not exist in {where}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self._unresolved(ref, f"file {normal} in {where} is not UTF-8 text") from None

    def _fetch(self, uri: str, ref: RefNode) -> str:
        import httpx

        try:
            response = httpx.get(uri, timeout=10.0, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise self._unresolved(ref, f"fetching it failed: {error}") from None
        return response.text

    def _add_text(self, label: str, uri: str, text: str, ref: RefNode) -> None:
        try:
            value, depth = decode(text)
            draft = draft_of(value, self.documents[0].draft)
            check_metaschema(value, draft, text, where=label, depth=depth)
        except SchemaInvalid as error:
            raise self._unresolved(ref, f"{label} is not a valid schema: {error.message}") from None
        self.depth = max(self.depth, depth)
        self._register(label, uri, value, draft, text, depth)

    # --- building nodes ----------------------------------------------------------------------

    def build(self, value: Any, place: Place, document: _Document) -> Node:
        pointer = place.pointer
        node = document.nodes.get(pointer)
        if node is not None:
            return node
        leaf = None
        if value.__class__ is dict and len(value) == 1:
            # `{"type": "string"}` and the like, the most common subschemas of all: what
            # `_build` makes of them, made directly
            declared = value.get("type")
            if declared.__class__ is str:
                leaf = _PRIMITIVE_LEAVES.get(declared)
        if leaf is not None:
            node = leaf(place, value)
            node.plain = document.draft
            if declared == "integer":
                node.requires_integer = True  # type: ignore[attr-defined]
                node.role = "type:integer"
        else:
            node = self._build(value, place, document)
            if isinstance(node, RefNode):
                self.ref_roots.append(node)
        document.nodes[pointer] = node
        return node

    def _invalid(self, message: str, place: Place) -> SchemaInvalid:
        if place.document is None:
            return SchemaInvalid(message, place.pointer, line_of(self.schema.text, place.pointer))
        return SchemaInvalid(f"{message} (in {place.document})")

    def _build(self, value: Any, place: Place, document: _Document) -> Node:
        if value is True:
            return _leaf(EmptyNode(place, value), document.draft)
        if value is False:
            return _leaf(FalseNode(place, value), document.draft)
        if not isinstance(value, dict):
            raise self._invalid(
                f"a schema must be an object or a boolean, not {type(value).__name__}", place
            )
        draft = document.draft
        declared = value.get("type")
        if (
            declared.__class__ is str
            and _COMBINING_KEYWORDS.isdisjoint(value)
            and "if" not in value
        ):
            # one group of keywords, the common case: the single part is the node
            node: Node = self._typed(declared, value, place, document)
            if _METADATA_KEYWORDS.isdisjoint(value):
                return node
            return _with_metadata(node, value, draft)
        parts: list[Node] = []
        # most schema objects hold none of these: one set operation skips them all
        if not _COMBINING_KEYWORDS.isdisjoint(value):
            pointer = place.pointer
            ref = value.get("$ref")
            if isinstance(ref, str):
                ref_node = RefNode(place, value, ref, _join(document.base_at(pointer), ref))
                self.pending.append((ref_node, document))
                if not draft.at_least(Draft.DRAFT2019_09):
                    # up to draft-07 a `$ref` replaces every keyword beside it
                    return _with_metadata(ref_node, value, draft)
                parts.append(ref_node)
            for dynamic in ("$recursiveRef", "$dynamicRef"):
                target = value.get(dynamic)
                if isinstance(target, str) and draft.at_least(Draft.DRAFT2019_09):
                    ref_node = RefNode(
                        place, value, target, _join(document.base_at(pointer), target)
                    )
                    self.pending.append((ref_node, document))
                    parts.append(ref_node)
            if isinstance(value.get("enum"), list):
                parts.append(_leaf(EnumNode(place, value, list(value["enum"])), draft))
            for criterion in ("allOf", "anyOf", "oneOf"):
                members = value.get(criterion)
                if isinstance(members, list):
                    at = f"{pointer}/{criterion}/"
                    parts.append(
                        _combined(
                            CombinedNode(
                                place,
                                value,
                                criterion,
                                [
                                    self.build(
                                        member, Place(f"{at}{index}", place.document), document
                                    )
                                    for index, member in enumerate(members)
                                ],
                            ),
                            draft,
                            criterion,
                        )
                    )
            if "not" in value:
                negated = self.build(
                    value["not"], Place(f"{pointer}/not", place.document), document
                )
                not_node = NotNode(place, value, negated)
                not_node.plain = negated.plain
                parts.append(not_node)
            if "const" in value and draft.at_least(Draft.DRAFT6):
                parts.append(_leaf(ConstNode(place, value, value["const"]), draft))
        if isinstance(declared, str):
            parts.append(self._typed(declared, value, place, document))
        elif isinstance(declared, list):
            names = list(dict.fromkeys(name for name in declared if isinstance(name, str)))
            parts.append(
                _combined(
                    CombinedNode(
                        place,
                        value,
                        "anyOf",
                        [self._typed(name, value, place, document) for name in names],
                        synthetic=True,
                    ),
                    draft,
                    "types",
                )
            )
        else:
            parts.extend(self._sniffed(value, place, document))
        if "if" in value and draft.at_least(Draft.DRAFT7):
            parts.append(_leaf(ConditionalNode(place, value), draft))
        if not parts:
            node = _leaf(EmptyNode(place, value), draft)
        elif len(parts) == 1:
            node = parts[0]
        else:
            node = _combined(
                CombinedNode(place, value, "allOf", parts, synthetic=True), draft, "parts"
            )
        if _METADATA_KEYWORDS.isdisjoint(value):
            return node  # a node is built without metadata
        return _with_metadata(node, value, draft)

    def _sniffed(self, value: dict[str, Any], place: Place, document: _Document) -> list[Node]:
        """Typed parts for keywords used without a `type` (they constrain only that type)."""
        draft = document.draft
        if draft.at_least(Draft.DRAFT2019_09):
            object_keys, array_keys, string_keys = _SNIFFED_2019
        else:
            object_keys, array_keys, string_keys = _SNIFFED
        parts: list[Node] = []
        if not object_keys.isdisjoint(value):
            parts.append(self._typed("object", value, place, document))
        if not array_keys.isdisjoint(value):
            parts.append(self._typed("array", value, place, document))
        if not _NUMBER_KEYWORD_SET.isdisjoint(value):
            parts.append(self._typed("number", value, place, document))
        if not string_keys.isdisjoint(value):
            parts.append(self._typed("string", value, place, document))
        return parts

    def _typed(self, name: str, value: dict[str, Any], place: Place, document: _Document) -> Node:
        if name == "object":
            return self._object(value, place, document)
        if name == "array":
            return self._array(value, place, document)
        if name == "string":
            return self._string(value, place, document.draft)
        if name in ("number", "integer"):
            return self._number(value, place, document.draft, name == "integer")
        if name == "boolean":
            return _leaf(BooleanNode(place, value), document.draft)
        if name == "null":
            return _leaf(NullNode(place, value), document.draft)
        raise self._invalid(f"unknown type {name!r}", place.child("type"))

    def _string(self, value: dict[str, Any], place: Place, draft: Draft) -> StringNode:
        node = StringNode(place, value)
        node.plain = draft
        if _STRING_KEYWORD_SET.isdisjoint(value):
            return node
        node.min_length = _int(value.get("minLength"))
        node.max_length = _int(value.get("maxLength"))
        pattern = value.get("pattern")
        if isinstance(pattern, str):
            compile_pattern(pattern, lambda why: self._invalid(why, place.child("pattern")))
            node.pattern = pattern
        return node

    def _number(
        self, value: dict[str, Any], place: Place, draft: Draft, integer: bool
    ) -> NumberNode:
        node = NumberNode(place, value)
        node.plain = draft
        if integer:
            node.requires_integer = True
            node.role = "type:integer"
        if _NUMBER_KEYWORD_SET.isdisjoint(value):
            return node
        node.minimum = _num(value.get("minimum"))
        node.maximum = _num(value.get("maximum"))
        if draft is not Draft.DRAFT4:
            node.exclusive_minimum = _num(value.get("exclusiveMinimum"))
            node.exclusive_maximum = _num(value.get("exclusiveMaximum"))
        node.multiple_of = _num(value.get("multipleOf"))
        return node

    def _object(self, value: dict[str, Any], place: Place, document: _Document) -> ObjectNode:
        draft = document.draft
        node = ObjectNode(place, value)
        pointer, inside = place.pointer, place.document
        plain = True
        properties = value.get("properties")
        if isinstance(properties, dict) and properties:
            built = node.properties
            at = f"{pointer}/properties/"
            build = self.build
            shared = _SHARED_NODES
            version = draft.value  # (an enum member hashes in Python, its value in C)
            for name, member in properties.items():
                if "~" in name or "/" in name:
                    member_pointer = child_pointer(at[:-1], name)
                else:
                    member_pointer = at + name
                key = None
                if inside is None and member.__class__ is dict:
                    # the versions of a schema repeat most of their properties: a plain node
                    # (nothing in it depends on where it is read from) built from the same JSON
                    # at the same place is the same node. marshal's version 0 writes every value
                    # in full: equal bytes only for equal JSON of the same types and key order
                    # (1, 1.0 and true differ)
                    try:
                        key = (member_pointer, version, marshal.dumps(member, 0))
                    except ValueError:  # nested too deeply to marshal: built, not shared
                        key = None
                    else:
                        member_node = shared.get(key)
                        if member_node is not None:
                            document.nodes[member_pointer] = member_node
                            built[name] = member_node
                            # the JSON too (equal to this version's): its copy is let go
                            properties[name] = member_node.raw
                            continue
                member_node = build(member, Place(member_pointer, inside), document)
                built[name] = member_node
                if member_node.plain is None:
                    plain = False
                elif key is not None:
                    if len(shared) >= _SHARED_LIMIT:
                        shared.clear()
                    shared[key] = member_node
        patterns = value.get("patternProperties")
        for pattern, member in patterns.items() if isinstance(patterns, dict) else ():
            at_place = place.child("patternProperties", pattern)
            compiled = compile_pattern(pattern, lambda why, at=at_place: self._invalid(why, at))
            member_node = self.build(member, at_place, document)
            node.pattern_properties.append((pattern, compiled or _NEVER, member_node))
            if member_node.plain is None:
                plain = False
        additional = value.get("additionalProperties", True)
        if additional is False:
            node.additional = False
        elif isinstance(additional, dict):
            node.additional = self.build(
                additional, Place(f"{pointer}/additionalProperties", inside), document
            )
            if node.additional.plain is None:
                plain = False
        required = value.get("required")
        if isinstance(required, list):
            node.required = list(dict.fromkeys(name for name in required if isinstance(name, str)))
        if not _OBJECT_RARE_KEYWORDS.isdisjoint(value):
            plain = self._object_rare(node, value, place, document) and plain
        if plain:
            node.plain = draft
        return node

    def _object_rare(
        self, node: ObjectNode, value: dict[str, Any], place: Place, document: _Document
    ) -> bool:
        """Dependencies, property counts and `unevaluatedProperties`; False when a subschema
        among them is not plain."""
        draft = document.draft
        plain = True
        dependency_sources = (
            ("dependentRequired", "dependentSchemas")
            if draft.at_least(Draft.DRAFT2019_09)
            else ("dependencies",)
        )
        for keyword in dependency_sources:
            for name, dependency in _mapping(value.get(keyword)).items():
                at = place.child(keyword, name)
                if isinstance(dependency, list):
                    names = tuple(
                        dict.fromkeys(item for item in dependency if isinstance(item, str))
                    )
                    if names:
                        node.property_dependencies[name] = Dependency(at, names)
                elif isinstance(dependency, (dict, bool)):
                    schema = self.build(dependency, at, document)
                    node.schema_dependencies[name] = Dependency(at, schema=schema)
                    plain = plain and schema.plain is not None
        node.min_properties = _int(value.get("minProperties"))
        node.max_properties = _int(value.get("maxProperties"))
        if draft.at_least(Draft.DRAFT2019_09) and "unevaluatedProperties" in value:
            node.unevaluated = self._bool_or_schema(
                value["unevaluatedProperties"], place.child("unevaluatedProperties"), document
            )
            plain = plain and _plain_part(node.unevaluated)
        return plain

    def _array(self, value: dict[str, Any], place: Place, document: _Document) -> ArrayNode:
        draft = document.draft
        node = ArrayNode(place, value)
        items = value.get("items")
        if draft is Draft.DRAFT2020_12:
            node.item_keyword = "prefixItems"
            node.additional_keyword = "items"
            prefix = value.get("prefixItems")
            if isinstance(prefix, list):
                node.item_list = [
                    self.build(member, place.child("prefixItems", index), document)
                    for index, member in enumerate(prefix)
                ]
            if items is False:
                node.additional = False
            elif isinstance(items, dict):
                built = self.build(items, place.child("items"), document)
                if isinstance(prefix, list):
                    node.additional = built
                else:
                    node.all_items = built
        else:
            if isinstance(items, list):
                node.item_list = [
                    self.build(member, place.child("items", index), document)
                    for index, member in enumerate(items)
                ]
            elif isinstance(items, (dict, bool)):
                node.all_items = self.build(
                    items, Place(f"{place.pointer}/items", place.document), document
                )
            additional = value.get("additionalItems", True)
            if additional is False:
                node.additional = False
            elif isinstance(additional, dict):
                node.additional = self.build(additional, place.child("additionalItems"), document)
        if not _ARRAY_COUNT_KEYWORDS.isdisjoint(value):
            node.min_items = _int(value.get("minItems"))
            node.max_items = _int(value.get("maxItems"))
            node.unique_items = value.get("uniqueItems") is True
        if "unevaluatedItems" in value and draft.at_least(Draft.DRAFT2019_09):
            node.unevaluated = self._bool_or_schema(
                value["unevaluatedItems"], place.child("unevaluatedItems"), document
            )
        all_items = node.all_items
        if (
            (all_items is None or all_items.plain is not None)
            and _plain_part(node.additional)
            and _plain_part(node.unevaluated)
            and all(member.plain is not None for member in node.item_list)
        ):
            node.plain = draft
        return node

    def _bool_or_schema(self, value: Any, place: Place, document: _Document) -> bool | Node:
        if isinstance(value, bool):
            return value
        return self.build(value, place, document)


# keywords whose presence makes `_build` look further than `type` and the typed keywords
_COMBINING_KEYWORDS = frozenset(
    {"$ref", "$recursiveRef", "$dynamicRef", "enum", "allOf", "anyOf", "oneOf", "not", "const"}
)
_METADATA_KEYWORDS = frozenset({"title", "description", "default", "$id", "id", "connect.type"})
_STRING_KEYWORD_SET = frozenset({"minLength", "maxLength", "pattern"})
_NUMBER_KEYWORD_SET = frozenset(_NUMBER_KEYWORDS)
_ARRAY_COUNT_KEYWORDS = frozenset({"minItems", "maxItems", "uniqueItems"})
_OBJECT_RARE_KEYWORDS = frozenset(
    {
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "minProperties",
        "maxProperties",
        "unevaluatedProperties",
    }
)
_SNIFFED = (
    frozenset((*_OBJECT_KEYWORDS, "dependencies")),
    frozenset(_ARRAY_KEYWORDS),
    frozenset((*_STRING_KEYWORDS, "format")),
)
_SNIFFED_2019 = (
    frozenset(
        (*_OBJECT_KEYWORDS, "dependentRequired", "dependentSchemas", "unevaluatedProperties")
    ),
    frozenset((*_ARRAY_KEYWORDS, "minContains", "maxContains", "unevaluatedItems", "prefixItems")),
    frozenset(_STRING_KEYWORDS),
)
_PRIMITIVE_LEAVES: dict[str, type[Node]] = {
    "string": StringNode,
    "number": NumberNode,
    "integer": NumberNode,
    "boolean": BooleanNode,
    "null": NullNode,
}
# members of a combination that no other kind of member can stand in for: comparing one with a
# member of another of these kinds always reports an incompatible change of type
_EXCLUSIVE_KINDS = frozenset(
    {StringNode, NumberNode, BooleanNode, NullNode, ObjectNode, ArrayNode, EnumNode, ConstNode}
)


def _leaf(node: Node, draft: Draft) -> Node:
    node.plain = draft
    return node


def _plain_part(part: bool | Node | None) -> bool:
    return not isinstance(part, Node) or part.plain is not None


def _combined(node: CombinedNode, draft: Draft, role: str) -> CombinedNode:
    """`node`, marked plain when two of them built from equal JSON can only be paired member to
    member: every member is plain and, when there are several, each is of its own exclusive
    kind (so no member could be matched with another's counterpart)."""
    node.role = role
    members = node.subschemas
    if any(member.plain is None for member in members):
        return node
    if len(members) > 1:
        kinds = {member.__class__ for member in members}
        if (
            len(kinds) < len(members)
            or not kinds <= _EXCLUSIVE_KINDS
            or any(member.connect_type == "bytes" for member in members)
        ):
            return node
    node.plain = draft
    return node


@lru_cache(maxsize=4096)
def _join(base: str, reference: str) -> str:
    return urljoin(base, reference)


@lru_cache(maxsize=4096)
def _defragment(uri: str) -> tuple[str, str]:
    url, fragment = urldefrag(uri)
    return url, fragment


_NEVER = re.compile(r"(?!)")


def compile_pattern(pattern: str, invalid: Any) -> re.Pattern[str] | None:
    """The compiled regular expression, None when only ECMA 262 can read it; else `invalid`."""
    try:
        return re.compile(pattern)
    except re.error as error:
        translated = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
        try:
            return re.compile(translated)
        except re.error:
            pass
        if _ECMA_ONLY.search(pattern):
            return None
        raise invalid(f"{pattern!r} is not a valid regular expression: {error}") from None


def _with_metadata(node: Node, value: dict[str, Any], draft: Draft) -> Node:
    node.title = value.get("title")
    node.description = value.get("description")
    node.has_default = "default" in value
    node.default = value.get("default")
    node.id = value.get(_id_keyword(draft))
    node.connect_type = value.get("connect.type")
    return node


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _num(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _quote(part: str) -> str:
    from urllib.parse import quote

    return quote(part)


def _walk(value: Any, pointer: str) -> Any:
    for token in pointer_tokens(pointer):
        if isinstance(value, dict):
            value = value[token]
        elif isinstance(value, list):
            if not token.isdigit():
                raise LookupError(token)
            value = value[int(token)]
        else:
            raise LookupError(token)
    return value


def load_schema(schema: Schema, options: CheckOptions, trusted: bool = False) -> ParsedJsonSchema:
    """Parse `schema`; SchemaInvalid (or UnresolvedReference) when it cannot be used.

    `trusted` skips the metaschema check of the schema itself, for a version the registry
    already accepted; anything that then goes wrong is decided by the careful way instead.
    """
    if trusted:
        try:
            return Loader(schema, options, trusted=True).load()
        except Exception:  # the careful way says what is wrong, if anything
            pass
    return Loader(schema, options).load()


def build_validator(parsed: ParsedJsonSchema) -> Any:
    """A jsonschema validator for `parsed` whose `$ref`s resolve to the documents already loaded."""
    from referencing import Registry
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import specification_with

    resources = {uri: (contents, draft) for uri, contents, draft in parsed.resources}
    # a document known under two URIs (its `$id` and its file) lends its neighbours both names
    by_contents: dict[int, list[str]] = {}
    for uri, (contents, _) in resources.items():
        by_contents.setdefault(id(contents), []).append(uri)
    folders = [
        (one.rsplit("/", 1)[0] + "/", other.rsplit("/", 1)[0] + "/")
        for uris in by_contents.values()
        for one in uris
        for other in uris
        if one != other
    ]

    def resource(contents: Any, draft: Draft) -> Any:
        return specification_with(draft.meta_uri.rstrip("#")).create_resource(contents)

    def retrieve(uri: str) -> Any:
        found = resources.get(uri)
        for source, target in folders:
            if found is None and uri.startswith(source):
                found = resources.get(target + uri[len(source) :])
        if found is None:
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
        return resource(*found)

    registry: Any = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    for uri, (contents, draft) in resources.items():
        registry = registry.with_resource(uri, resource(contents, draft))
    cls = validator_class(parsed.draft)
    return cls(
        parsed.document, registry=registry, _resolver=registry.resolver(base_uri=parsed.base_uri)
    )


# ------------------------------------------------------------------------- one self-contained


class _NotBundled(Exception):
    """The schema cannot be made self-contained by embedding (an `$id` or anchor moves a base)."""


_BUNDLE_KEY = "__gate_reference_"


def bundle(parsed: ParsedJsonSchema) -> Any:
    """The schema as one self-contained document: every other document its `$ref`s reach (a
    schema reference by name, a file of the repository) embedded under `$defs` and the `$ref`s
    rewritten to point there, so that a validator or a payload generator that follows only
    local references reads it as the checker did. The document itself when it references no
    other document, or when an `$id` or anchor makes embedding change what a `$ref` means."""
    document = parsed.document
    table = {uri: (contents, draft) for uri, contents, draft in parsed.resources}
    root_uri = urldefrag(parsed.base_uri)[0]
    if not isinstance(document, dict) or not any(
        urldefrag(uri)[0] != root_uri and contents is not document
        for uri, (contents, _) in table.items()
    ):
        return document
    embedded: dict[str, str] = {}  # a document's URI -> where it is embedded
    definitions: dict[str, Any] = {}

    def target(ref: str, base: str, at: str) -> str:
        written, fragment = urldefrag(ref)
        if fragment and not fragment.startswith("/"):
            raise _NotBundled
        if not written:
            return "#" + at + fragment
        uri = urldefrag(urljoin(base, written))[0]
        if uri == root_uri:
            return "#" + fragment
        found = table.get(uri)
        if found is None:
            raise _NotBundled
        if uri not in embedded:
            contents, draft = found
            key = f"{_BUNDLE_KEY}{len(embedded)}"
            embedded[uri] = f"/$defs/{key}"
            inner = uri
            if isinstance(contents, dict):
                # its own `$id` is its base; embedded, the root's base must stay in scope
                id_key = _id_keyword(draft)
                declared = contents.get(id_key)
                if isinstance(declared, str):
                    inner = urldefrag(urljoin(uri, declared))[0]
                    contents = {k: v for k, v in contents.items() if k != id_key}
            definitions[key] = None  # taken before its own references are followed (cycles)
            definitions[key] = rewrite(contents, inner, embedded[uri])
        return "#" + embedded[uri] + fragment

    def rewrite(value: Any, base: str, at: str) -> Any:
        if isinstance(value, dict):
            if value is not document and (
                "$id" in value
                or "$anchor" in value
                or "$dynamicAnchor" in value
                or isinstance(value.get("id"), str)
            ):
                raise _NotBundled
            return {
                key: target(item, base, at)
                if key == "$ref" and isinstance(item, str)
                else rewrite(item, base, at)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [rewrite(item, base, at) for item in value]
        return value

    try:
        out = call_deep(lambda: rewrite(document, parsed.base_uri, ""), parsed.depth)
    except (_NotBundled, RecursionError):
        return document
    if not definitions:
        return document
    existing = out.get("$defs", {})
    if not isinstance(existing, dict) or any(key in existing for key in definitions):
        return document
    out["$defs"] = {**existing, **definitions}
    return out
