"""The per-subject judge: validity, the git base, the registry's history and drift, one subject
at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from gate.checks.drift import subject_drift
from gate.checks.git import effective_mode, git_checks, unchanged_note
from gate.checks.registry import registry_checks, unlike_versions
from gate.checks.validity import parse_side
from gate.compat import CheckMemo
from gate.evidence import SimulationSettings, WitnessMemo, with_evidence
from gate.formats import CheckOptions, get_format
from gate.model import CheckResult, Severity

if TYPE_CHECKING:
    from gate.config import Config
    from gate.history import History
    from gate.judge import Parsed, Parser
    from gate.options import RunOptions
    from gate.sources.state import StateView
    from gate.subjects import SubjectSource


class SubjectOutcome(NamedTuple):
    """What judging one subject gave: its checks, and its parsed schemas for later stages."""

    checks: tuple[CheckResult, ...]
    candidate: Parsed | None = None
    in_flight: tuple[Parsed, ...] = ()
    registry_ok: bool = True  # our verdict against the registry's history


class SubjectJudge:
    """Judges one subject at a time: validity, the git base, the registry's history.

    Holds only what every subject shares, so a forked worker process can run it as well.
    """

    def __init__(
        self,
        config: Config,
        parser: Parser,
        state: StateView | None,
        options: RunOptions,
        settings: SimulationSettings,
        base_label: str,
        registry_label: str,
        contract_subjects: frozenset[str],
        drift: History | None = None,
    ) -> None:
        self.drift = drift
        self.config = config
        self.parser = parser
        self.state = state
        self.options = options
        self.settings = settings
        self.base_label = base_label
        self.registry_label = registry_label
        self.contract_subjects = contract_subjects
        # `gate simulate` judges only the pairs it simulates, and every one of them
        self.only_simulation = options.simulate and not options.compat
        self._memo = WitnessMemo()

    def options_for(self, source: SubjectSource) -> CheckOptions:
        if source.json_policy is None:
            return self.parser.options
        return self.parser.options._replace(json_policy=source.json_policy)

    def _evidence(self, check: CheckResult, writer: Parsed, reader: Parsed) -> CheckResult:
        return with_evidence(
            check, writer, reader, self.settings, always=self.only_simulation, memo=self._memo
        )

    def _changed_evidence(self, check: CheckResult, writer: Parsed, reader: Parsed) -> CheckResult:
        # a changed file is simulated even when compatible where the format says data may show
        # what the checker cannot (the simulator's `worth_simulating`)
        simulator = get_format(writer.schema.type).simulator()
        always = self.only_simulation or (
            simulator is not None
            and simulator.worth_simulating(
                reader.value if reader.ok else None, writer.value if writer.ok else None
            )
        )
        return with_evidence(check, writer, reader, self.settings, always=always, memo=self._memo)

    def judge(self, source: SubjectSource) -> SubjectOutcome:
        options = self.options
        if (
            self.state is None
            and source.as_at_base
            and not source.samples
            and source.subject not in self.contract_subjects
        ):
            # as it was at the base, and nothing else to compare it with (no registry, contract
            # or samples): most subjects of a commit range, told apart by the listings alone
            if not (options.compat or options.simulate):
                return SubjectOutcome(())
            mode = effective_mode(source, self.config, None)
            return SubjectOutcome((unchanged_note(source, mode, self.base_label),))
        self._memo = WitnessMemo()  # witnesses are shared between the pairs of one subject
        verdicts = CheckMemo()  # and so are verdicts (the base is often the latest registered)
        registered = self.state.subject(source.subject) if self.state is not None else None
        mode = effective_mode(source, self.config, registered)
        in_contract = source.subject in self.contract_subjects
        held = (
            frozenset(v.text.encode("utf-8", "surrogateescape") for v in registered.versions)
            if registered is not None
            else frozenset()
        )
        # an unchanged file that the registry already holds needs no parsing at all
        need = in_contract or bool(source.samples) or (bool(held) and source.head_data not in held)
        candidate, git = git_checks(
            source,
            self.parser,
            mode,
            self.base_label,
            need,
            self.options_for(source),
            self._changed_evidence,
            held,
            verdicts,
            describe=options.describe_changes,
        )
        checks: list[CheckResult] = git if (options.compat or options.simulate) else []
        state = self.state
        drift = self.drift if state is not None else None
        if candidate is None:
            if drift is not None and state is not None:
                checks += subject_drift(source, state, drift)
            return SubjectOutcome(tuple(checks))
        registry_ok = True
        against_registry: list[CheckResult] = []
        if options.compat and candidate.ok and self.state is not None:
            against_registry = registry_checks(
                source,
                candidate,
                registered,
                self.parser,
                mode,
                self.options_for(source),
                self.registry_label,
                self._evidence,
                verdicts,
            )
            registry_ok = not any(
                f.severity is Severity.ERROR for c in against_registry for f in c.findings
            )
        if drift is not None and state is not None:
            # after the registry comparison: the versions it parsed tell drift which of them
            # cannot be the head's schema, without decoding them again
            versions = registered.versions if registered is not None else ()
            parsed = [self.parser.peek(version.to_schema()) for version in versions]
            unlike = unlike_versions(candidate, versions, parsed)
            checks += subject_drift(source, state, drift, unlike)
        checks += against_registry
        flight: list[Parsed] = []
        if in_contract:
            if registered is not None:
                flight = [self.parser.parse(v.to_schema()) for v in registered.versions]
            base = parse_side(self.parser, source, head=False)
            if base is not None and base.ok and source.base_data != source.head_data:
                flight.append(base)
        return SubjectOutcome(tuple(checks), candidate, tuple(flight), registry_ok)
