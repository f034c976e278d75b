"""The registry: opening it, the candidate against its history, and its own verdict."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from gate.canonical import canonical_json, json_shape
from gate.checks.git import mode_words
from gate.corerules import REGISTRY_VERDICT_DISAGREES
from gate.errors import SourceError
from gate.formats import get_format
from gate.judge import Parsed, Parser, compat_checks, severity_of
from gate.model import CheckKind, CheckResult, Finding, Location, Mode
from gate.workspace import load_configuration

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from gate.compat import CheckMemo
    from gate.config import Config
    from gate.formats import CheckOptions
    from gate.judge import Evidence
    from gate.options import SourceOptions
    from gate.sources.registry import RegistrySettings, RegistrySource
    from gate.sources.state import RegisteredSchema, SubjectState
    from gate.subjects import SubjectSource


def registry_settings(sources: SourceOptions, config: Config | None) -> RegistrySettings | None:
    """The live registry to talk to (--registry, GATE_REGISTRY_URL, gate.yaml), or None.

    Credentials come from GATE_REGISTRY_* first, then from gate.yaml's interpolated values.
    """
    registry = config.registry if config is not None else None
    url = sources.registry_url or sources.environ.get("GATE_REGISTRY_URL") or None
    if url is None and registry is not None:
        url = registry.url
    if not url:
        return None
    from gate.secrets import remember
    from gate.sources.registry import RegistrySettings

    overrides: dict[str, Any] = {}
    if registry is not None:
        for name in ("user", "password", "token"):
            if not sources.environ.get(f"GATE_REGISTRY_{name.upper()}"):
                value = getattr(registry, name)
                if value:
                    overrides[name] = value
        remember(registry.user, registry.password, registry.token)
        overrides.update(
            headers=registry.headers,
            ca_bundle=str(registry.ca_bundle) if registry.ca_bundle else None,
            client_cert=str(registry.client_cert) if registry.client_cert else None,
            client_key=str(registry.client_key) if registry.client_key else None,
            timeout=registry.timeout,
            retries=registry.retries,
            concurrency=registry.concurrency,
            context=registry.context,
        )
    settings = RegistrySettings.from_env(url, sources.environ, **overrides)
    remember(*settings.secrets)
    return settings


def open_registry(sources: SourceOptions, config: Config) -> RegistrySource | None:
    """The registry baseline: --snapshot, else a live URL, else gate.yaml's snapshot; or none."""
    registry = config.registry
    configured_snapshot = (
        config.root / registry.snapshot if registry is not None and registry.snapshot else None
    )
    if sources.snapshot is not None:
        from gate.sources.snapshot import SnapshotRegistry

        return SnapshotRegistry(sources.cwd / sources.snapshot, str(sources.snapshot))
    offline = sources.offline
    settings = None if offline else registry_settings(sources, config)
    if settings is not None:
        from gate.sources.registry import HttpRegistry

        return HttpRegistry(settings)
    if configured_snapshot is not None and registry is not None and configured_snapshot.exists():
        from gate.sources.snapshot import SnapshotRegistry

        return SnapshotRegistry(configured_snapshot, registry.snapshot)
    return None


def registry_checks(
    source: SubjectSource,
    candidate: Parsed,
    registered: SubjectState | None,
    parser: Parser,
    mode: Mode,
    options: CheckOptions,
    registry_label: str,
    evidence: Evidence | None = None,
    memo: CheckMemo | None = None,
) -> list[CheckResult]:
    """The candidate against the registry's live history, under the subject's effective level."""
    check_id = f"{source.subject}: {mode_words(mode)} vs registry latest"
    name = f"{mode.value} against {registry_label}"

    def note(text: str) -> list[CheckResult]:
        return [CheckResult(check_id, source.subject, CheckKind.COMPAT, name, notes=(text,))]

    if registered is None or not registered.versions:
        return note(f"new subject: nothing is registered under {source.subject} yet")
    referenced = candidate.schema.resolved_references
    same = already_registered(
        candidate.schema.text, registered, verbatim=True, referenced=referenced
    )
    history = []
    if same is None:
        history = [parser.parse(version.to_schema()) for version in registered.versions]
        unlike = unlike_versions(candidate, registered.versions, history)
        same = already_registered(
            candidate.schema.text, registered, unlike=unlike, referenced=referenced
        )
    if same is not None:
        return note(
            f"already registered as version {same.version} (id {same.id}); "
            "registering it again changes nothing"
        )
    if mode is Mode.NONE:
        return note("compatibility level NONE: any change is accepted")
    # a version of another schema type is judged too: incompatible, as for the registry
    alike = list(zip(registered.versions, history, strict=True))
    # a version gate cannot parse is named, never left out without a word
    skipped = tuple(
        f"registered version {version.version} (id {version.id}) of {source.subject} is "
        f"skipped: gate cannot parse it ({p.invalid.message if p.invalid else 'invalid'})"
        for version, p in alike
        if not p.ok
    )
    usable = [p for _, p in alike if p.ok]
    if not usable:
        return note(
            " ".join(skipped) + "; no registered version is left to compare the candidate with"
        )
    checks = compat_checks(
        source.subject, candidate, [p for _, p in alike], mode, options, evidence, memo
    )
    if skipped:
        also = "; the candidate is compared with the versions it can parse"
        checks = [
            dataclasses.replace(check, notes=(*check.notes, *(text + also for text in skipped)))
            for check in checks
        ]
    return checks


def already_registered(
    text: str,
    registered: SubjectState,
    verbatim: bool = False,
    unlike: frozenset[int] = frozenset(),
    referenced: tuple[tuple[str, str], ...] = (),
) -> RegisteredSchema | None:
    """The registered version whose text is `text` (byte for byte first, then as JSON; only
    byte for byte when `verbatim`). `unlike` numbers versions known to differ from it.

    As for the registry, a schema with references is the same only with the same referenced
    schemas (`referenced`: texts by name): a changed referenced type makes it a new one."""
    for version in registered.versions:
        if version.text == text and _same_references(version.resolved_references, referenced):
            return version
    if verbatim:
        return None
    mine: str | None = None
    wanted = json_shape(text)
    for version in registered.versions:
        if version.version in unlike:
            continue
        if wanted is not None and json_shape(version.text) not in (None, wanted):
            continue
        mine = mine if mine is not None else canonical_json(text)
        if canonical_json(version.text) == mine and _same_references(
            version.resolved_references, referenced
        ):
            return version
    return None


def _same_references(
    theirs: tuple[tuple[str, str], ...], mine: tuple[tuple[str, str], ...]
) -> bool:
    if theirs == mine:
        return True
    if dict(theirs).keys() != dict(mine).keys():
        return False
    ours = dict(mine)
    return all(
        text == ours[name] or canonical_json(text) == canonical_json(ours[name])
        for name, text in theirs
    )


def unlike_versions(
    candidate: Parsed, versions: Sequence[RegisteredSchema], parsed: Sequence[Parsed | None]
) -> frozenset[int]:
    """The numbers of the `versions` (parsed as `parsed`, None where not known) that are
    `structurally_unlike` the candidate."""
    return frozenset(
        version.version
        for version, one in zip(versions, parsed, strict=True)
        if structurally_unlike(candidate, one)
    )


def structurally_unlike(candidate: Parsed, other: Parsed | None) -> bool:
    """Whether `other` is known to differ from `candidate` by more than JSON formatting, docs
    and primitives spelled `{"type": "int"}` (the format's `structurally_unlike`). Then neither
    their JSON nor drift's canonical forms are equal, and neither text need be decoded again to
    know it."""
    if other is None or not candidate.ok or not other.ok:
        return False
    if candidate.schema.type is not other.schema.type:
        return False
    return get_format(candidate.schema.type).structurally_unlike(candidate.value, other.value)


def verify_with_registry(
    source: SubjectSource, candidate: Parsed, registry: RegistrySource, local_ok: bool
) -> CheckResult | None:
    """Ask the registry itself and report any disagreement with our verdict (None: a source
    that cannot judge, a snapshot)."""
    check_id = f"{source.subject}: registry agrees"
    verdicts = registry.check_compatibility(
        source.subject, candidate.schema.text, candidate.schema.type, candidate.schema.references
    )
    if verdicts is None:
        return None
    server_ok = all(v.is_compatible for v in verdicts)
    findings: tuple[Finding, ...] = ()
    if server_ok != local_ok:
        said = "compatible" if server_ok else "incompatible"
        messages = "; ".join(m for v in verdicts for m in v.messages)[:800]
        findings = (
            Finding(
                rule=REGISTRY_VERDICT_DISAGREES,
                severity=severity_of(REGISTRY_VERDICT_DISAGREES),
                subject=source.subject,
                message=f"the registry calls the candidate {said}, gate calls it "
                f"{'compatible' if local_ok else 'incompatible'}"
                + (f": {messages}" if messages else ""),
                location=Location(source.path),
                check=check_id,
                fix="the registry decides at registration time: compare its messages with "
                "gate's findings and report the difference as a gate bug if gate is wrong",
            ),
        )
    return CheckResult(
        check_id,
        source.subject,
        CheckKind.COMPAT,
        "the registry's own verdict agrees",
        findings=findings,
    )


def export_registry(sources: SourceOptions, directory: Path, subjects: Sequence[str]) -> int:
    """`gate registry export`: write every (or the named) subject's versions to `directory`."""
    from gate.sources.registry import HttpRegistry, RegistrySettings
    from gate.sources.snapshot import export_snapshot

    try:
        config = load_configuration(sources)
    except SourceError:
        config = None  # outside a repository: the command line and environment only
    settings = registry_settings(sources, config)
    if settings is None:
        # no URL anywhere: from_env raises the error that says how to name one
        settings = RegistrySettings.from_env(None, sources.environ)
    with HttpRegistry(settings) as registry:
        state = registry.load(list(subjects) or None)
    return export_snapshot(state, sources.cwd / directory)
