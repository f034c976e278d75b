"""Config.match on odd paths: the fast path (string work, remembered answers) reads paths exactly
as the pathlib-based code did."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gate.config import (
    Config,
    SubjectBinding,
    SubjectRule,
    _normalize,
    default_config,
    path_value,
    subject_name,
    template_values,
)
from gate.model import SchemaType


def pathlib_values(path: str) -> dict[str, str]:
    """What template_values returned when it used pathlib."""
    pure = PurePosixPath(path)
    return {"stem": pure.stem, "name": pure.name, "dir": pure.parent.name}


def split_normalize(path: str) -> str | None:
    """_normalize without its shortcut for paths that are already normal."""
    import re

    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", path):
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


@pytest.mark.parametrize(
    ("path", "stem", "name", "directory"),
    [
        ("schemas/team07/event01234.avsc", "event01234", "event01234.avsc", "team07"),
        ("orders.avsc", "orders", "orders.avsc", ""),  # at the root: no directory
        ("a/b/archive.tar.gz", "archive.tar", "archive.tar.gz", "b"),  # the last extension only
        ("a/Makefile", "Makefile", "Makefile", "a"),  # no extension
        ("a/.hidden", ".hidden", ".hidden", "a"),  # a leading dot is not an extension
        ("a/.hidden.avsc", ".hidden", ".hidden.avsc", "a"),
        ("a/x..avsc", "x.", "x..avsc", "a"),
        ("dir.with.dots/file", "file", "file", "dir.with.dots"),
        ("événements/commande.avsc", "commande", "commande.avsc", "événements"),
        ("schémas/日本/注文.json", "注文", "注文.json", "日本"),
        ("a b/c d.avsc", "c d", "c d.avsc", "a b"),
        ("./a//b/./c.avsc", "c", "c.avsc", "b"),
        ("a/b/", "b", "b", "a"),
        ("", "", "", ""),
    ],
)
def test_template_values_of_odd_names(path: str, stem: str, name: str, directory: str) -> None:
    assert template_values(path) == {"stem": stem, "name": name, "dir": directory}
    assert template_values(path) == pathlib_values(path)


@pytest.mark.parametrize(
    "name", ["a/file.", "a/file..", "a/...", "a/..", "a/.", "a/..avsc", ".a.", "/", "//a"]
)
def test_template_values_of_names_pathlib_reads_differently_across_versions(name: str) -> None:
    assert template_values(name) == pathlib_values(name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab./é \\:", max_size=12))
def test_template_values_read_paths_as_pathlib_does(path: str) -> None:
    assert template_values(path) == pathlib_values(path)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab./\\:C", max_size=10))
def test_normalize_shortcut_changes_nothing(path: str) -> None:
    assert _normalize(path) == split_normalize(path)


def rules(*rules: SubjectRule) -> Config:
    return Config(path=None, root=Path("/repo"), subjects=rules)


def test_match_remembers_answers_without_changing_them() -> None:
    config = rules(
        SubjectRule(subject="{stem}-value", file=None, files="schemas/**/*.avsc"),
        SubjectRule(
            subject="{dir}-{name}", file=None, files="schemas/**/*.json", samples=("s/{stem}",)
        ),
    )
    first = config.match("schemas/team07/event01234.avsc")
    assert first == SubjectBinding(
        "event01234-value", "schemas/team07/event01234.avsc", None, None, None, (), None
    )
    assert config.match("schemas/team07/event01234.avsc") == first
    assert config.match("./schemas//team07/event01234.avsc") == first
    json_binding = config.match("schemas/x/.e.json")
    assert json_binding is not None
    assert (json_binding.subject, json_binding.samples) == ("x-.e.json", ("s/.e",))
    assert config.match("README.md") is None
    assert config.match("README.md") is None
    assert config.match("/schemas/a.avsc") is None
    assert config.match("schemas/../a.avsc") is None
    # what is remembered stays out of equality, hashing and repr
    fresh = rules(*config.subjects)
    assert fresh == config
    assert hash(fresh) == hash(config)
    assert repr(fresh) == repr(config)


def test_a_replaced_config_matches_with_its_own_rules() -> None:
    config = rules(SubjectRule(subject="{stem}", file=None, files="**/*.avsc"))
    assert config.match("a/b.avsc") is not None
    other = config._replace(subjects=(SubjectRule(subject="{stem}", file=None, files="**/*.json"),))
    assert other.match("a/b.avsc") is None
    assert other.match("a/b.json") is not None
    assert config.match("a/b.json") is None


def test_file_rules_first_then_globs_in_order() -> None:
    config = rules(
        SubjectRule(subject="glob-{stem}", file=None, files="**/*.avsc"),
        SubjectRule(subject="first", file="a/b.avsc", files=None),
        SubjectRule(subject="second", file="a/b.avsc", files=None),
        SubjectRule(subject="never-{stem}", file=None, files="a/*.avsc"),
    )
    bindings = [config.match(p) for p in ("a/b.avsc", "a/c.avsc", "c.avsc")]
    assert [b.subject if b else None for b in bindings] == ["first", "glob-c", "glob-c"]


def test_later_globs_are_not_compiled_when_an_earlier_one_matches() -> None:
    config = rules(
        SubjectRule(subject="{stem}", file=None, files="**/*.avsc"),
        SubjectRule(subject="{stem}", file=None, files="[z-a]/*.json"),  # not a valid class
    )
    binding = config.match("x/a.avsc")
    assert binding is not None
    assert binding.subject == "a"


def test_default_rules_bind_odd_names() -> None:
    config = default_config(Path("/repo"))
    dotted = config.match(".github/schemas/.orders.v2.avsc")
    assert dotted is not None
    assert (dotted.subject, dotted.type) == (".orders.v2", SchemaType.AVRO)
    unicode = config.match("zürich/événement.json")
    assert unicode is not None
    assert unicode.subject == "événement"


@pytest.mark.parametrize(
    ("path", "subject", "samples"),
    [
        ("events/orders/v1/created.avsc", "events.orders.v1.created", "s/events/orders/v1/created"),
        ("orders.avsc", "orders", "s/orders"),  # at the root: the stem
        ("a/b/archive.tar.gz", "a.b.archive.tar", "s/a/b/archive.tar"),  # the last extension
        ("v1.2/created.avsc", "v1.2.created", "s/v1.2/created"),  # dots in names stay
        ("a/.hidden.avsc", "a..hidden", "s/a/.hidden"),
        ("./a//b/./c.avsc", "a.b.c", "s/a/b/c"),
    ],
)
def test_path_placeholder_dots_in_subjects_slashes_in_samples(
    path: str, subject: str, samples: str
) -> None:
    config = rules(SubjectRule(subject="{path}", file=None, files="**", samples=("s/{path}",)))
    binding = config.match(path)
    assert binding is not None
    assert (binding.subject, binding.samples) == (subject, (samples,))
    assert path_value(path) == samples[2:]
    assert subject_name("{path}-value", path) == f"{subject}-value"


@pytest.mark.parametrize(
    "pattern",
    ["**/*.avsc", "**/*.json", "**/*-value.avsc", "**/*.schema.json", "**/*_v2.proto", "**/*."],
)
def test_any_folder_suffix_globs_compile_to_what_wcmatch_matches(pattern: str) -> None:
    # the shape of the built-in rules is translated without wcmatch; its regex text differs
    # between wcmatch releases, what it matches must not
    import re

    from wcmatch import glob as wcglob

    from gate.config import _glob_regex

    flags = wcglob.GLOBSTAR | wcglob.DOTGLOB | wcglob.FORCEUNIX
    (expected,), _ = wcglob.translate(pattern, flags=flags)
    suffix = pattern.removeprefix("**/*")
    paths = [
        f"{prefix}{stem}{end}"
        for prefix in ("", "a/", "a/b/", ".h/", "a/.h/", "a//")
        for stem in ("", "x", ".x", "x.y", "-")
        for end in (suffix, suffix + "x", suffix + "/", suffix + "/z", "")
    ]
    for path in paths:
        assert (_glob_regex(pattern).fullmatch(path) is None) == (
            re.compile(expected).fullmatch(path) is None
        ), path


@given(st.text(alphabet="ab./-_x", max_size=16))
@settings(max_examples=300)
def test_any_folder_suffix_globs_match_as_wcmatch_does(path: str) -> None:
    from wcmatch import glob as wcglob

    from gate.config import glob_match

    flags = wcglob.GLOBSTAR | wcglob.DOTGLOB | wcglob.FORCEUNIX
    for pattern in ("**/*.a", "**/*-x.a", "**/*."):
        assert glob_match(pattern, path) == wcglob.globmatch(path, pattern, flags=flags), pattern


def test_a_run_with_the_built_in_rules_does_not_import_wcmatch(tmp_path: Path) -> None:
    # wcmatch is imported for the globs gate.yaml writes in other shapes only: a repository
    # without gate.yaml, checked between two commits, matches its files without it
    from tests.support.gitrepo import RepoBuilder
    from tests.support.runner import modules_loaded

    repo = RepoBuilder(tmp_path / "repo")
    avro = '{"type": "record", "name": "A", "fields": [{"name": "id", "type": "string"}]}\n'
    repo.commit("base", {"schemas/a.avsc": avro, "docs/b.json": "{}\n"})
    repo.commit("head", {"schemas/a.avsc": avro.replace("A", "B", 1)})
    args = ["check", "--base", "HEAD~1", "--head", "HEAD", "-q"]
    done, loaded = modules_loaded(repo.root, args, "wcmatch")
    assert done.returncode == 1, done.stdout + done.stderr  # the record was renamed
    assert "AVRO_" in done.stdout
    assert loaded == set()


@given(st.text(alphabet="ab./-_x", max_size=16))
@settings(max_examples=300)
def test_the_suffix_test_of_normal_paths_agrees_with_the_glob_regex(path: str) -> None:
    # a run matches the built-in rules by the end of the path alone; on a normal path (what
    # `Config.match` tests) that must say what the regex says
    from gate.config import _glob_regex, _normal_path_test, _normalize

    normal = _normalize(path)
    if normal is None:
        return
    for pattern in ("**/*.a", "**/*-x.a", "**/*.", "**/*a"):
        expected = _glob_regex(pattern).fullmatch(normal) is not None
        assert _normal_path_test(pattern)(normal) is expected, (pattern, normal)


_CONFIGS = [
    default_config(Path(".")),
    Config(
        path=None,
        root=Path("."),
        subjects=(
            SubjectRule(subject="pinned", file="a/x.txt", files=None, type=SchemaType.AVRO),
            SubjectRule(subject="{stem}", file=None, files="**/*.a"),
        ),
    ),
    # a glob of another shape: every path goes through the rules
    Config(
        path=None,
        root=Path("."),
        subjects=(SubjectRule(subject="{dir}-{stem}", file=None, files="a/*.b"),),
    ),
]


@given(st.lists(st.text(alphabet="ab./-_x\\:", max_size=12), max_size=8))
@example(["a/x.txt", "a/./x.txt", "x.a/", "./b.a", "a//c.a", "/abs.a", "a/y.b", "c.txt"])
@example(["\\x.a", "b:/x.a", "b:\\x.a", "a/b:/x.a"])
@settings(max_examples=300)
def test_matching_many_paths_binds_each_as_matching_it_alone(paths: list[str]) -> None:
    # a run binds every file of the repository at once, passing over most by their ending
    for config in _CONFIGS:
        alone = {path: config.match(path) for path in paths}
        expected = {path: binding for path, binding in alone.items() if binding is not None}
        assert config._replace().match_all(paths) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab./é \\:", max_size=12))
@example("a/.hidden.avsc")
@example("a/x..avsc")
@example("a/b.")
@example(".a.")
def test_a_stem_rule_binds_a_normal_path_as_its_template_says(path: str) -> None:
    """The built-in rules' `{stem}` binds by the path's last part, without reading the template:
    the same subject as expanding it."""
    normalized = _normalize(path)
    if normalized is None:
        return
    rule = SubjectRule(subject="{stem}", file=None, files="**/*.avsc", type=SchemaType.AVRO)
    general = rule._replace(subject="{dir}").bind(normalized)
    assert rule.bind(normalized) == general._replace(subject=subject_name("{stem}", normalized))
