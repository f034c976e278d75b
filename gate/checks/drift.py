"""Drift: git's schema of each subject against what the registry holds, from the history the
workspace read."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from gate.formats import get_format
from gate.subjects import SubjectSource, in_shard

if TYPE_CHECKING:
    from gate.drift import DriftInput
    from gate.history import History, InDoubt
    from gate.model import CheckResult
    from gate.options import Shard
    from gate.sources.state import StateView


def _drift_input(
    source: SubjectSource,
    state: StateView,
    history: History,
    unlike: frozenset[int] = frozenset(),
    texts: tuple[str, ...] | None = None,
) -> DriftInput | None:
    """The `DriftInput` of one subject that has a file in git (None: no schema type); `texts`
    are its file's contents in history, read here when None and needed."""
    from gate.drift import DriftInput, blob_id

    if source.schema_type is None:
        return None
    registered = state.subject(source.subject)
    head = source.head_data.decode("utf-8", "replace") if source.head_data else None
    ids = history.ids.get(source.path, frozenset())
    # the file as the registry holds it (a JSON Schema written in YAML: the JSON)
    schema_format = get_format(source.schema_type)
    if head is not None:
        head = schema_format.registry_text(source.path, head)
    unreadable: tuple[str, ...] = ()
    if texts is None:
        texts = ()
        if registered is not None and any(
            v.text != head and blob_id(v.text) not in ids for v in registered.versions
        ):
            texts, unreadable = history.texts(source.path)
    texts = tuple(schema_format.registry_text(source.path, text) for text in texts)
    item = DriftInput.from_texts(
        source.subject,
        source.schema_type,
        head,
        texts,
        configured=source.compatibility,
        registry=registered,
        path=source.path,
        history_complete=history.complete,
    )
    return dataclasses.replace(
        item, git_blob_ids=ids, unlike_head=unlike, unreadable_history=unreadable
    )


def in_doubt(state: StateView) -> InDoubt:
    """Whether a subject's registered version would be drift for want of it in a history."""
    from gate.drift import match_versions

    def doubtful(source: SubjectSource, history: History, texts: tuple[str, ...]) -> bool:
        item = _drift_input(source, state, history, texts=texts)
        return item is not None and bool(match_versions(item).in_doubt)

    return doubtful


def subject_drift(
    source: SubjectSource,
    state: StateView,
    history: History,
    unlike: frozenset[int] = frozenset(),
) -> list[CheckResult]:
    """Drift of one subject that has a file in git (`unlike`: numbers of registered versions
    known to differ from its schema, see `structurally_unlike`)."""
    from gate.drift import drift_checks

    item = _drift_input(source, state, history, unlike)
    return [] if item is None else drift_checks([item])


def registry_only_drift(
    state: StateView, known: set[str], shard: Shard | None
) -> list[CheckResult]:
    """Drift of the registry's subjects that no file in git maps to."""
    from gate.drift import DriftInput, drift_checks

    # names first: a lazily read snapshot then reads only the subjects git does not have
    names = sorted(
        name
        for name in state.subjects
        if name not in known and (shard is None or in_shard(name, shard.number, shard.total))
    )
    inputs = [DriftInput(subject=name, registry=state.subject(name)) for name in names]
    return drift_checks(inputs)
