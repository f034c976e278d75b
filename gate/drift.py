"""Drift between git and the registry: pure comparison of values, no I/O.

For each subject the caller gives what git holds (the schema at head, every text the subject's
file ever had), what gate.yaml configures, and what the registry holds. `find_drift` reports:
versions registered by hand (in the registry, in no git revision), schemas not registered yet,
compatibility levels that differ, and subjects that exist on one side only. Texts are compared
by `canonical_form`, so formatting, key order, Avro `doc` strings and Protobuf comments do not
count as drift.

A registry is often older than the repository that now holds its schemas. A registered version
that no git revision holds is an error only when it is newer than the newest version git does
hold, or when it is the latest and git holds none: older ones are registry history from before
git, one info finding per subject. When git's history is incomplete (a shallow clone), a version
git does not hold may well be in the history it lacks: that is an info finding saying how to
fetch the rest, never an error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from gate.errors import UnsupportedFormat
from gate.formats import get_format
from gate.model import (
    Category,
    CheckKind,
    CheckResult,
    Finding,
    Location,
    Mode,
    Rule,
    SchemaType,
    Severity,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gate.sources.state import RegisteredSchema, SubjectState

UNTRACKED_REGISTRY_VERSION = "DRIFT_UNTRACKED_REGISTRY_VERSION"
HISTORY_PREDATES_GIT = "DRIFT_REGISTRY_HISTORY_PREDATES_GIT"
HISTORY_SHALLOW = "DRIFT_HISTORY_SHALLOW"
HISTORY_UNREADABLE = "DRIFT_HISTORY_UNREADABLE"
NOT_REGISTERED = "DRIFT_NOT_REGISTERED"
COMPATIBILITY_MISMATCH = "DRIFT_COMPATIBILITY_MISMATCH"
SUBJECT_NOT_IN_GIT = "DRIFT_SUBJECT_NOT_IN_GIT"
SUBJECT_NOT_IN_REGISTRY = "DRIFT_SUBJECT_NOT_IN_REGISTRY"

DRIFT_RULES: tuple[Rule, ...] = (
    Rule(
        UNTRACKED_REGISTRY_VERSION,
        "A registered version that no git revision of the subject's file holds, newer than the "
        "newest one git holds (or the latest, when git holds none): someone registered it by "
        "hand.",
        Severity.ERROR,
        Category.DRIFT,
    ),
    Rule(
        HISTORY_PREDATES_GIT,
        "Registered versions that no git revision holds, older than one git holds: registry "
        "history from before the repository tracked the schema (one finding per subject).",
        Severity.INFO,
        Category.DRIFT,
    ),
    Rule(
        HISTORY_SHALLOW,
        "Registered versions that git's history does not hold in a shallow clone: they may be in "
        "the history it lacks (fetch it, or run with --fetch-base, to tell).",
        Severity.INFO,
        Category.DRIFT,
    ),
    Rule(
        HISTORY_UNREADABLE,
        "Registered versions that no readable git revision holds, while some revisions of the "
        "file are git-lfs pointers whose object is not in the local LFS store: they may be those "
        "revisions (fetch the objects, `git lfs fetch --all origin`, to tell).",
        Severity.INFO,
        Category.DRIFT,
    ),
    Rule(
        NOT_REGISTERED,
        "The schema at git head is not registered yet (expected before a deploy).",
        Severity.INFO,
        Category.DRIFT,
    ),
    Rule(
        COMPATIBILITY_MISMATCH,
        "The compatibility level in gate.yaml differs from the one the registry applies.",
        Severity.WARNING,
        Category.DRIFT,
    ),
    Rule(
        SUBJECT_NOT_IN_GIT,
        "A registry subject with no schema file in git.",
        Severity.WARNING,
        Category.DRIFT,
    ),
    Rule(
        SUBJECT_NOT_IN_REGISTRY,
        "A subject in git that the registry has never seen (registered on first deploy).",
        Severity.INFO,
        Category.DRIFT,
    ),
)

_RULES = {rule.id: rule for rule in DRIFT_RULES}


# --------------------------------------------------------------------------------------------
# Canonical form


@lru_cache(maxsize=256)
def canonical_form(schema_type: SchemaType, text: str) -> str:
    """`text` reduced to what matters for drift: the format's `canonical` form (for Avro and
    JSON Schema: parsed JSON, sorted keys, no whitespace, Avro `doc` strings dropped; for
    Protobuf: the declarations without comments or formatting, grouped as the registry prints
    them). The stripped text for a type gate does not know."""
    try:
        schema_format = get_format(schema_type)
    except (UnsupportedFormat, ModuleNotFoundError):
        return text.strip()
    return schema_format.canonical(text)


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
    # False when git's history is cut short (a shallow clone): a registered version it does not
    # hold may be in the part it lacks
    history_complete: bool = True
    # commits (short shas) whose version of the file could not be read: git-lfs pointers whose
    # object is not in the local LFS store. A registered version may be one of them: one that
    # no readable revision holds is an info finding, never judged as drift
    unreadable_history: tuple[str, ...] = ()

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
        history_complete: bool = True,
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
            history_complete=history_complete,
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


@dataclass(frozen=True)
class VersionMatch:
    """Which registered versions of a subject git holds, and how to judge those it does not.

    `unheld` (oldest first) splits in two: `in_doubt`, the versions newer than the newest one
    git holds (all of them past it, or the latest alone when git holds none), which someone
    registered outside the reviewed workflow unless git's history lacks them; and `older`, the
    rest, registry history from before the repository tracked the schema.
    """

    held: tuple[RegisteredSchema, ...]
    unheld: tuple[RegisteredSchema, ...]

    @property
    def newest_held(self) -> RegisteredSchema | None:
        return max(self.held, key=lambda v: v.version, default=None)

    @property
    def in_doubt(self) -> tuple[RegisteredSchema, ...]:
        newest = self.newest_held
        if newest is None:
            return self.unheld[-1:]
        return tuple(v for v in self.unheld if v.version > newest.version)

    @property
    def older(self) -> tuple[RegisteredSchema, ...]:
        doubt = {v.version for v in self.in_doubt}
        return tuple(v for v in self.unheld if v.version not in doubt)


def match_versions(item: DriftInput) -> VersionMatch:
    """The registered versions of `item` that some git revision holds, and those none does.

    Byte-equal texts and git object ids are matched first; canonical forms (which need the
    history's texts) only for what is left."""
    if not item.in_git or item.registry is None:
        return VersionMatch((), ())
    known: set[str] | None = None
    held: list[RegisteredSchema] = []
    unheld: list[RegisteredSchema] = []
    for version in item.registry.versions:
        if version.text == item.git_text or blob_id(version.text) in item.git_blob_ids:
            held.append(version)
            continue
        if known is None:
            known = _known_forms(item)
        if canonical_form(version.schema_type, version.text) in known:
            held.append(version)
        else:
            unheld.append(version)
    return VersionMatch(tuple(held), tuple(unheld))


def version_ranges(numbers: Iterable[int]) -> str:
    """`1–4, 6, 9–10`: sorted numbers with consecutive runs compressed."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)


def _versions_phrase(versions: Iterable[RegisteredSchema]) -> str:
    numbers = [v.version for v in versions]
    word = "version" if len(numbers) == 1 else "versions"
    return f"{word} {version_ranges(numbers)}"


_SHOWN_COMMITS = 5


def _unreadable(item: DriftInput, doubt: tuple[RegisteredSchema, ...]) -> Finding:
    """The registered versions `doubt`, which git's history may hold in revisions gate could
    not read (git-lfs pointers whose object was never fetched): an info finding, not drift."""
    commits = item.unreadable_history
    shown = ", ".join(commits[:_SHOWN_COMMITS])
    if len(commits) > _SHOWN_COMMITS:
        shown += f" and {len(commits) - _SHOWN_COMMITS} more"
    where = item.path or "the subject's file"
    one = len(doubt) == 1
    return _finding(
        HISTORY_UNREADABLE,
        item,
        f"{item.subject}: registry {_versions_phrase(doubt)} "
        f"{'matches' if one else 'match'} no revision of {where} that gate could read; "
        f"{where} is a git-lfs pointer in {'commit' if len(commits) == 1 else 'commits'} "
        f"{shown} whose object is not in the local LFS store, which may hold "
        f"{'it' if one else 'them'}, so this is not judged as drift.",
        "fetch the LFS objects of the whole history (`git lfs fetch --all origin`), then rerun "
        "gate",
        tuple(v.label for v in doubt),
    )


def _untracked_versions(item: DriftInput) -> list[Finding]:
    match = match_versions(item)
    if not match.unheld:
        return []
    where = item.path or "the subject's file"
    newest = match.newest_held
    out: list[Finding] = []
    doubt = match.in_doubt
    if doubt and not item.history_complete:
        latest = doubt[-1]
        differs = describe_difference(item, latest)
        out.append(
            _finding(
                HISTORY_SHALLOW,
                item,
                f"{item.subject}: registry {_versions_phrase(doubt)} "
                f"{'matches' if len(doubt) == 1 else 'match'} no revision of {where} in the "
                "history this shallow clone holds"
                + (
                    f" (newer than version {newest.version}, the newest registered version it "
                    "holds)"
                    if newest
                    else ""
                )
                + "; the history it lacks may hold "
                + ("it" if len(doubt) == 1 else "them")
                + ", so this is not judged as drift."
                + (f" Version {latest.version} {differs}." if differs else ""),
                "fetch the rest of the history before gate runs (`git fetch --unshallow "
                "origin`; with actions/checkout, `fetch-depth: 0`), or rerun gate with "
                "--fetch-base, which deepens the clone as far as needed",
                tuple(v.label for v in doubt),
            )
        )
    elif doubt and item.unreadable_history:
        out.append(_unreadable(item, doubt))
    elif doubt:
        for version in doubt:
            if newest is not None:
                why = (
                    f"and is newer than version {newest.version}, the newest registered version "
                    "git holds"
                )
            else:
                why = "and neither does any other registered version"
            differs = describe_difference(item, version)
            out.append(
                _finding(
                    UNTRACKED_REGISTRY_VERSION,
                    item,
                    f"{item.subject}: registry version {version.version} (id {version.id}) "
                    f"matches no revision of {where} in git history {why}; it was registered "
                    "outside the reviewed workflow." + (f" It {differs}." if differs else ""),
                    f"commit that schema to {where} if it is meant to stay, or delete version "
                    f"{version.version} of {item.subject} from the registry if it was a "
                    "mistake",
                    (version.label,),
                )
            )
    older = match.older
    if older:
        lacks = "" if item.history_complete else " (in the history this shallow clone holds)"
        first = min(match.held, key=lambda v: v.version, default=None)
        they, were = ("it is", "it was") if len(older) == 1 else ("they are", "they were")
        if first is not None and all(v.version < first.version for v in older):
            since = (
                f"; {they} older than version {first.version}, the first git holds{lacks}, "
                f"so {were} registered before the repository tracked the schema"
            )
        elif newest is not None:
            since = f"; {they} older than version {newest.version}, which git holds{lacks}"
        else:
            since = ""
        out.append(
            _finding(
                HISTORY_PREDATES_GIT,
                item,
                f"{item.subject}: registry history predates the repository's: "
                f"{_versions_phrase(older)} match{'es' if len(older) == 1 else ''} no revision "
                f"of {where}{since}.",
                "nothing to do: older registered versions stay as they are (the registry "
                "judges new versions against them under transitive levels)",
                tuple(v.label for v in older),
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# What differs


_MAX_DIFFERENCES = 5
_MAX_VALUE = 60


def _pointer(path: Iterable[object]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "(the whole schema)"


def _show_value(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def differences(schema_type: SchemaType, git_text: str, registered_text: str) -> list[str]:
    """Each difference between git's schema and a registered one, as `pointer: what`, in
    document order; computed with deepdiff on the parsed canonical forms (so formatting and
    Avro docs do not count). Empty when either is not JSON, or nests too deep to walk."""
    from deepdiff import DeepDiff
    from deepdiff.helper import NotPresent

    try:
        ours_text = canonical_form(schema_type, git_text)
        theirs_text = canonical_form(schema_type, registered_text)
        try:
            ours, theirs = json.loads(ours_text), json.loads(theirs_text)
        except ValueError:
            # a canonical form that is not JSON (Protobuf's: one declaration per line)
            return _statement_differences(ours_text, theirs_text)
        tree = DeepDiff(ours, theirs, view="tree", verbose_level=2)
        items = [item for changes in tree.values() for item in changes]
        found = []
        for item in items:
            path = item.path(output_format="list")
            mine, other = item.t1, item.t2
            if isinstance(other, NotPresent):
                what = f"only in git ({_show_value(mine)})"
            elif isinstance(mine, NotPresent):
                what = f"only in the registry ({_show_value(other)})"
            else:
                what = f"{_show_value(mine)} in git, {_show_value(other)} in the registry"
            order = [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path]
            found.append((order, f"{_pointer(path)}: {what}"))
    except (ValueError, TypeError, RecursionError):
        return []
    return [line for _, line in sorted(found)]


def _statement_differences(ours: str, theirs: str) -> list[str]:
    """The statements only one of two line-per-statement canonical forms has, in order."""
    import difflib

    mine, other = ours.splitlines(), theirs.splitlines()
    found: list[str] = []
    matcher = difflib.SequenceMatcher(a=mine, b=other, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        found.extend(f"only in git: `{_clip(line)}`" for line in mine[a_start:a_end])
        found.extend(f"only in the registry: `{_clip(line)}`" for line in other[b_start:b_end])
    return found


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def describe_difference(item: DriftInput, version: RegisteredSchema) -> str:
    """`differs from <file> at head in N places: ...` (at most a few listed), or "" when the
    difference cannot be shown."""
    if item.git_text is None or item.git_type is None:
        return ""
    found = differences(item.git_type, item.git_text, version.text)
    if not found:
        return ""
    where = item.path or "the schema"
    count = len(found)
    shown = "; ".join(found[:_MAX_DIFFERENCES])
    more = count - _MAX_DIFFERENCES
    rest = f"; and {more} more" if more > 0 else ""
    places = "1 place" if count == 1 else f"{count} places"
    return f"differs from {where} at git head in {places}: {shown}{rest}"


def _shape(schema_type: SchemaType, text: str) -> tuple[int, ...] | None:
    """The format's `canonical_shape` of `text`; None for a type gate does not know."""
    try:
        return get_format(schema_type).canonical_shape(text)
    except (UnsupportedFormat, ModuleNotFoundError):
        return None


def _registered_as(
    schema_type: SchemaType,
    text: str,
    versions: Iterable[RegisteredSchema],
    unlike: frozenset[int] = frozenset(),
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
