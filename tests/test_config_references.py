"""gate.yaml `references:` of a subject: their values, and every problem with file, line and key."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from gate.config import ConfigFileError, load_config
from gate.declarations import SchemaReference

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.chdir(repo)
    return repo


def _write(root: Path, text: str) -> Path:
    path = root / "gate.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(root: Path, text: str) -> list[str]:
    with pytest.raises(ConfigFileError) as caught:
        load_config(_write(root, text), {})
    return [str(problem) for problem in caught.value.problems]


def test_references_load_with_their_lines_and_reach_the_binding(root: Path) -> None:
    config = load_config(
        _write(
            root,
            """\
            version: 1
            subjects:
              - subject: order-value
                file: schemas/Order.avsc
                references:
                  - name: com.shop.Customer
                    subject: customer-value
                  - {name: com.shop.Money, subject: money-value, version: 3}
                  - {name: com.shop.Address, subject: address-value, version: latest}
                  - {name: com.shop.Item, file: ./schemas/common//Item.avsc}
              - files: "events/*.avsc"
                subject: "{stem}-value"
                references: [{name: com.shop.Customer, subject: customer-value}]
            """,
        ),
        {},
    )
    assert config.subjects[0].references == (
        SchemaReference("com.shop.Customer", "customer-value", None, None, 6),
        SchemaReference("com.shop.Money", "money-value", 3, None, 8),
        SchemaReference("com.shop.Address", "address-value", None, None, 9),
        SchemaReference("com.shop.Item", None, None, "schemas/common/Item.avsc", 10),
    )
    binding = config.match("events/Refund.avsc")
    assert binding is not None
    assert binding.references == config.subjects[1].references
    assert config.is_candidate("schemas/common/Item.avsc")
    assert [r.target for r in config.subjects[0].references] == [
        "customer-value@latest",
        "money-value@3",
        "address-value@latest",
        "file schemas/common/Item.avsc",
    ]


def test_malformed_references_name_their_line_and_key(root: Path) -> None:
    found = _problems(
        root,
        """\
        version: 1
        subjects:
          - subject: order-value
            file: schemas/Order.avsc
            references:
              - {name: d, subject: s, version: 0}
              - {name: e, subject: s, version: LATEST}
              - {name: f, subject: s, version: [1]}
              - {subject: s}
              - {name: i, subject: s, versoin: 2}
        """,
    )
    assert found == [
        "gate.yaml:6: subjects[0].references[0].version: must be at least 1, got 0",
        "gate.yaml:7: subjects[0].references[1].version: 'LATEST' does not match '^latest$'",
        "gate.yaml:8: subjects[0].references[2].version: expected an integer or a string, got "
        "a list",
        "gate.yaml:9: subjects[0].references[3]: missing required key 'name'",
        "gate.yaml:10: subjects[0].references[4].versoin: unknown key 'versoin'; did you mean "
        "'version'?",
    ]


def test_inconsistent_references_name_their_line_and_key(root: Path) -> None:
    found = _problems(
        root,
        """\
        version: 1
        subjects:
          - subject: order-value
            file: schemas/Order.avsc
            references:
              - {name: a, subject: s, file: a.avsc}
              - {name: b}
              - {name: c, file: c.avsc, version: 2}
              - {name: g, file: ../outside.avsc}
              - {name: h, subject: s}
              - {name: h, subject: t}
        """,
    )
    assert found == [
        "gate.yaml:6: subjects[0].references[0]: a reference names either a subject or a file, "
        "not both",
        "gate.yaml:7: subjects[0].references[1]: a reference names either a subject or a file",
        "gate.yaml:8: subjects[0].references[2].version: a file reference has no version: it is "
        "read at each revision compared",
        "gate.yaml:9: subjects[0].references[3].file: '../outside.avsc' leaves the repository "
        "('..' is not allowed)",
        "gate.yaml:11: subjects[0].references[5].name: reference name 'h' is already used on "
        "line 10",
    ]


def test_a_cycle_between_file_rules_is_found_when_loading(root: Path) -> None:
    found = _problems(
        root,
        """\
        version: 1
        subjects:
          - subject: a-value
            file: a.avsc
            references:
              - {name: B, subject: b-value}
          - subject: b-value
            file: b.avsc
            references:
              - {name: C, file: c.avsc}
          - subject: c-value
            file: c.avsc
            references:
              - {name: A, subject: a-value, version: latest}
        """,
    )
    assert found == [
        "gate.yaml:6: schema references form a cycle: a.avsc -> b-value@latest (line 6) -> "
        "file c.avsc (line 10) -> a-value@latest (line 14)"
    ]


def test_a_pinned_version_does_not_close_a_cycle(root: Path) -> None:
    # version 2 is what the registry holds, with the references it was registered with
    load_config(
        _write(
            root,
            """\
            version: 1
            subjects:
              - subject: a-value
                file: a.avsc
                references: [{name: B, subject: b-value}]
              - subject: b-value
                file: b.avsc
                references: [{name: A, subject: a-value, version: 2}]
            """,
        ),
        {},
    )
