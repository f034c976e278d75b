"""The contracts: each producer's and consumer's schema, their pairs, and the graph of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.judge import Parsed, Parser, parse_bytes
from gate.model import CheckResult, Origin, OriginKind, Severity

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from gate.contracts import PairCheck
    from gate.declarations import Contract, RegistryPin
    from gate.formats import CheckOptions
    from gate.references import ReferenceResolver, ResolvedReferences
    from gate.sources.state import StateView
    from gate.workspace import Workspace


def _contract_party_schema(
    workspace: Workspace,
    parser: Parser,
    state: StateView | None,
    candidates: dict[str, Parsed],
    subject: str,
    reference: str | None,
    pin: RegistryPin | None,
    references: ResolvedReferences | None = None,
) -> tuple[Parsed | None, str | None]:
    """The schema a producer writes or a consumer reads with, or why there is none.

    A party's file that is not a complete schema on its own is read with the subject's
    references (`references`, resolved at the head): it uses the types the subject's schema
    references. One that is (a consumer's own copy of a referenced type) is read as it is."""
    if pin is not None:
        registered = state.subject(pin.subject) if state is not None else None
        if registered is None or not registered.versions:
            where = "the registry" if state is not None else "any registry (none configured)"
            return None, f"{pin.subject} is not in {where}"
        version = registered.latest if pin.version is None else registered.version(pin.version)
        if version is None:
            return None, f"{pin.subject} has no version {pin.version} in the registry"
        return parser.parse(version.to_schema()), None
    if reference is None:
        candidate = candidates.get(subject)
        if candidate is None:
            return None, f"subject {subject} has no schema file in this run"
        return candidate, None
    in_repo = workspace.prefix + reference
    data = workspace.head_tree.read([in_repo]).get(in_repo)
    if data is None:
        return None, f"{reference} does not exist in {workspace.head_label}"
    from gate.formats import infer_type as infer

    schema_type = infer(reference, data.decode("utf-8", "replace"))
    if schema_type is None:
        return None, f"cannot tell the schema type of {reference}"
    origin = Origin(OriginKind.WORKTREE, path=in_repo)
    parsed = parse_bytes(parser, schema_type, data, origin)
    if not parsed.ok and references is not None:
        with_references = parse_bytes(parser, schema_type, data, origin, references=references)
        if with_references.ok:
            return with_references, None
    return parsed, None


def contract_checks(
    workspace: Workspace,
    parser: Parser,
    state: StateView | None,
    candidates: dict[str, Parsed],
    in_flight: dict[str, list[Parsed]],
    options_for: Callable[[Parsed], CheckOptions],
    contracts: Sequence[Contract],
    resolver: ReferenceResolver | None = None,
) -> tuple[list[CheckResult], list[PairCheck]]:
    """Checks of the contracts, and their (writer, reader) pairs, each naming its producer and
    consumer, for simulation, samples and the graph."""
    if not contracts:
        return [], []
    from gate.contracts import Party, Role, contract_pairs

    checks: list[CheckResult] = []
    pairs: list[PairCheck] = []
    for contract in contracts:
        subject = contract.subject
        references = _subject_references(subject, candidates, resolver)
        producers = []
        for producer in contract.producers:
            schema, problem = _contract_party_schema(
                workspace, parser, state, candidates, subject, producer.file, None, references
            )
            producers.append(Party(Role.PRODUCER, producer.name, schema, problem=problem))
        consumers = []
        for consumer in contract.consumers:
            pin = consumer.pin
            schema, problem = _contract_party_schema(
                workspace,
                parser,
                state,
                candidates,
                subject,
                None if pin is not None else consumer.reader,
                pin,
                references,
            )
            consumers.append(
                Party(Role.CONSUMER, consumer.name, schema, consumer.environment, problem)
            )
        extra, subject_pairs = contract_pairs(
            subject, producers, consumers, in_flight.get(subject, []), options_for
        )
        checks += extra
        pairs += subject_pairs
    return checks, pairs


def contract_graph(
    pairs: Sequence[PairCheck], checks: Sequence[CheckResult]
) -> list[tuple[str | None, str, str, bool]]:
    """The (producer, subject, consumer, broken) edges of the judged pairs (a producer of None:
    data in flight); broken when the pair's final check has an error no waiver covers."""
    by_id = {check.id: check for check in checks}
    edges = []
    for pair in pairs:
        check = by_id.get(pair.check.id, pair.check)
        broken = any(f.severity is Severity.ERROR and f.waived_by is None for f in check.findings)
        edges.append((pair.producer, pair.check.subject, pair.consumer_label, broken))
    return list(dict.fromkeys(edges))


def _subject_references(
    subject: str, candidates: dict[str, Parsed], resolver: ReferenceResolver | None
) -> ResolvedReferences | None:
    """The references of `subject` at the head: its candidate's, else resolved anew."""
    from gate.references import ResolvedReferences

    candidate = candidates.get(subject)
    if candidate is not None and candidate.schema.resolved_references:
        return ResolvedReferences(candidate.schema.references, candidate.schema.resolved_references)
    return resolver.for_subject(subject) if resolver is not None else None
