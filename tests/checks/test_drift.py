"""Drift between git and the registry: canonical forms and every rule's exact findings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.drift import (
    COMPATIBILITY_MISMATCH,
    DRIFT_RULES,
    HISTORY_PREDATES_GIT,
    HISTORY_SHALLOW,
    HISTORY_UNREADABLE,
    NOT_REGISTERED,
    SUBJECT_NOT_IN_GIT,
    SUBJECT_NOT_IN_REGISTRY,
    UNTRACKED_REGISTRY_VERSION,
    DriftInput,
    canonical_form,
    differences,
    drift_checks,
    find_drift,
    version_ranges,
)
from gate.model import CheckKind, Location, Mode, SchemaType, Severity
from gate.sources.registry import RegisteredSchema, SubjectState

V1 = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}'
V2 = (
    '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}, '
    '{"name": "note", "type": "string", "default": ""}]}'
)
HAND_MADE = '{"type": "record", "name": "Order", "fields": [{"name": "sneaky", "type": "int"}]}'


def registered(
    *texts: str, subject: str = "orders-value", first_id: int = 10
) -> tuple[RegisteredSchema, ...]:
    return tuple(
        RegisteredSchema(subject, n, first_id + n, SchemaType.AVRO, text)
        for n, text in enumerate(texts, start=1)
    )


def state(
    *texts: str,
    subject: str = "orders-value",
    own: Mode | None = None,
    effective: Mode = Mode.BACKWARD,
) -> SubjectState:
    return SubjectState(subject, registered(*texts, subject=subject), own, effective)


def orders(**values: Any) -> DriftInput:
    base: dict[str, Any] = {
        "subject": "orders-value",
        "schema_type": SchemaType.AVRO,
        "head": V2,
        "history": (V1, V2),
        "path": "schemas/orders.avsc",
    }
    base.update(values)
    return DriftInput.from_texts(**base)


# --------------------------------------------------------------------------------------------
# Canonical form


def test_canonical_form_ignores_whitespace_and_key_order() -> None:
    spaced = '{\n  "name": "Order",\n  "type": "record",\n  "fields": []\n}'
    compact = '{"type":"record","fields":[],"name":"Order"}'
    assert canonical_form(SchemaType.AVRO, spaced) == canonical_form(SchemaType.AVRO, compact)
    assert (
        canonical_form(SchemaType.AVRO, compact) == '{"fields":[],"name":"Order","type":"record"}'
    )


def test_avro_doc_strings_do_not_count() -> None:
    documented = json.dumps(
        {
            "type": "record",
            "name": "Order",
            "doc": "An order.",
            "fields": [{"name": "id", "type": "long", "doc": "The id."}],
        }
    )
    plain = json.dumps(
        {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}
    )
    assert canonical_form(SchemaType.AVRO, documented) == canonical_form(SchemaType.AVRO, plain)


def test_a_bare_avro_primitive_type_object_is_the_primitive() -> None:
    wrapped = (
        '{"type": "record", "name": "R", "fields": [{"name": "s", "type": {"type": "string"}}]}'
    )
    bare = '{"type": "record", "name": "R", "fields": [{"name": "s", "type": "string"}]}'
    assert canonical_form(SchemaType.AVRO, wrapped) == canonical_form(SchemaType.AVRO, bare)
    assert canonical_form(SchemaType.AVRO, '{"type": "string"}') == '"string"'
    # a logical type is more than the primitive
    assert canonical_form(SchemaType.AVRO, '{"type": "int", "logicalType": "date"}') != '"int"'


def test_avro_defaults_are_data_and_kept_whole() -> None:
    def with_default(default: object) -> str:
        field = {"name": "m", "type": {"type": "map", "values": "string"}, "default": default}
        return json.dumps({"type": "record", "name": "R", "fields": [field]})

    assert canonical_form(SchemaType.AVRO, with_default({"doc": "x"})) != canonical_form(
        SchemaType.AVRO, with_default({})
    )


def test_json_schema_keeps_its_keywords() -> None:
    one = '{"type": "object", "description": "a"}'
    two = '{"type": "object", "description": "b"}'
    assert canonical_form(SchemaType.JSON, one) != canonical_form(SchemaType.JSON, two)
    assert canonical_form(SchemaType.JSON, '{"doc": 1}') == '{"doc":1}'


def test_text_that_is_not_json_compares_stripped() -> None:
    assert canonical_form(SchemaType.AVRO, "  {broken \n") == "{broken"
    assert canonical_form(SchemaType.PROTOBUF, 'syntax = "proto3";\n') == 'syntax = "proto3";'


PROTO = """syntax = "proto3";
package shop; // the shop
/* orders,
   as checkout writes them */
message Order {
  string id = 1 [json_name = "ID"];
  map<string, int64> totals = 2;
  string note = 3 [deprecated = true]; // "quoted" // twice
}
"""


def test_protobuf_canonical_form_ignores_comments_and_layout() -> None:
    relaid = (
        "syntax='proto3';package shop;message Order{string id=1[json_name='ID'];"
        "map < string , int64 > totals = 2;\n\n\tstring note = 3 [ deprecated = true ] ; }"
    )
    assert canonical_form(SchemaType.PROTOBUF, PROTO) == canonical_form(SchemaType.PROTOBUF, relaid)
    assert canonical_form(SchemaType.PROTOBUF, PROTO).splitlines() == [
        'syntax = "proto3";',
        "package shop;",
        "message Order {",
        'string id = 1 [json_name = "ID"];',
        "map<string, int64> totals = 2;",
        "string note = 3 [deprecated = true];",
        "}",
    ]


def test_protobuf_canonical_form_groups_members_as_the_registry_prints_them() -> None:
    # as written: nested types first, a oneof between fields, an option last, imports mixed
    written = """syntax = "proto3";
import public "b.proto";
package shop;
import "a.proto";
service Orders { rpc Get (Order) returns (Order); }
message Order {
  enum State { NEW = 0; }
  message Line { int32 n = 1; }
  string id = 1;
  oneof pay { string card = 5; }
  int32 count = 2;
  option deprecated = true;
  reserved 9;
}
"""
    # as the registry prints it back: reserved, options, fields, oneofs, nested types
    printed = """// Proto schema formatted by Wire, do not edit.
syntax = "proto3";

package shop;

import "a.proto";
import public "b.proto";

message Order {
  reserved 9;

  option deprecated = true;

  string id = 1;
  int32 count = 2;

  oneof pay {
    string card = 5;
  }

  enum State {
    NEW = 0;
  }
  message Line {
    int32 n = 1;
  }
}

service Orders {
  rpc Get (Order) returns (Order);
}
"""
    assert canonical_form(SchemaType.PROTOBUF, written) == canonical_form(
        SchemaType.PROTOBUF, printed
    )
    # the order within a kind is the schema's: fields swapped, or two messages, differ
    swapped = written.replace("  string id = 1;\n", "").replace(
        "  int32 count = 2;\n", "  int32 count = 2;\n  string id = 1;\n"
    )
    assert canonical_form(SchemaType.PROTOBUF, swapped) != canonical_form(
        SchemaType.PROTOBUF, written
    )
    two = "message A {}\nmessage B {}\n"
    assert canonical_form(SchemaType.PROTOBUF, two) != canonical_form(
        SchemaType.PROTOBUF, "message B {}\nmessage A {}\n"
    )


def test_protobuf_canonical_form_of_unbalanced_text_keeps_its_tokens() -> None:
    assert canonical_form(SchemaType.PROTOBUF, "message A {\n int32 a = 1;") == (
        "message A {\nint32 a = 1;"
    )
    assert canonical_form(SchemaType.PROTOBUF, "}}") == "}\n}"


@pytest.mark.parametrize(
    "changed",
    [
        PROTO.replace("string note = 3", "bytes note = 3"),
        PROTO.replace("totals = 2", "totals = 4"),
        PROTO.replace('"ID"', '"Id"'),
        PROTO.replace('"ID"', '"// not a comment"'),
        PROTO.replace("package shop;", "package shop.v2;"),
        PROTO.replace("map<string, int64>", "map<int64, string>"),
        PROTO.replace('"ID"]', '"ID", deprecated = true]'),
    ],
)
def test_protobuf_canonical_form_keeps_every_token(changed: str) -> None:
    ours = canonical_form(SchemaType.PROTOBUF, changed)
    assert ours != canonical_form(SchemaType.PROTOBUF, PROTO)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["type", "name", "doc", "fields", "default", "x"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(json_values, st.sampled_from([SchemaType.AVRO, SchemaType.JSON]))
def test_canonical_form_is_idempotent_and_ignores_formatting(
    value: Any, schema_type: SchemaType
) -> None:
    once = canonical_form(schema_type, json.dumps(value))
    assert canonical_form(schema_type, once) == once
    assert canonical_form(schema_type, json.dumps(value, indent=3)) == once


# --------------------------------------------------------------------------------------------
# Rules


def test_the_rule_catalogue() -> None:
    assert [r.id for r in DRIFT_RULES] == [
        UNTRACKED_REGISTRY_VERSION,
        HISTORY_PREDATES_GIT,
        HISTORY_SHALLOW,
        HISTORY_UNREADABLE,
        NOT_REGISTERED,
        COMPATIBILITY_MISMATCH,
        SUBJECT_NOT_IN_GIT,
        SUBJECT_NOT_IN_REGISTRY,
    ]
    assert {r.id: r.severity for r in DRIFT_RULES} == {
        UNTRACKED_REGISTRY_VERSION: Severity.ERROR,
        HISTORY_PREDATES_GIT: Severity.INFO,
        HISTORY_SHALLOW: Severity.INFO,
        HISTORY_UNREADABLE: Severity.INFO,
        NOT_REGISTERED: Severity.INFO,
        COMPATIBILITY_MISMATCH: Severity.WARNING,
        SUBJECT_NOT_IN_GIT: Severity.WARNING,
        SUBJECT_NOT_IN_REGISTRY: Severity.INFO,
    }
    assert all(r.category == "drift" and r.purpose for r in DRIFT_RULES)


def test_in_sync_means_no_findings() -> None:
    assert find_drift([orders(registry=state(V1, V2), configured=Mode.BACKWARD)]) == []


def test_reformatting_and_docs_are_not_drift() -> None:
    documented = json.dumps({**json.loads(V2), "doc": "Orders placed."}, indent=4)
    assert (
        find_drift([orders(head=documented, history=(V1, documented), registry=state(V1, V2))])
        == []
    )


def test_a_version_registered_by_hand() -> None:
    (finding,) = find_drift([orders(head=V1, history=(V1,), registry=state(V1, HAND_MADE))])
    assert finding.rule == UNTRACKED_REGISTRY_VERSION
    assert finding.severity is Severity.ERROR
    assert finding.subject == "orders-value"
    assert "registry version 2 (id 12)" in finding.message
    assert "no revision of schemas/orders.avsc" in finding.message
    assert finding.versions == ("registry:orders-value@2 (id 12)",)
    assert finding.location == Location("schemas/orders.avsc")
    assert finding.fix is not None
    assert "delete version 2 of orders-value" in finding.fix


def test_old_revisions_in_git_history_are_not_drift() -> None:
    assert find_drift([orders(head=V2, history=(V1,), registry=state(V1, V2))]) == []


def test_head_not_registered_yet() -> None:
    (finding,) = find_drift([orders(head=V2, history=(V1, V2), registry=state(V1))])
    assert finding.rule == NOT_REGISTERED
    assert finding.severity is Severity.INFO
    assert "not registered yet" in finding.message
    assert "version 1 (id 11)" in finding.message
    assert finding.versions == ("registry:orders-value@1 (id 11)",)


def test_a_compatibility_level_that_differs() -> None:
    registry = state(V1, V2, own=Mode.FORWARD, effective=Mode.FORWARD)
    (finding,) = find_drift([orders(registry=registry, configured=Mode.FULL_TRANSITIVE)])
    assert finding.rule == COMPATIBILITY_MISMATCH
    assert finding.severity is Severity.WARNING
    assert "gate.yaml says FULL_TRANSITIVE" in finding.message
    assert "registry applies FORWARD (set on the subject)" in finding.message
    assert finding.fix is not None
    assert "PUT /config/orders-value" in finding.fix


def test_an_inherited_level_that_differs_says_so() -> None:
    registry = state(V1, V2, own=None, effective=Mode.BACKWARD)
    (finding,) = find_drift([orders(registry=registry, configured=Mode.NONE)])
    assert finding.rule == COMPATIBILITY_MISMATCH
    assert "BACKWARD (inherited)" in finding.message


def test_no_configured_level_is_no_mismatch() -> None:
    registry = state(V1, V2, own=Mode.NONE, effective=Mode.NONE)
    assert find_drift([orders(registry=registry, configured=None)]) == []


def test_a_registry_subject_without_a_file_in_git() -> None:
    item = DriftInput(subject="legacy-value", registry=state(V1, V2, subject="legacy-value"))
    (finding,) = find_drift([item])
    assert finding.rule == SUBJECT_NOT_IN_GIT
    assert finding.severity is Severity.WARNING
    assert "holds 2 version(s) (latest 2, id 12)" in finding.message
    assert finding.location is None
    assert finding.versions == ("registry:legacy-value@2 (id 12)",)


def test_a_git_subject_the_registry_has_never_seen() -> None:
    (finding,) = find_drift([orders(registry=None, configured=Mode.FULL)])
    assert finding.rule == SUBJECT_NOT_IN_REGISTRY
    assert finding.severity is Severity.INFO
    assert "has no version of this subject yet" in finding.message
    assert finding.location == Location("schemas/orders.avsc")


def test_a_subject_whose_versions_were_all_deleted_counts_as_unseen() -> None:
    empty = SubjectState("orders-value", (), None, Mode.BACKWARD)
    assert [f.rule for f in find_drift([orders(registry=empty)])] == [SUBJECT_NOT_IN_REGISTRY]


def test_findings_of_every_kind_in_subject_then_rule_order() -> None:
    inputs = [
        DriftInput(subject="zz-legacy", registry=state(V1, subject="zz-legacy")),
        orders(
            head=V2,
            history=(V1, V2),
            registry=state(V1, HAND_MADE, own=Mode.NONE, effective=Mode.NONE),
            configured=Mode.BACKWARD,
        ),
        DriftInput.from_texts("aa-new", SchemaType.JSON, '{"type": "object"}', path="a.json"),
    ]
    findings = find_drift(inputs)
    assert [(f.subject, f.rule) for f in findings] == [
        ("aa-new", SUBJECT_NOT_IN_REGISTRY),
        ("orders-value", UNTRACKED_REGISTRY_VERSION),
        ("orders-value", NOT_REGISTERED),
        ("orders-value", COMPATIBILITY_MISMATCH),
        ("zz-legacy", SUBJECT_NOT_IN_GIT),
    ]
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_drift_checks_keep_passed_subjects() -> None:
    checks = drift_checks([orders(registry=state(V1, V2)), orders(subject="b", registry=None)])
    assert [(c.subject, c.kind, len(c.findings)) for c in checks] == [
        ("b", CheckKind.DRIFT, 1),
        ("orders-value", CheckKind.DRIFT, 0),
    ]
    assert checks[0].findings[0].check == checks[0].id


# --------------------------------------------------------------------------------------------
# Registry history older than git, shallow history, what differs


def _avro(*fields: tuple[str, str]) -> str:
    return json.dumps(
        {"type": "record", "name": "Order", "fields": [{"name": n, "type": t} for n, t in fields]}
    )


OLD = [_avro(("id", "long"), *[(f"f{i}", "int") for i in range(n)]) for n in range(1, 5)]


def test_version_ranges_are_compressed() -> None:
    assert version_ranges([4, 1, 2, 3]) == "1–4"
    assert version_ranges([1, 2, 4, 6, 7, 9]) == "1–2, 4, 6–7, 9"
    assert version_ranges([3]) == "3"


def test_registry_history_older_than_git_is_one_info_finding() -> None:
    item = orders(head=V2, history=(V2,), registry=state(*OLD, V2))
    (finding,) = find_drift([item])
    assert finding.rule == HISTORY_PREDATES_GIT
    assert finding.severity is Severity.INFO
    assert "registry history predates the repository's: versions 1–4" in finding.message
    assert "older than version 5, the first git holds" in finding.message
    assert len(finding.versions) == 4


def test_a_hand_registered_version_after_the_git_held_one_is_an_error() -> None:
    item = orders(head=V2, history=(V2,), registry=state(*OLD, V2, HAND_MADE))
    findings = find_drift([item])
    assert [(f.rule, f.severity) for f in findings] == [
        (UNTRACKED_REGISTRY_VERSION, Severity.ERROR),
        (HISTORY_PREDATES_GIT, Severity.INFO),
    ]
    assert "registry version 6 (id 16)" in findings[0].message
    assert "newer than version 5" in findings[0].message


def test_a_latest_version_no_revision_holds_is_an_error_even_when_none_is_held() -> None:
    item = orders(head=V2, history=(V2,), registry=state(V1, HAND_MADE))
    findings = find_drift([item])
    assert [(f.rule, f.versions) for f in findings] == [
        (UNTRACKED_REGISTRY_VERSION, ("registry:orders-value@2 (id 12)",)),
        (HISTORY_PREDATES_GIT, ("registry:orders-value@1 (id 11)",)),
        (NOT_REGISTERED, ("registry:orders-value@2 (id 12)",)),
    ]
    assert "neither does any other registered version" in findings[0].message


def test_versions_a_shallow_history_lacks_are_not_errors() -> None:
    item = orders(
        head=V2, history=(V2,), registry=state(*OLD, V2, HAND_MADE), history_complete=False
    )
    findings = find_drift([item])
    assert [(f.rule, f.severity) for f in findings] == [
        (HISTORY_SHALLOW, Severity.INFO),
        (HISTORY_PREDATES_GIT, Severity.INFO),
    ]
    shallow = findings[0]
    assert "registry version 6 matches no revision" in shallow.message
    assert "shallow clone" in shallow.message
    assert shallow.fix is not None
    assert "git fetch --unshallow origin" in shallow.fix
    assert "--fetch-base" in shallow.fix


def test_a_hand_registered_version_says_what_differs() -> None:
    item = orders(head=V2, history=(V1, V2), registry=state(V1, V2, HAND_MADE))
    (finding,) = find_drift([item])
    assert "differs from schemas/orders.avsc at git head in" in finding.message
    assert '/fields/0/name: "id" in git, "sneaky" in the registry' in finding.message
    assert '/fields/1: only in git ({"default": "", "name": "note", "type": "string"})' in (
        finding.message
    )


def test_differences_are_paths_and_values_in_document_order_and_capped() -> None:
    git = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(12)}}
    registered = {
        "type": "object",
        "properties": {f"p{i}": {"type": "integer"} for i in range(12)},
        "required": ["p1"],
    }
    found = differences(SchemaType.JSON, json.dumps(git), json.dumps(registered))
    assert found[0] == '/properties/p0/type: "string" in git, "integer" in the registry'
    assert found[-1] == '/required: only in the registry (["p1"])'
    assert len(found) == 13
    item = DriftInput.from_texts(
        "s",
        SchemaType.JSON,
        json.dumps(git),
        (json.dumps(git),),
        path="s.json",
        registry=SubjectState(
            "s",
            (RegisteredSchema("s", 1, 1, SchemaType.JSON, json.dumps(registered)),),
            None,
            Mode.BACKWARD,
        ),
    )
    (finding,) = [f for f in find_drift([item]) if f.rule == UNTRACKED_REGISTRY_VERSION]
    assert "in 13 places" in finding.message
    assert "; and 8 more." in finding.message
    assert finding.message.count(" in the registry") == 5


def test_docs_and_long_values_in_differences() -> None:
    documented = json.dumps({**json.loads(V1), "doc": "x" * 200})
    assert differences(SchemaType.AVRO, V1, documented) == []
    long_name = json.dumps({**json.loads(V1), "name": "N" * 200})
    (line,) = differences(SchemaType.AVRO, V1, long_name)
    assert line.startswith('/name: "Order" in git, "NNN')
    assert "…" in line
    assert len(line) < 160
    assert differences(SchemaType.PROTOBUF, 'syntax = "proto3";', 'syntax = "proto2";') == [
        'only in git: `syntax = "proto3";`',
        'only in the registry: `syntax = "proto2";`',
    ]


def test_a_version_between_two_git_held_ones_is_history_not_an_error() -> None:
    item = orders(head=V2, history=(V1, V2), registry=state(V1, HAND_MADE, V2))
    (finding,) = find_drift([item])
    assert finding.rule == HISTORY_PREDATES_GIT
    assert finding.message.endswith(
        "version 2 matches no revision of schemas/orders.avsc; it is older than version 3, "
        "which git holds."
    )
    one = orders(head=V2, history=(V2,), registry=state(V1, V2))
    (finding,) = find_drift([one])
    assert finding.message.endswith(
        "version 1 matches no revision of schemas/orders.avsc; it is older than version 2, the "
        "first git holds, so it was registered before the repository tracked the schema."
    )


def test_versions_history_could_not_read_are_not_errors() -> None:
    """Some revisions of the file are git-lfs pointers whose object was never fetched: a
    registered version may be one of them, so one that would otherwise be drift is an info
    finding naming the file, the commits and how to fetch the objects."""
    import dataclasses

    item = dataclasses.replace(
        orders(head=V2, history=(V2,), registry=state(*OLD, V2, HAND_MADE)),
        unreadable_history=("1a2b3c4", "5d6e7f8"),
    )
    findings = find_drift([item])
    assert [(f.rule, f.severity) for f in findings] == [
        (HISTORY_UNREADABLE, Severity.INFO),
        (HISTORY_PREDATES_GIT, Severity.INFO),
    ]
    unreadable = findings[0]
    assert unreadable.message == (
        "orders-value: registry version 6 matches no revision of schemas/orders.avsc that gate "
        "could read; schemas/orders.avsc is a git-lfs pointer in commits 1a2b3c4, 5d6e7f8 whose "
        "object is not in the local LFS store, which may hold it, so this is not judged as drift."
    )
    assert unreadable.fix is not None
    assert "`git lfs fetch --all origin`" in unreadable.fix
    assert unreadable.versions == ("registry:orders-value@6 (id 16)",)
    # everything held: nothing to say
    held = dataclasses.replace(orders(registry=state(V1, V2)), unreadable_history=("1a2b3c4",))
    assert find_drift([held]) == []
