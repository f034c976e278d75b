"""Drift between git and the registry: pure comparison of values, no I/O.

For each subject the caller gives what git holds (the schema at head, every text the subject's
file ever had), what gate.yaml configures, and what the registry holds. `find_drift` reports:
versions registered by hand (in the registry, in no git revision), schemas not registered yet,
compatibility levels that differ, and subjects that exist on one side only. Texts are compared
by `canonical_form`, so formatting, key order and Avro `doc` strings do not count as drift.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gate.model import CheckKind, CheckResult, Finding, Location, Mode, SchemaType, Severity
from gate.rules import Rule
from gate.sources.state import SubjectState
from gate.subjects import json_shape

UNTRACKED_REGISTRY_VERSION = "DRIFT_UNTRACKED_REGISTRY_VERSION"
NOT_REGISTERED = "DRIFT_NOT_REGISTERED"
COMPATIBILITY_MISMATCH = "DRIFT_COMPATIBILITY_MISMATCH"
SUBJECT_NOT_IN_GIT = "DRIFT_SUBJECT_NOT_IN_GIT"
SUBJECT_NOT_IN_REGISTRY = "DRIFT_SUBJECT_NOT_IN_REGISTRY"

DRIFT_RULES: tuple[Rule, ...] = (
    Rule(
        UNTRACKED_REGISTRY_VERSION,
        "A registered version that no git revision of the subject's file holds: someone "
        "registered it by hand.",
        Severity.ERROR,
        "drift",
    ),
    Rule(
        NOT_REGISTERED,
        "The schema at git head is not registered yet (expected before a deploy).",
        Severity.INFO,
        "drift",
    ),
    Rule(
        COMPATIBILITY_MISMATCH,
        "The compatibility level in gate.yaml differs from the one the registry applies.",
        Severity.WARNING,
        "drift",
    ),
    Rule(
        SUBJECT_NOT_IN_GIT,
        "A registry subject with no schema file in git.",
        Severity.WARNING,
        "drift",
    ),
    Rule(
        SUBJECT_NOT_IN_REGISTRY,
        "A subject in git that the registry has never seen (registered on first deploy).",
        Severity.INFO,
        "drift",
    ),
)

_RULES = {rule.id: rule for rule in DRIFT_RULES}
_PRIMITIVES = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
)
_WRAPPED = re.compile(
    r'\{\s*"type"\s*:\s*"(?:' + "|".join(sorted(_PRIMITIVES)) + r')"\s*\}'
)


# --------------------------------------------------------------------------------------------
# Canonical form


@lru_cache(maxsize=256)
def canonical_form(schema_type: SchemaType, text: str) -> str:
    """`text` reduced to what matters for drift: parsed JSON, sorted keys, no whitespace.

    For Avro, `doc` strings are dropped and a bare `{"type": "string"}` becomes `"string"`.
    Text that is not JSON (invalid, or Protobuf) compares by its stripped text.
    """
    try:
        data = json.loads(text)
        # the walk is only needed when there is something to drop or unwrap
        if schema_type is SchemaType.AVRO and ('"doc"' in text or _WRAPPED.search(text)):
            data = _avro_canonical(data)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, RecursionError):
        # nested deeper than the walk may go, the text itself is the best form left
        return text.strip()


def _avro_canonical(node: Any) -> Any:
    if isinstance(node, list):
        return [_avro_canonical(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "doc":
            continue
        # defaults are data, not schema: a record default may well have a "doc" key
        out[key] = value if key == "default" else _avro_canonical(value)
    if set(out) == {"type"} and isinstance(out["type"], str) and out["type"] in _PRIMITIVES:
        return out["type"]
    return out


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class DriftInput:
    """What is known of one subject on each side.

    `git_text` / `git_type` describe the schema at git head (None: no file at head);
    `git_history` holds the canonical form of every text the subject's file ever had in git
    (head included or not: head is always counted); `configured` is gate.yaml's level for the
    subject (None: not set there); `registry` is the registry's state (None: never seen).
    """

    subject: str
    git_text: str | None = None
    git_type: SchemaType | None = None
    git_history: frozenset[str] = frozenset()
    configured: Mode | None = None
    registry: SubjectState | None = None
    path: str | None = None  # the subject's file, repository-relative, for locations
    # git object ids of the file's history: a registered text with one of these ids is known
    # without reading or canonicalising anything
    git_blob_ids: frozenset[str] = frozenset()
    # numbers of the registered versions known to differ from the head's schema by more than
    # canonical forms leave out (from their parsed structures): not decoded to be compared
    unlike_head: frozenset[int] = frozenset()

    @classmethod
    def from_texts(
        cls,
        subject: str,
        schema_type: SchemaType,
        head: str | None,
        history: Iterable[str] = (),
        configured: Mode | None = None,
        registry: SubjectState | None = None,
        path: str | None = None,
    ) -> DriftInput:
        """Build an input from raw texts; they are canonicalised here."""
        return cls(
            subject=subject,
            git_text=head,
            git_type=schema_type if head is not None else None,
            git_history=frozenset(canonical_form(schema_type, text) for text in history),
            configured=configured,
            registry=registry,
            path=path,
        )

    @property
    def in_git(self) -> bool:
        return self.git_text is not None

    @property
    def in_registry(self) -> bool:
        return self.registry is not None and bool(self.registry.versions)


# --------------------------------------------------------------------------------------------
# Rules


def _finding(
    rule_id: str,
    item: DriftInput,
    message: str,
    fix: str,
    versions: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        rule=rule_id,
        severity=_RULES[rule_id].severity,
        subject=item.subject,
        message=message,
        location=Location(item.path) if item.path else None,
        versions=versions,
        fix=fix,
        check=drift_check_id(item.subject),
    )


def drift_check_id(subject: str) -> str:
    return f"{subject}: drift vs registry"


def _known_forms(item: DriftInput) -> set[str]:
    forms = set(item.git_history)
    if item.git_text is not None and item.git_type is not None:
        forms.add(canonical_form(item.git_type, item.git_text))
    return forms


@lru_cache(maxsize=256)
def blob_id(text: str) -> str:
    """The git object id of `text` as a file (UTF-8), to match registered texts exactly.

    Remembered: a subject's drift asks for the ids of its registered versions twice."""
    data = text.encode("utf-8", "surrogateescape")
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _untracked_versions(item: DriftInput) -> list[Finding]:
    if not item.in_git or item.registry is None:
        return []
    known: set[str] | None = None
    where = item.path or "the subject's file"
    out = []
    for version in item.registry.versions:
        if version.text == item.git_text or blob_id(version.text) in item.git_blob_ids:
            continue
        if known is None:
            known = _known_forms(item)
        if canonical_form(version.schema_type, version.text) in known:
            continue
        out.append(
            _finding(
                UNTRACKED_REGISTRY_VERSION,
                item,
                f"{item.subject}: registry version {version.version} (id {version.id}) matches "
                f"no revision of {where} in git history; it was registered outside the "
                "reviewed workflow.",
                f"commit that schema to {where} if it is meant to stay, or delete version "
                f"{version.version} of {item.subject} from the registry if it was a mistake",
                (version.label,),
            )
        )
    return out


def _shape(schema_type: SchemaType, text: str) -> tuple[int, ...] | None:
    """Counts that texts with one canonical form share, or None when that cannot be told
    without decoding (escapes may spell the same string differently; Avro docs are dropped and
    wrapped primitives unwrapped by the canonical form)."""
    if schema_type is SchemaType.AVRO and ('"doc"' in text or _WRAPPED.search(text)):
        return None
    return json_shape(text)


def _registered_as(
    schema_type: SchemaType, text: str, versions: Any, unlike: frozenset[int] = frozenset()
) -> bool:
    """Whether some version has the canonical form of `text`; versions known to differ
    (`unlike`, by number) or whose shape already differs are not decoded at all."""
    mine: tuple[int, ...] | None = None
    shaped = False
    head: str | None = None
    for version in versions:
        if version.version in unlike:
            continue
        if not shaped:
            mine, shaped = _shape(schema_type, text), True
        if mine is not None:
            theirs = _shape(version.schema_type, version.text)
            if theirs is not None and theirs != mine:
                continue
        head = head if head is not None else canonical_form(schema_type, text)
        if canonical_form(version.schema_type, version.text) == head:
            return True
    return False


def _not_registered(item: DriftInput) -> list[Finding]:
    if item.git_text is None or item.git_type is None or not item.in_registry:
        return []
    assert item.registry is not None
    if any(v.text == item.git_text for v in item.registry.versions):
        return []
    if _registered_as(item.git_type, item.git_text, item.registry.versions, item.unlike_head):
        return []
    latest = item.registry.latest
    assert latest is not None
    return [
        _finding(
            NOT_REGISTERED,
            item,
            f"{item.subject}: the schema at git head is not registered yet; the latest "
            f"registered is version {latest.version} (id {latest.id}). Expected before it "
            "is deployed.",
            "register it as part of the deploy (after this gate passes)",
            (latest.label,),
        )
    ]


def _compatibility_mismatch(item: DriftInput) -> list[Finding]:
    if item.configured is None or item.registry is None:
        return []
    registry = item.registry
    if item.configured is registry.effective:
        return []
    source = "set on the subject" if registry.compatibility is not None else "inherited"
    return [
        _finding(
            COMPATIBILITY_MISMATCH,
            item,
            f"{item.subject}: gate.yaml says {item.configured.value} but the registry applies "
            f"{registry.effective.value} ({source}); the registry will judge registrations "
            "by its own level.",
            f"set the subject's level in the registry (PUT /config/{item.subject} "
            f'{{"compatibility": "{item.configured.value}"}}) or change gate.yaml to '
            f"{registry.effective.value}",
        )
    ]


def _subject_not_in_git(item: DriftInput) -> list[Finding]:
    if item.in_git or not item.in_registry:
        return []
    assert item.registry is not None
    latest = item.registry.latest
    assert latest is not None
    count = len(item.registry.versions)
    return [
        _finding(
            SUBJECT_NOT_IN_GIT,
            item,
            f"{item.subject}: the registry holds {count} version(s) (latest {latest.version}, "
            f"id {latest.id}) but no schema file in git maps to this subject.",
            "add the schema file and its subject to gate.yaml, or delete the subject from the "
            "registry if nothing uses it",
            (latest.label,),
        )
    ]


def _subject_not_in_registry(item: DriftInput) -> list[Finding]:
    if not item.in_git or item.in_registry:
        return []
    return [
        _finding(
            SUBJECT_NOT_IN_REGISTRY,
            item,
            f"{item.subject}: the registry has no version of this subject yet; it will be "
            "created when the schema is first registered.",
            "nothing to do if this is a new subject; otherwise check the subject name "
            "(subject naming strategy, context)",
        )
    ]


_CHECKS = (
    _untracked_versions,
    _not_registered,
    _compatibility_mismatch,
    _subject_not_in_git,
    _subject_not_in_registry,
)


def find_drift(inputs: Iterable[DriftInput]) -> list[Finding]:
    """Every drift finding over `inputs`, in subject order then rule order."""
    findings: list[Finding] = []
    for item in sorted(inputs, key=lambda i: i.subject):
        for check in _CHECKS:
            findings.extend(check(item))
    return findings


def drift_checks(inputs: Iterable[DriftInput]) -> list[CheckResult]:
    """One drift `CheckResult` per subject, passed ones included (for JUnit coverage)."""
    out = []
    for item in sorted(inputs, key=lambda i: i.subject):
        findings = tuple(f for check in _CHECKS for f in check(item))
        out.append(
            CheckResult(
                id=drift_check_id(item.subject),
                subject=item.subject,
                kind=CheckKind.DRIFT,
                name="drift vs registry",
                findings=findings,
            )
        )
    return out
