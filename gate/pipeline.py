"""Wires the stages: options -> workspace -> checks -> findings -> policy -> Result."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from gate.errors import UsageError
from gate.formats import CheckOptions
from gate.model import CheckResult, InputPatterns, Result, RunInfo, RunInputs
from gate.subjects import in_shard, with_texts
from gate.workspace import (
    ConfigScope,
    Workspace,
    configuration,
    contracts_in_run,
    import_paths,
    open_workspace,
    relative,
    tree_reader,
)

if TYPE_CHECKING:
    from gate.config import Config
    from gate.contracts import PairCheck
    from gate.judge import Parsed
    from gate.options import RunOptions
    from gate.references import ReferenceResolver
    from gate.sources.state import StateView
    from gate.subjects import SubjectSource


def _inputs(workspace: Workspace, config: Config) -> RunInputs:
    """gate.yaml and every subject's file of the run: the repository's root and the files'
    repository-relative paths (made absolute only when a report is written to a file)."""
    paths = {s.head_path for s in workspace.subjects} | {s.base_path for s in workspace.subjects}
    return {
        "root": str(workspace.repo.root),
        "config": str(config.path) if config.path is not None else None,
        "paths": {p for p in paths if p is not None},
    }


def _input_patterns(workspace: Workspace, config: Config) -> InputPatterns:
    """The sample globs of the run, matched against report paths as text: listing the file
    system for them could follow a link out of the repository."""
    patterns = sorted({p for source in workspace.subjects for p in source.samples})
    return {"root": str(Path(config.root).resolve()), "patterns": patterns}


def _judging_stage() -> None:
    """Loads the judging stage; `open_workspace` calls it while git lists the trees."""
    import gate.checks.judge
    import gate.pool  # noqa: F401


def run_check(options: RunOptions) -> Result:
    """`gate check` (and `drift`, `simulate`): every stage of the pipeline for one run."""
    import gc

    # a run builds many small long-lived objects (parsed schemas); collecting the young
    # generation less often saves a sixth of the parsing time and changes nothing else
    gc.set_threshold(50_000, 20, 20)
    sources = options.sources
    config, repo = configuration(sources)
    workspace = open_workspace(sources, config, repo, meanwhile=_judging_stage)
    from gate.checks.judge import SubjectJudge
    from gate.checks.registry import open_registry, verify_with_registry
    from gate.evidence import SimulationSettings, with_evidence
    from gate.judge import Parser
    from gate.pool import judge_all

    subjects = list(workspace.subjects)
    if options.shard is not None:
        subjects = [
            s for s in subjects if in_shard(s.subject, options.shard.number, options.shard.total)
        ]
    base_options = CheckOptions(
        json_policy=config.json_policy,
        allow_remote_refs=config.allow_remote_refs,
        # schema paths are repository-relative, and so are the files their `$ref`s name
        root=workspace.repo.root,
        files=tree_reader(workspace),
        import_paths=import_paths(config, workspace.prefix),
    )
    parser = Parser(base_options)

    def options_for(source_or_parsed: object) -> CheckOptions:
        policy = getattr(source_or_parsed, "json_policy", None)
        return base_options._replace(json_policy=policy) if policy else base_options

    registry = open_registry(sources, config)
    if registry is None and options.drift and not (options.compat or options.simulate):
        raise UsageError(
            "gate drift compares git with a registry, and none is configured",
            str(config.path or config.root),
            "pass --registry URL (or set GATE_REGISTRY_URL), --snapshot DIR, or name a snapshot "
            "under `registry:` in gate.yaml",
        )
    contracts = contracts_in_run(workspace, options.shard)
    notes: list[str] = list(workspace.head_tree.problems)
    notes += list(workspace.base_tree.problems)
    checks: list[CheckResult] = []
    try:
        state: StateView | None = None
        if registry is not None:
            wanted: set[str] | None = {s.subject for s in subjects}
            if options.drift and not sources.files:
                wanted = None  # drift needs every registered subject
            else:
                assert wanted is not None
                wanted |= {c.pin.subject for k in contracts for c in k.consumers if c.pin}
                if config.declares_references:
                    from gate.references import required_subjects

                    wanted |= required_subjects(config)
            state = registry.view(wanted)
            label = state.source_label or "the registry"
            notes.append(f"registry baseline: {label}")
        else:
            label = "the registry"
            notes.append("registry baseline: none configured (git comparison only)")
        contract_subjects = frozenset(c.subject for c in contracts)
        resolver: ReferenceResolver | None = None
        if contracts or config.declares_references:
            from gate.references import ReferenceResolver

            resolver = ReferenceResolver(
                ConfigScope(config, workspace.prefix),
                workspace.head_tree,
                workspace.base_tree,
                state,
                relative(config.path, config.root) or "gate.yaml",
            )
            subjects = resolver.attach(subjects)
            notes += resolver.notes
        # a file git lists unchanged is read only for what compares it with something else than
        # its own base: the registry's versions, a contract's parties, samples; or when the
        # schemas it references changed
        subjects = with_texts(
            subjects,
            workspace.head_tree,
            lambda s: (
                state is not None
                or not s.unchanged
                or s.subject in contract_subjects
                or bool(s.samples)
            ),
        )

        settings = SimulationSettings(
            enabled=options.simulate and config.simulation.enabled,
            seed=config.simulation.seed,
            random_count=config.simulation.random_count,
        )
        history = None
        if options.drift and state is not None:
            from gate.checks.drift import in_doubt
            from gate.history import drift_history

            history = drift_history(
                workspace, subjects, in_doubt(state) if sources.fetch_base else None
            )
        judge = SubjectJudge(
            config,
            parser,
            state,
            options,
            settings,
            workspace.base_label,
            label,
            contract_subjects,
            history,
        )
        local: list[SubjectSource] = []  # judged here: their parsed schemas are used below
        pooled: list[SubjectSource] = []
        for source in subjects:
            if (
                source.subject in contract_subjects
                or source.samples
                or options.verify_with_registry
            ):
                local.append(source)
            else:
                pooled.append(source)
        judged = dict(zip([s.subject for s in pooled], judge_all(judge, pooled), strict=True))
        candidates: dict[str, Parsed] = {}
        in_flight: dict[str, list[Parsed]] = {}
        for source in local:
            outcome = judge.judge(source)
            judged[source.subject] = outcome.checks
            if outcome.candidate is None:
                continue
            candidates[source.subject] = outcome.candidate
            in_flight[source.subject] = list(outcome.in_flight)
            candidate = outcome.candidate
            registered = state.subject(source.subject) if state is not None else None
            if (
                options.verify_with_registry
                and candidate.ok
                and registered is not None
                and registry is not None
            ):
                verified = verify_with_registry(source, candidate, registry, outcome.registry_ok)
                if verified is not None:
                    judged[source.subject] = (*judged[source.subject], verified)
            if source.samples and candidate.ok and (options.compat or options.simulate):
                from gate.checks.samples import samples_check

                judged[source.subject] = (
                    *judged[source.subject],
                    samples_check(workspace.repo.root, source, candidate, parser, state, registry),
                )
        for source in subjects:
            checks += judged[source.subject]

        if options.drift and state is not None and not sources.files:
            from gate.checks.drift import registry_only_drift

            known = {s.subject for s in workspace.subjects}
            checks += registry_only_drift(state, known, options.shard)

        pairs: list[PairCheck] = []
        if contracts:
            from gate.checks.contracts import contract_checks
            from gate.checks.samples import samples_of

            assert resolver is not None  # made for every run with contracts
            contract_results, pairs = contract_checks(
                workspace, parser, state, candidates, in_flight, options_for, contracts, resolver
            )
            notes += [n for n in resolver.notes if n not in notes]
            if options.compat or options.simulate:
                checks += contract_results
                samples = {
                    s.subject: samples_of(workspace.repo.root, s)
                    for s in subjects
                    if s.samples and s.subject in contract_subjects
                }
                for pair in pairs:
                    evidenced = with_evidence(
                        pair.check, pair.writer, pair.reader, settings, always=True
                    )
                    subject_samples = samples.get(pair.check.subject, ())
                    if subject_samples and settings.enabled:
                        from gate.contracts import read_samples

                        pair = dataclasses.replace(pair, check=evidenced)
                        evidenced = read_samples(pair, subject_samples)
                    checks.append(evidenced)
            else:
                pairs = []
    finally:
        if registry is not None:
            registry.close()

    today = dt.date.fromisoformat(options.today) if options.today else dt.date.today()
    from gate.policy import apply_waivers

    waivers = config.waivers
    if options.shard is not None:
        # each shard judges the waivers of its own subjects only, so none looks stale elsewhere
        waivers = tuple(
            w for w in waivers if in_shard(w.subject, options.shard.number, options.shard.total)
        )
    if sources.files:
        # a run restricted to files judges their subjects only: another subject's waiver
        # matches nothing here without being stale
        in_run = {check.subject for check in checks}
        waivers = tuple(w for w in waivers if w.subject in in_run)
    checks = apply_waivers(checks, waivers, today, relative(config.path, config.root))
    edges: list[tuple[str | None, str, str, bool]] = []
    if pairs:
        from gate.checks.contracts import contract_graph

        edges = contract_graph(pairs, checks)
    info = RunInfo(
        base=workspace.base_label,
        head=workspace.head_label,
        # report paths are repository-relative: SARIF anchors them at the root, and the
        # configuration's folder within it tells monorepo runs apart
        root=str(workspace.repo.root),
        prefix=workspace.prefix,
        files={s.subject: s.path for s in subjects},
        # what the run read from the work tree, which no report may overwrite
        inputs=_inputs(workspace, config),
        input_patterns=_input_patterns(workspace, config),
        # the subjects whose schema (and every file it reaches) is as it was at the base
        unchanged=tuple(s.subject for s in subjects if s.as_at_base)
        if options.compat or options.simulate
        else (),
        graph=edges or None,
    )
    return Result(tuple(checks), options.fail_on, tuple(notes), info)
