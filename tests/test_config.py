"""gate.yaml: loading, every kind of error (file, line and key), globs, templates, discovery."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.config import (
    Config,
    ConfigFileError,
    SubjectBinding,
    SubjectRule,
    default_config,
    find_config,
    glob_match,
    load_config,
)
from gate.declarations import Consumer, RegistryConfig, RegistryPin
from gate.errors import ConfigError, ExitCode, SourceError
from gate.model import JsonPolicy, Mode, SchemaType

DESIGN_EXAMPLE = """\
version: 1
registry:                              # optional: the live registry and/or an offline snapshot
  url: ${GATE_REGISTRY_URL}
  snapshot: registry-snapshot/         # written by `gate registry export`
defaults:
  compatibility: BACKWARD              # used when neither the subject nor the registry sets one
  json_policy: STRICT                  # or LENIENT
subjects:
  - subject: orders-value              # one file, one subject
    file: schemas/orders.avsc
    type: AVRO                         # optional; inferred from the extension and content
    compatibility: FULL_TRANSITIVE     # optional; else the registry's, else defaults
    samples: [samples/orders/*.jsonl]  # optional sample payloads
  - files: "schemas/events/*.avsc"     # many files: a glob and a subject template
    subject: "{stem}-value"            # {stem} file name without extension, {name}, {dir}
contracts:
  - subject: orders-value
    producers:
      - name: checkout                 # writes with the subject's file
    consumers:
      - name: fraud-detector
        reader: contracts/fraud-detector/orders.avsc
      - name: analytics
        reader: orders-value@3         # a pinned registry version
        environment: prod
waivers:
  - rule: AVRO_READER_FIELD_MISSING_DEFAULT
    subject: orders-value
    fingerprint: 9c1e4b2a             # shown in every finding
    reason: consumers upgraded first, see the migration plan
    owner: team-orders
    expires: 2027-01-31
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root that is also the working directory, so files display as `gate.yaml`."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.chdir(repo)
    return repo


def write(root: Path, text: str, name: str = "gate.yaml") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(root: Path, text: str, environ: dict[str, str] | None = None) -> Config:
    return load_config(write(root, text), environ or {})


def problems(root: Path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    """Every problem the loader reports, as `file:line: key: message` strings."""
    with pytest.raises(ConfigFileError) as caught:
        load(root, text, environ)
    error = caught.value
    assert error.exit_code == ExitCode.USAGE
    assert error.render().startswith("error: invalid configuration: ")
    return [str(problem) for problem in error.problems]


# ---------------------------------------------------------------------------------- loading


def test_the_design_example_loads(root: Path) -> None:
    config = load(root, DESIGN_EXAMPLE, {"GATE_REGISTRY_URL": "https://sr.example.com/"})
    assert config.path == root / "gate.yaml"
    assert config.root == root
    assert config.version == 1
    assert config.registry == RegistryConfig(
        url="https://sr.example.com", snapshot="registry-snapshot"
    )
    assert config.default_compatibility is Mode.BACKWARD
    assert config.json_policy is JsonPolicy.STRICT
    assert config.subjects == (
        SubjectRule(
            subject="orders-value",
            file="schemas/orders.avsc",
            files=None,
            type=SchemaType.AVRO,
            compatibility=Mode.FULL_TRANSITIVE,
            json_policy=None,
            samples=("samples/orders/*.jsonl",),
            line=9,
        ),
        SubjectRule(subject="{stem}-value", file=None, files="schemas/events/*.avsc", line=14),
    )
    (contract,) = config.contracts
    assert (contract.subject, contract.line) == ("orders-value", 17)
    assert [(p.name, p.file, p.line) for p in contract.producers] == [("checkout", None, 19)]
    fraud, analytics = contract.consumers
    assert (fraud.reader, fraud.is_pinned, fraud.pin) == (
        "contracts/fraud-detector/orders.avsc",
        False,
        None,
    )
    assert (analytics.is_pinned, analytics.pin, analytics.environment, analytics.line) == (
        True,
        RegistryPin("orders-value", 3),
        "prod",
        23,
    )
    (waiver,) = config.waivers
    assert waiver.expires == date(2027, 1, 31)
    assert (waiver.rule, waiver.fingerprint, waiver.line, waiver.file) == (
        "AVRO_READER_FIELD_MISSING_DEFAULT",
        "9c1e4b2a",
        27,
        "gate.yaml",
    )
    assert config.simulation.random_count == 20
    assert config.simulation.enabled


def test_a_minimal_file_and_defaults(root: Path) -> None:
    config = load(root, "version: 1\n")
    assert config.registry is None
    # without `subjects:` the built-in rules apply, as without a file
    assert config.subjects == default_config(root).subjects
    assert config.contracts == ()
    assert config.waivers == ()
    assert config.allow_remote_refs is False
    assert load(root, "{}\n").version == 1


def test_enum_values_accept_any_case(root: Path) -> None:
    config = load(
        root,
        """\
        version: 1
        defaults: {compatibility: full_transitive, json_policy: lenient, allow_remote_refs: true}
        subjects:
          - {file: a.json, subject: a, type: jsonschema, compatibility: Forward}
        simulation: {random: 5, seed: 42, enabled: false}
        registry: {timeout: 2.5, retries: 0, concurrency: 2, context: .staging}
        """,
    )
    assert config.default_compatibility is Mode.FULL_TRANSITIVE
    assert config.json_policy is JsonPolicy.LENIENT
    assert config.allow_remote_refs is True
    assert (config.subjects[0].type, config.subjects[0].compatibility) == (
        SchemaType.JSON,
        Mode.FORWARD,
    )
    assert (config.simulation.random_count, config.simulation.seed) == (5, 42)
    assert config.simulation.enabled is False
    assert config.registry is not None
    assert (config.registry.timeout, config.registry.retries, config.registry.concurrency) == (
        2.5,
        0,
        2,
    )
    assert (config.registry.url, config.registry.context) == (None, ".staging")


def test_registry_credentials_headers_and_certificates(root: Path, tmp_path: Path) -> None:
    config = load(
        root,
        f"""\
        version: 1
        registry:
          url: https://${{SR_HOST}}/
          token: ${{SR_TOKEN}}
          target_sr_cluster: lsrc-123
          identity_pool_id: pool-abc
          ca_bundle: certs/ca.pem
          client_cert: {tmp_path}/client.pem
          client_key: {tmp_path}/client.key
        """,
        {"SR_HOST": "sr.internal:8081", "SR_TOKEN": "t0ken"},
    )
    registry = config.registry
    assert registry is not None
    assert registry.url == "https://sr.internal:8081"
    assert registry.token == "t0ken"
    assert registry.user is None
    assert registry.headers == (
        ("target-sr-cluster", "lsrc-123"),
        ("Confluent-Identity-Pool-Id", "pool-abc"),
    )
    assert registry.ca_bundle == root / "certs" / "ca.pem"
    assert registry.client_cert == tmp_path / "client.pem"
    assert "t0ken" not in repr(registry)


# ---------------------------------------------------------------------------------- errors


def test_an_invalid_enum_names_file_line_and_key(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        subjects:
          - subject: a
            file: a.avsc
          - subject: b
            file: b.avsc
            type: AVROO
        """,
    )
    assert found == ["gate.yaml:7: subjects[1].type: 'AVROO' is not one of AVRO, JSON, PROTOBUF"]


def test_unknown_keys_suggest_the_closest_one(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        subject:
          - {subject: a, file: a.avsc}
        defaults:
          compatability: FULL
          colour: blue
        """,
    )
    assert found == [
        "gate.yaml:2: subject: unknown key 'subject'; did you mean 'subjects'?",
        "gate.yaml:5: defaults.compatability: unknown key 'compatability'; did you mean "
        "'compatibility'?",
        "gate.yaml:6: defaults.colour: unknown key 'colour' (expected one of allow_remote_refs, "
        "compatibility, json_policy)",
    ]


def test_wrong_types_missing_keys_and_ranges(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        registry:
          retries: many
          concurrency: 0
        subjects:
          - file: a.avsc
          - subject: no
            file: b.avsc
          - subject: c
            file: c.avsc
            files: "*.avsc"
          - subject: d
          - subject: e
            file: e.avsc
            samples: 5
        contracts:
          - subject: a
            consumers:
              - name: x
        """,
    )
    assert found == [
        "gate.yaml:3: registry.retries: expected an integer, got 'many'",
        "gate.yaml:4: registry.concurrency: must be at least 1, got 0",
        "gate.yaml:6: subjects[0]: missing required key 'subject'",
        "gate.yaml:7: subjects[1].subject: expected a string, got false",
        "gate.yaml:15: subjects[4].samples: expected a string or a list, got 5",
        "gate.yaml:19: contracts[0].consumers[0]: missing required key 'reader'",
    ]
    # file and files together (or neither) is checked once the types are right
    found = problems(
        root,
        """\
        version: 1
        subjects:
          - subject: c
            file: c.avsc
            files: "*.avsc"
          - subject: d
        """,
    )
    assert found == [
        "gate.yaml:3: subjects[0]: use either file or files, not both",
        "gate.yaml:6: subjects[1]: missing required key 'file' or 'files'",
    ]


def test_a_yaml_boolean_where_a_string_belongs_gets_a_hint(root: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load(root, "version: 1\nsubjects:\n  - {subject: on, file: a.avsc}\n")
    assert "quote" in caught.value.hint


def test_duplicate_keys_are_errors(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        defaults:
          compatibility: FULL
          json_policy: STRICT
          compatibility: NONE
        """,
    )
    assert found == ["gate.yaml:5: defaults.compatibility: duplicate key (first written on line 3)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- version: 1\n", "gate.yaml:1: the configuration must be a mapping of keys"),
        ("just a string\n", "gate.yaml:1: the configuration must be a mapping of keys"),
        (
            "",
            "gate.yaml:1: the configuration must be a mapping of keys (version, subjects, ...), "
            "not empty",
        ),
        ("# only a comment\n", "gate.yaml:1: the configuration must be a mapping of keys"),
    ],
)
def test_the_file_must_be_a_mapping(root: Path, text: str, expected: str) -> None:
    (found,) = problems(root, text)
    assert found.startswith(expected)


def test_invalid_yaml_names_the_line(root: Path) -> None:
    (found,) = problems(root, "version: 1\nsubjects:\n  - subject: a\n   file: x\n")
    assert found.startswith("gate.yaml:4: invalid YAML: ")
    (found,) = problems(root, "version: 1\n---\nversion: 1\n")
    assert found.startswith("gate.yaml:2: invalid YAML: ")


def test_unsupported_tags_and_merge_keys(root: Path) -> None:
    assert problems(root, "version: 1\nregistry: {context: !custom x}\n") == [
        "gate.yaml:2: registry.context: invalid value 'x': could not determine a constructor "
        "for the tag '!custom'"
    ]
    assert problems(root, "version: 1\ndefaults:\n  <<: {compatibility: FULL}\n") == [
        "gate.yaml:3: defaults: YAML merge keys (<<) are not supported"
    ]


def test_a_billion_laughs_is_refused_at_its_first_alias(root: Path) -> None:
    """Refused where the first alias is met, before anything is expanded (how long that takes
    is measured in benchmarks/bench_limits.py)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    lines.append("version: 1")
    with pytest.raises(ConfigFileError) as caught:
        load_config(write(root, "\n".join(lines) + "\n"), {})
    (problem,) = caught.value.problems
    assert (
        str(problem) == "gate.yaml:2: YAML aliases (*a0) are not supported in gate's configuration"
    )
    assert "anchor" in caught.value.hint


def test_absurdly_deep_nesting_is_a_config_error(root: Path) -> None:
    (found,) = problems(root, "version: 1\nsimulation: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert found == "gate.yaml: the YAML is nested too deeply"


def test_version_must_be_1(root: Path) -> None:
    assert problems(root, "version: 2\n") == [
        "gate.yaml:1: version: unsupported configuration version; this gate reads version 1"
    ]


def test_waiver_fields_are_checked(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        waivers:
          - rule: avro_lowercase
            subject: s
            fingerprint: xyz
            reason: r
            owner: o
            expires: 31/01/2027
          - rule: RULE
            subject: s
            fingerprint: abcdef12
            reason: r
            owner: o
            expires: 2027-02-30
          - rule: RULE
            subject: s
            fingerprint: abcdef12
            owner: o
            expires: 2027-01-01
        """,
    )
    assert found == [
        "gate.yaml:3: waivers[0].rule: must be a rule id in SCREAMING_SNAKE_CASE (`gate rules` "
        "lists them)",
        "gate.yaml:5: waivers[0].fingerprint: must be the hexadecimal fingerprint shown with the "
        "finding",
        "gate.yaml:8: waivers[0].expires: must be a date written YYYY-MM-DD",
        "gate.yaml:14: waivers[1].expires: invalid value '2027-02-30': day is out of range for "
        "month",
        "gate.yaml:15: waivers[2]: missing required key 'reason'",
    ]


def test_many_problems_are_reported_together_in_line_order(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        defaults: {compatibility: SIDEWAYS}
        subjects:
          - {subject: a, file: ../a.avsc, typo: 1}
        """,
    )
    assert [problem.split(":")[1] for problem in found] == ["2", "4"]
    assert "'SIDEWAYS' is not one of BACKWARD" in found[0]
    assert "unknown key 'typo'" in found[1]


def test_a_missing_or_unreadable_file_is_a_source_error(root: Path) -> None:
    with pytest.raises(SourceError) as caught:
        load_config(root / "nope.yaml", {})
    assert caught.value.exit_code == ExitCode.SOURCE
    assert caught.value.subject == str(root / "nope.yaml")
    (root / "dir.yaml").mkdir()
    with pytest.raises(SourceError, match="could not read"):
        load_config(root / "dir.yaml", {})


def test_a_file_that_is_not_utf8_is_a_config_error(root: Path) -> None:
    path = root / "gate.yaml"
    path.write_bytes(b"version: 1\nsubjects:\n  - subject: caf\xe9\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config(path, {})
    assert [str(p) for p in caught.value.problems] == ["gate.yaml:3: the file is not UTF-8 text"]


# ---------------------------------------------------------------------------------- interpolation


def test_environment_variables_are_interpolated(root: Path) -> None:
    config = load(
        root,
        """\
        version: 1
        registry:
          url: ${SR_URL}
          user: ${SR_USER}
          password: ${SR_PASSWORD}
          context: "$${literal}-${CTX}-$HOME"
        subjects:
          - subject: ${TEAM}-orders-value
            file: schemas/${TEAM}/orders.avsc
        """,
        {
            "SR_URL": "http://localhost:8081",
            "SR_USER": "key",
            "SR_PASSWORD": "secret",
            "CTX": "prod",
            "TEAM": "payments",
        },
    )
    assert config.registry is not None
    assert (config.registry.url, config.registry.user, config.registry.password) == (
        "http://localhost:8081",
        "key",
        "secret",
    )
    assert config.registry.context == "${literal}-prod-$HOME"
    binding = config.match("schemas/payments/orders.avsc")
    assert binding is not None
    assert binding.subject == "payments-orders-value"


def test_an_unset_variable_is_an_error_naming_it(root: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load(root, "version: 1\nsubjects:\n  - subject: a\n    file: ${SCHEMA_DIR}/a.avsc\n")
    assert [str(p) for p in caught.value.problems] == [
        "gate.yaml:4: subjects[0].file: environment variable SCHEMA_DIR is not set"
    ]
    assert "SCHEMA_DIR" in caught.value.hint
    assert "$${" in caught.value.hint


def test_unset_registry_credentials_mean_not_configured(root: Path) -> None:
    config = load(
        root,
        """\
        version: 1
        registry:
          url: ${GATE_REGISTRY_URL}
          user: ${SR_USER}
          password: ${SR_PASSWORD}
          token: ""
          snapshot: snap
        """,
    )
    assert config.registry == RegistryConfig(snapshot="snap")


def test_bad_interpolation_syntax(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        subjects:
          - {subject: "${1BAD}", file: a.avsc}
          - {subject: "${OPEN", file: b.avsc}
        """,
    )
    assert found == [
        "gate.yaml:3: subjects[0].subject: invalid environment variable name '1BAD' in ${...}",
        "gate.yaml:4: subjects[1].subject: unterminated ${",
    ]


def test_registry_settings_that_contradict_each_other(root: Path) -> None:
    secret = "hunter2-very-secret"
    found = problems(
        root,
        """\
        version: 1
        registry:
          url: ftp://${PASSWORD}@sr
          user: ${USER}
          password: ${PASSWORD}
          token: ${PASSWORD}
          client_key: key.pem
        """,
        {"PASSWORD": secret, "USER": "me"},
    )
    assert found == [
        "gate.yaml:3: registry.url: must be an http:// or https:// URL",
        "gate.yaml:6: registry.token: set either token or user and password, not both",
        "gate.yaml:7: registry.client_key: client_key needs client_cert",
    ]
    found = problems(root, "version: 1\nregistry:\n  user: me\n  password: ${NOT_SET}\n")
    assert found == [
        "gate.yaml:4: registry.password: registry.password is not set (or empty) while the other "
        "half of basic authentication is"
    ]


def test_credentials_never_appear_in_messages(root: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load(root, "version: 1\nregistry:\n  password: 987654321\n  token: [s3cr3t]\n")
    rendered = caught.value.render()
    assert "987654321" not in rendered
    assert "s3cr3t" not in rendered
    assert "registry.token: expected a string, got a list" in rendered
    # a password YAML reads as a number is the text written
    config = load(root, "version: 1\nregistry:\n  user: 0123\n  password: 0987654321\n")
    assert config.registry is not None
    assert (config.registry.user, config.registry.password) == ("0123", "0987654321")


def test_plain_scalars_read_as_numbers_are_taken_as_written_where_text_belongs(
    root: Path,
) -> None:
    config = load(
        root,
        """\
        version: 1
        subjects:
          - {file: a.avsc, subject: 2024}
        waivers:
          - {rule: R, subject: s, fingerprint: 01234567, reason: r, owner: 7, expires: 2027-01-01}
        """,
    )
    assert config.subjects[0].subject == "2024"
    assert (config.waivers[0].fingerprint, config.waivers[0].owner) == ("01234567", "7")
    assert problems(root, "version: 1\nsimulation: {seed: '1'}\n") == [
        "gate.yaml:2: simulation.seed: expected an integer, got '1'"
    ]


# ---------------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("snippet", "line", "key"),
    [
        ("subjects:\n  - {subject: a, file: ../outside.avsc}", 3, "subjects[0].file"),
        ("subjects:\n  - {subject: a, file: /etc/passwd}", 3, "subjects[0].file"),
        ("subjects:\n  - {subject: a, files: 'x/../../*.avsc'}", 3, "subjects[0].files"),
        (
            "subjects:\n  - subject: a\n    file: a.avsc\n    samples: [ok/*.json, ../s/*.json]",
            5,
            "subjects[0].samples[1]",
        ),
        ("registry:\n  snapshot: ../snapshot", 3, "registry.snapshot"),
        ("waivers_file: /tmp/waivers.yaml", 2, "waivers_file"),
        (
            "contracts:\n  - subject: a\n    consumers:\n      - {name: c, reader: ../r.avsc}",
            5,
            "contracts[0].consumers[0].reader",
        ),
        (
            "contracts:\n  - subject: a\n    producers:\n      - {name: p, file: ~/w.avsc}",
            5,
            "contracts[0].producers[0].file",
        ),
    ],
)
def test_paths_may_not_leave_the_repository(root: Path, snippet: str, line: int, key: str) -> None:
    (found,) = problems(root, f"version: 1\n{snippet}\n")
    assert found.startswith(f"gate.yaml:{line}: {key}: ")
    assert "leaves the repository" in found or "absolute path" in found


def test_a_symbolic_link_out_of_the_repository_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "snap")
    assert problems(root, "version: 1\nregistry:\n  snapshot: snap/\n") == [
        "gate.yaml:3: registry.snapshot: 'snap/' leads outside the repository through a "
        "symbolic link"
    ]


def test_paths_are_normalized(root: Path) -> None:
    config = load(
        root,
        "version: 1\nsubjects:\n  - {subject: a, file: ./schemas//a.avsc, samples: ./s/*.json}\n",
    )
    assert config.subjects[0].file == "schemas/a.avsc"
    assert config.subjects[0].samples == ("s/*.json",)


# ---------------------------------------------------------------------------------- waivers file


def test_waivers_file_adds_its_waivers(root: Path) -> None:
    write(
        root,
        """\
        - rule: JSON_TYPE_NARROWED
          subject: users-value
          fingerprint: ABCDEF12
          reason: agreed with consumers
          owner: ${OWNER}
          expires: 2026-12-31
        """,
        "policy/waivers.yaml",
    )
    config = load(
        root,
        """\
        version: 1
        waivers_file: policy/waivers.yaml
        waivers:
          - {rule: R, subject: s, fingerprint: 12345678, reason: r, owner: o, expires: 2027-01-01}
        """,
        {"OWNER": "team-users"},
    )
    assert config.waivers_file == root / "policy" / "waivers.yaml"
    inline, external = config.waivers
    assert (inline.file, inline.line, inline.fingerprint) == ("gate.yaml", 4, "12345678")
    assert (external.file, external.line, external.owner) == (
        "policy/waivers.yaml",
        1,
        "team-users",
    )
    assert external.fingerprint == "abcdef12"


def test_errors_in_the_waivers_file_name_that_file(root: Path) -> None:
    write(root, "- rule: R\n  subject: s\n  fingerprint: 12345678\n  owner: o\n", "w.yaml")
    with pytest.raises(ConfigFileError) as caught:
        load(root, "version: 1\nwaivers_file: w.yaml\n")
    assert [str(p) for p in caught.value.problems] == [
        "w.yaml:1: [0]: missing required keys 'reason', 'expires'",
    ]
    write(root, "rule: R\n", "w.yaml")
    with pytest.raises(ConfigFileError) as caught:
        load(root, "version: 1\nwaivers_file: w.yaml\n")
    assert [str(p) for p in caught.value.problems] == [
        "w.yaml:1: a waivers file must be a list of waivers, not a mapping"
    ]
    assert problems(root, "version: 1\nwaivers_file: missing.yaml\n") == [
        "gate.yaml:2: waivers_file: 'missing.yaml' does not exist"
    ]


# ---------------------------------------------------------------------------------- matching


def test_file_rules_win_over_globs_and_the_first_glob_wins(root: Path) -> None:
    config = load(
        root,
        """\
        version: 1
        subjects:
          - files: "schemas/**/*.avsc"
            subject: "{dir}.{stem}"
            compatibility: FULL
          - files: "schemas/events/*.avsc"
            subject: "never-{stem}"
          - file: schemas/events/special.avsc
            subject: special-value
            json_policy: LENIENT
            samples: ["samples/{stem}/*.jsonl", "samples/{name}.json"]
        """,
    )
    assert config.match("schemas/events/special.avsc") == SubjectBinding(
        subject="special-value",
        path="schemas/events/special.avsc",
        type=None,
        compatibility=None,
        json_policy=JsonPolicy.LENIENT,
        samples=("samples/special/*.jsonl", "samples/special.avsc.json"),
        line=8,
    )
    clicks = config.match("./schemas/events/clicks.avsc")
    assert clicks is not None
    assert (clicks.subject, clicks.path, clicks.compatibility, clicks.line) == (
        "events.clicks",
        "schemas/events/clicks.avsc",
        Mode.FULL,
        3,
    )
    top = config.match("schemas/top.avsc")
    assert top is not None
    assert top.subject == "schemas.top"
    assert config.match("schemas/events/clicks.json") is None
    assert config.match("other/x.avsc") is None
    assert config.match("../schemas/x.avsc") is None


def test_templates_are_checked(root: Path) -> None:
    found = problems(
        root,
        """\
        version: 1
        subjects:
          - {files: "*.avsc", subject: "{stemm}-value"}
          - {files: "*.avsc", subject: "{stem!r}"}
          - {files: "*.avsc", subject: "{stem"}
          - {file: a.avsc, subject: a, samples: ["{nam}/*.json"]}
        """,
    )
    assert found == [
        "gate.yaml:3: subjects[0].subject: unknown placeholder {stemm}; did you mean {stem}? "
        "(use {stem}, {name}, {dir} or {path})",
        "gate.yaml:4: subjects[1].subject: unknown placeholder {stem}; did you mean {stem}? "
        "(use {stem}, {name}, {dir} or {path})",
        "gate.yaml:5: subjects[2].subject: unbalanced braces in the template; write {{ or }} "
        "for a literal brace",
        "gate.yaml:6: subjects[3].samples[0]: unknown placeholder {nam}; did you mean {name}? "
        "(use {stem}, {name}, {dir} or {path})",
    ]
    config = load(root, 'version: 1\nsubjects:\n  - {files: "*.avsc", subject: "{{x}}-{stem}"}\n')
    binding = config.match("a.avsc")
    assert binding is not None
    assert binding.subject == "{x}-a"


def test_one_subject_cannot_name_two_files(root: Path) -> None:
    assert problems(
        root,
        """\
        version: 1
        subjects:
          - {file: a/orders.avsc, subject: orders}
          - {file: b/orders.avsc, subject: "{stem}"}
        """,
    ) == [
        "gate.yaml:4: subjects[1].subject: subject 'orders' is already bound to a/orders.avsc "
        "(line 3)"
    ]


def test_default_config_binds_avro_and_candidate_json_files(tmp_path: Path) -> None:
    config = default_config(tmp_path)
    assert config.path is None
    assert config.root == tmp_path
    assert config.default_compatibility is Mode.BACKWARD
    avro = config.match("deep/dir/orders.avsc")
    assert avro == SubjectBinding(
        "orders", "deep/dir/orders.avsc", SchemaType.AVRO, None, None, (), None
    )
    json_file = config.match("user.json")
    assert json_file is not None
    assert (json_file.subject, json_file.type) == ("user", None)
    assert config.match("README.md") is None
    # YAML files are candidates too: a JSON Schema written in YAML declares `$schema`
    ci = config.match(".github/workflows/ci.yml")
    assert ci is not None
    assert ci.type is None
    proto = config.match("protos/shop/orders.proto")
    assert proto == SubjectBinding(
        "orders", "protos/shop/orders.proto", SchemaType.PROTOBUF, None, None, (), None
    )
    assert config.candidate_globs() == (
        "**/*.avsc",
        "**/*.json",
        "**/*.proto",
        "**/*.yaml",
        "**/*.yml",
    )


def test_candidate_globs_cover_subjects_and_contract_files(root: Path) -> None:
    config = load(
        root,
        """\
        version: 1
        subjects:
          - {file: "odd[1]/a*.avsc", subject: a}
          - {files: "events/**/*.avsc", subject: "{stem}"}
        contracts:
          - subject: a
            producers: [{name: p, file: writers/p.avsc}]
            consumers:
              - {name: c1, reader: readers/c1.avsc}
              - {name: c2, reader: a@latest}
        """,
    )
    assert config.candidate_globs() == (
        "odd[[]1]/a[*].avsc",
        "events/**/*.avsc",
        "writers/p.avsc",
        "readers/c1.avsc",
    )
    assert config.is_candidate("odd[1]/a*.avsc")
    assert not config.is_candidate("odd1/ab.avsc")
    assert config.is_candidate("readers/c1.avsc")
    assert not config.is_candidate("readers/c2.avsc")
    assert config.contracts[0].consumers[1].pin == RegistryPin("a", None)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/*.avsc", "a.avsc", True),
        ("**/*.avsc", "x/y/a.avsc", True),
        ("*.avsc", "x/a.avsc", False),
        ("schemas/*.avsc", "schemas/a.avsc", True),
        ("schemas/*.avsc", "schemas/sub/a.avsc", False),
        ("schemas/**", "schemas/sub/a.avsc", True),
        ("schemas/**/a.avsc", "schemas/a.avsc", True),
        ("a**b/*.avsc", "axxb/c.avsc", True),
        ("a**b/*.avsc", "ax/xb/c.avsc", False),
        ("v?.avsc", "v1.avsc", True),
        ("v?.avsc", "v/.avsc", False),
        ("v[0-9].avsc", "v7.avsc", True),
        ("v[!0-9].avsc", "v7.avsc", False),
        ("v[!0-9].avsc", "v/.avsc", False),
        ("v[.avsc", "v[.avsc", True),
        ("**", "anything/at/all", True),
    ],
)
def test_glob_match(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


@settings(max_examples=200, deadline=None)
@given(
    pattern=st.text(alphabet="ab.*?[]!", max_size=8),
    # a file's path is never empty
    name=st.text(alphabet="ab.[]!", min_size=1, max_size=8),
)
def test_glob_match_agrees_with_fnmatch_within_one_directory(pattern: str, name: str) -> None:
    assert glob_match(pattern, name) == fnmatch.fnmatchcase(name, pattern)


def test_consumer_readers_are_files_or_pins() -> None:
    assert Consumer("c", "orders-value@12").pin == RegistryPin("orders-value", 12)
    assert Consumer("c", "orders-value@latest").is_pinned
    assert not Consumer("c", "contracts/orders.avsc").is_pinned
    assert not Consumer("c", "contracts/v@2.avsc").is_pinned


# ---------------------------------------------------------------------------------- discovery


def test_find_config_walks_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    assert find_config(deep) is None
    (tmp_path / "gate.yaml").write_text("version: 1\n", encoding="utf-8")  # above the repository
    assert find_config(deep) is None
    (repo / "gate.yml").write_text("version: 1\n", encoding="utf-8")
    assert find_config(deep) == repo / "gate.yml"
    (repo / "a" / "gate.yaml").write_text("version: 1\n", encoding="utf-8")
    assert find_config(deep) == repo / "a" / "gate.yaml"
    (deep / "file.avsc").write_text("{}", encoding="utf-8")
    assert find_config(deep / "file.avsc") == repo / "a" / "gate.yaml"
    (repo / "gate.yaml").write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"both gate\.yaml and gate\.yml"):
        find_config(repo)


def test_find_config_accepts_a_git_file_of_a_worktree(tmp_path: Path) -> None:
    (tmp_path / "gate.yaml").write_text("version: 1\n", encoding="utf-8")
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    assert find_config(worktree) is None


def test_importing_config_is_cheap() -> None:
    code = (
        "import sys, gate.config; "
        "sys.exit(any(m in sys.modules for m in ('yaml', 'jsonschema', 'git')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_shipped_schema_is_a_valid_json_schema() -> None:
    import json
    from importlib.resources import files

    from jsonschema.validators import validator_for

    schema = json.loads(files("gate").joinpath("schemas/config.schema.json").read_text("utf-8"))
    validator_for(schema).check_schema(schema)


def test_a_run_without_gate_yaml_does_not_import_the_declarations(tmp_path: Path) -> None:
    # the registry, references, contracts and waivers a gate.yaml declares are built by its
    # loader alone: a repository without gate.yaml, checked between two commits, never creates
    # their classes; one whose gate.yaml declares a registry does
    import os

    from tests.support.gitrepo import PINNED, RepoBuilder

    repo = RepoBuilder(tmp_path / "repo")
    avro = '{"type": "record", "name": "A", "fields": [{"name": "id", "type": "string"}]}\n'
    repo.commit("base", {"schemas/a.avsc": avro, "schemas/b.avsc": avro.replace("A", "B")})
    repo.commit("head", {"schemas/a.avsc": avro.replace("A", "C", 1)})
    program = (
        "import sys\n"
        "from gate.cli import main\n"
        "sys.argv = ['gate', 'check', '--base', 'HEAD~1', '--head', 'HEAD', '-q', '--offline']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print('gate.declarations' in sys.modules, file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, **PINNED, "PYTHONPATH": str(root), "NO_COLOR": "1"}

    def declarations_imported() -> str:
        done = subprocess.run(
            [sys.executable, "-c", program],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1, done.stdout + done.stderr  # the record was renamed
        assert "AVRO_" in done.stdout
        return str(done.stderr.strip().splitlines()[-1])

    assert declarations_imported() == "False"
    (repo.root / "gate.yaml").write_text(
        "version: 1\nregistry:\n  url: https://registry.example.invalid\n", encoding="utf-8"
    )
    assert declarations_imported() == "True"
