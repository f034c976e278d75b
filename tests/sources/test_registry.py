"""The registry client against a real HTTP server on 127.0.0.1 (tests/support/registry_server)."""

from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest

import gate.sources.registry as registry_module
from gate.errors import ConfigError, ExitCode, RegistryError
from gate.model import Mode, OriginKind, Reference, SchemaType
from gate.sources.registry import (
    HttpRegistry,
    RegistrySettings,
    RegistryState,
    RegistryVerdict,
    redact,
)
from tests.support.registry_server import PROFILES, RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

KEY = "api-key-4711"
SECRET = "s3cr3t-Pa55word-xyz"
TOKEN = "tok-ABCDEF-123456"


def record(name: str, *fields: str, defaults: bool = True) -> str:
    """An Avro record whose fields are strings (with defaults unless told otherwise)."""
    body = [{"name": "id", "type": "long"}]
    for field in fields:
        entry: dict[str, object] = {"name": field, "type": "string"}
        if defaults:
            entry["default"] = ""
        body.append(entry)
    return json.dumps({"type": "record", "name": name, "fields": body})


def settings(url: str, **overrides: object) -> RegistrySettings:
    values: dict[str, object] = {"backoff": 0.001, "max_retry_wait": 0.5, "timeout": 5.0}
    values.update(overrides)
    return RegistrySettings(url, **values)  # type: ignore[arg-type]


def load(url: str, subjects: list[str] | None = None, **overrides: object) -> RegistryState:
    with HttpRegistry(settings(url, **overrides)) as registry:
        return registry.load(subjects)


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


def seed_orders(server: RegistryServer) -> None:
    server.register("orders-value", record("Order"))
    server.register("orders-value", record("Order", "note"))
    server.register("payments-value", record("Payment"))


# --------------------------------------------------------------------------------------------
# Settings and secrets


def test_settings_from_env_reads_the_url_and_basic_credentials() -> None:
    environ = {
        "GATE_REGISTRY_URL": "https://registry.example.com:8081/",
        "GATE_REGISTRY_USER": KEY,
        "GATE_REGISTRY_PASSWORD": SECRET,
    }
    chosen = RegistrySettings.from_env(None, environ, concurrency=3)
    assert chosen.url == "https://registry.example.com:8081"
    assert (chosen.user, chosen.password, chosen.token) == (KEY, SECRET, None)
    assert chosen.auth_kind == "basic"
    assert chosen.concurrency == 3


def test_settings_from_env_prefers_the_explicit_url_and_reads_a_token() -> None:
    environ = {"GATE_REGISTRY_URL": "https://ignored", "GATE_REGISTRY_TOKEN": TOKEN}
    chosen = RegistrySettings.from_env("http://127.0.0.1:1", environ)
    assert chosen.url == "http://127.0.0.1:1"
    assert chosen.auth_kind == "bearer"


def test_settings_without_any_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        RegistrySettings.from_env(None, {})
    assert "GATE_REGISTRY_URL" in caught.value.hint
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("url", "values"),
    [
        ("ftp://host", {}),
        ("http://host:port", {}),
        ("registry.example.com", {}),
        ("http://host", {"user": KEY, "password": SECRET, "token": TOKEN}),
        ("http://host", {"user": KEY}),
        ("http://host", {"client_key": "key.pem"}),
    ],
)
def test_settings_reject_what_cannot_work(url: str, values: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        RegistrySettings(url, **values)
    assert SECRET not in caught.value.render()
    assert TOKEN not in caught.value.render()


def test_url_user_info_becomes_credentials_and_leaves_the_url() -> None:
    chosen = RegistrySettings(f"https://{KEY}:{SECRET}@registry.example.com/base/")
    assert chosen.url == "https://registry.example.com/base"
    assert (chosen.user, chosen.password) == (KEY, SECRET)


def test_repr_and_str_hide_every_credential() -> None:
    chosen = RegistrySettings(
        "https://registry.example.com",
        token=TOKEN,
        headers=(("target-sr-cluster", "lsrc-123"), ("X-Api-Key", "hdr-secret-999")),
    )
    for text in (repr(chosen), str(chosen), repr(HttpRegistry(chosen))):
        assert TOKEN not in text
        assert "hdr-secret-999" not in text
    assert "bearer" in repr(chosen)


def test_redact_removes_configured_secrets_and_url_user_info() -> None:
    chosen = RegistrySettings("http://host", user=KEY, password=SECRET)
    text = f"GET https://{KEY}:{SECRET}@other/x failed; password {SECRET}; user {KEY}"
    cleaned = chosen.redact(text)
    assert SECRET not in cleaned
    assert KEY not in cleaned
    assert "https://***@other/x" in cleaned
    assert redact("https://a:b@host/") == "https://***@host/"


# --------------------------------------------------------------------------------------------
# Authentication


def test_basic_auth_is_sent_and_accepted() -> None:
    with RegistryServer(auth=(KEY, SECRET)) as server:
        seed_orders(server)
        state = load(server.url, user=KEY, password=SECRET)
        assert sorted(state.subjects) == ["orders-value", "payments-value"]
        assert all(r.headers["authorization"].startswith("Basic ") for r in server.log)


def test_bearer_token_and_extra_headers_are_sent() -> None:
    headers = (("target-sr-cluster", "lsrc-123"), ("Confluent-Identity-Pool-Id", "pool-9"))
    with RegistryServer(token=TOKEN) as server:
        seed_orders(server)
        state = load(server.url, token=TOKEN, headers=headers)
        assert "orders-value" in state.subjects
        first = server.log[0].headers
        assert first["authorization"] == f"Bearer {TOKEN}"
        assert first["target-sr-cluster"] == "lsrc-123"
        assert first["confluent-identity-pool-id"] == "pool-9"


def test_credentials_in_the_url_are_used_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with RegistryServer(auth=(KEY, SECRET)) as server:
        seed_orders(server)
        url = server.url.replace("http://", f"http://{KEY}:{SECRET}@")
        state = load(url)
    assert "orders-value" in state.subjects
    assert caplog.records, "the client logs its requests"
    assert SECRET not in caplog.text
    assert KEY not in caplog.text


def test_refused_credentials_raise_a_registry_error_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with RegistryServer(auth=(KEY, "the-right-one")) as server:
        seed_orders(server)
        with pytest.raises(RegistryError) as caught:
            load(server.url, user=KEY, password=SECRET)
        error = caught.value
        assert error.exit_code == ExitCode.SOURCE
        assert "HTTP 401" in error.what
        assert "GATE_REGISTRY_USER" in error.hint
        assert "GATE_REGISTRY_TOKEN" in error.hint
        assert server.url in error.subject
        assert "GET /config" in error.subject
        assert server.count() == 1, "401 is not retried"
    for text in (str(error), error.render(), repr(error), caplog.text):
        assert SECRET not in text
        assert KEY not in text


def test_a_refused_token_names_the_token_variable() -> None:
    with RegistryServer(token="another") as server, pytest.raises(RegistryError) as caught:
        load(server.url, token=TOKEN)
    assert "GATE_REGISTRY_TOKEN" in caught.value.hint
    assert TOKEN not in caught.value.render()


# --------------------------------------------------------------------------------------------
# Faults


@pytest.mark.parametrize("status", [503, 429, 502, 408])
def test_transient_statuses_are_retried_then_succeed(server: RegistryServer, status: int) -> None:
    seed_orders(server)
    server.fail(status, times=2, path="/config")
    state = load(server.url)
    assert "orders-value" in state.subjects
    assert server.count("GET", "/config") >= 3
    assert state.requests == server.request_count


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the registry client sleeps between attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(
        registry_module,
        "time",
        SimpleNamespace(sleep=recorded.append, time=time.time, monotonic=time.monotonic),
    )
    return recorded


@pytest.mark.parametrize(
    ("retry_after", "cap", "expected"),
    [
        ("2", 2.0, 2.0),  # the header, up to the cap
        ("2", 30.0, 2.0),  # the header, not the 1 ms backoff
    ],
)
def test_retry_after_is_respected(
    server: RegistryServer, waits: list[float], retry_after: str, cap: float, expected: float
) -> None:
    seed_orders(server)
    server.fail(429, times=1, retry_after=retry_after, path="/config")
    state = load(server.url, backoff=0.001, max_retry_wait=cap)
    assert "orders-value" in state.subjects
    assert waits == [expected]  # one wait, before the one retry


def test_a_long_backoff_without_retry_after_is_capped_not_refused(
    server: RegistryServer, waits: list[float]
) -> None:
    seed_orders(server)
    server.fail(503, times=1, path="/config")
    state = load(server.url, backoff=100.0, max_retry_wait=0.3)
    assert "orders-value" in state.subjects
    assert waits == [0.3]


@pytest.mark.parametrize("retry_after", ["2", "1000000000", "1e400", "Infinity"])
def test_retry_after_past_the_cap_ends_the_retries_at_once(
    server: RegistryServer, waits: list[float], retry_after: str
) -> None:
    seed_orders(server)
    server.fail(503, times=None, retry_after=retry_after, path="/config")
    with pytest.raises(RegistryError) as caught:
        load(server.url, backoff=0.001, max_retry_wait=0.3)
    assert "asks to retry after" in caught.value.what
    assert "0.3 s" in caught.value.what
    assert waits == []
    assert server.count("GET", "/config") == 1


def test_a_persistent_server_error_fails_after_the_retries(server: RegistryServer) -> None:
    server.fail(500, times=None, path="/config")
    with pytest.raises(RegistryError) as caught:
        load(server.url, retries=2)
    assert "HTTP 500 after 3 attempt(s)" in caught.value.what
    assert "GET /config" in caught.value.subject
    assert server.count("GET", "/config") == 3


def test_a_body_that_is_not_json_is_a_registry_error(server: RegistryServer) -> None:
    server.non_json(path="/config")
    with pytest.raises(RegistryError) as caught:
        load(server.url)
    assert "not JSON" in caught.value.what
    assert caught.value.hint


def test_a_redirect_to_another_host_is_refused_and_gets_no_credentials() -> None:
    with RegistryServer(auth=(KEY, SECRET)) as server, RegistryServer() as elsewhere:
        server.redirect(elsewhere.url, path="/config")
        with pytest.raises(RegistryError) as caught:
            load(server.url, user=KEY, password=SECRET)
        assert "another host" in caught.value.what
        assert elsewhere.request_count == 0
        assert SECRET not in caught.value.render()


def test_a_redirect_within_the_same_host_is_followed(server: RegistryServer) -> None:
    seed_orders(server)
    server.redirect(server.origin, times=1, path="/subjects")
    state = load(server.url, subjects=["orders-value"])
    assert len(state.subjects["orders-value"].versions) == 2


def test_an_unreachable_registry_says_what_to_check() -> None:
    with RegistryServer() as gone:
        url = gone.url
    with pytest.raises(RegistryError) as caught:
        load(url, retries=1)
    assert "unreachable" in caught.value.what
    assert "is the URL right and the registry up?" in caught.value.hint
    assert url in caught.value.subject


# --------------------------------------------------------------------------------------------
# What is loaded


def test_versions_are_loaded_oldest_first_with_ids_and_types(server: RegistryServer) -> None:
    seed_orders(server)
    server.register("events-value", '{"type": "object"}', schema_type="JSON")
    state = load(server.url)
    orders = state.subjects["orders-value"]
    assert [v.version for v in orders.versions] == [1, 2]
    assert orders.latest is not None
    assert orders.latest.text == record("Order", "note")
    assert orders.versions[0].schema_type is SchemaType.AVRO  # the server omits AVRO
    assert state.subjects["events-value"].versions[0].schema_type is SchemaType.JSON
    schema = orders.versions[1].to_schema()
    assert schema.origin.kind is OriginKind.REGISTRY
    assert (schema.origin.subject, schema.origin.version) == ("orders-value", 2)
    assert schema.origin.schema_id == orders.versions[1].id


def test_an_unknown_subject_is_simply_absent(server: RegistryServer) -> None:
    seed_orders(server)
    state = load(server.url, subjects=["orders-value", "brand-new-value"])
    assert list(state.subjects) == ["orders-value"]
    assert state.subject("brand-new-value") is None


def test_soft_deleted_versions_are_not_loaded(server: RegistryServer) -> None:
    seed_orders(server)
    server.delete_version("orders-value", 1)
    state = load(server.url)
    assert [v.version for v in state.subjects["orders-value"].versions] == [2]


def test_references_are_resolved_recursively_each_fetched_once(server: RegistryServer) -> None:
    server.register("common", record("Common"))
    server.register("middle", record("Middle"), references=(("Common", "common", 1),))
    server.register(
        "top", record("Top"), references=(("Middle", "middle", 1), ("Common", "common", 1))
    )
    state = load(server.url, subjects=["top"])
    top = state.subjects["top"].versions[0]
    assert top.references == (Reference("Middle", "middle", 1), Reference("Common", "common", 1))
    # dependencies first, each name once
    assert top.resolved_references == (("Common", record("Common")), ("Middle", record("Middle")))
    assert top.to_schema().resolved_references == top.resolved_references
    assert server.count("GET", "/subjects/common/versions/1") == 1
    assert server.count("GET", "/subjects/middle/versions/1") == 1
    assert list(state.subjects) == ["top"], "referenced subjects are not loaded as subjects"


def test_reference_cycles_terminate(server: RegistryServer) -> None:
    server.register("a", record("A"), references=(("B", "b", 1),))
    server.register("b", record("B"), references=(("A", "a", 1),))
    state = load(server.url)
    assert state.subjects["a"].versions[0].resolved_references == (
        ("A", record("A")),
        ("B", record("B")),
    )
    assert server.count("GET", "/subjects/a/versions/1") <= 1


def test_a_missing_referenced_version_is_a_registry_error(server: RegistryServer) -> None:
    server.register("top", record("Top"), references=(("Gone", "gone", 4),))
    with pytest.raises(RegistryError) as caught:
        load(server.url, subjects=["top"])
    assert "gone version 4" in caught.value.what


def test_levels_per_subject_fall_back_to_the_global_level(server: RegistryServer) -> None:
    seed_orders(server)
    server.set_compatibility("FULL")
    server.set_compatibility("FORWARD_TRANSITIVE", "orders-value")
    state = load(server.url)
    assert state.global_compatibility is Mode.FULL
    orders, payments = state.subjects["orders-value"], state.subjects["payments-value"]
    assert (orders.compatibility, orders.effective) == (Mode.FORWARD_TRANSITIVE,) * 2
    assert (payments.compatibility, payments.effective) == (None, Mode.FULL)
    assert server.count("GET", "/config/orders-value") == 1


def test_without_any_level_the_registry_default_is_backward(server: RegistryServer) -> None:
    seed_orders(server)
    assert load(server.url).subjects["orders-value"].effective is Mode.BACKWARD


def test_a_server_ignoring_default_to_global_falls_back_to_get_config() -> None:
    with RegistryServer(profile="karapace") as server:
        seed_orders(server)
        server.set_compatibility("FULL_TRANSITIVE")
        state = load(server.url)
        assert state.subjects["payments-value"].effective is Mode.FULL_TRANSITIVE
        assert server.count("GET", "/config/payments-value") == 1
        assert server.count("GET", "/config") - server.count("GET", "/config/") == 1


def test_the_bulk_listing_is_paginated_and_replaces_per_version_calls() -> None:
    with RegistryServer(page_limit=4) as server:
        for i in range(5):
            for v in range(1, 4):
                server.register(f"s{i}-value", record(f"R{i}", *[f"f{k}" for k in range(v)]))
        state = load(server.url)
        assert sorted(state.subjects) == [f"s{i}-value" for i in range(5)]
        assert all(len(s.versions) == 3 for s in state.subjects.values())
        offsets = [r.query["offset"] for r in server.log if r.path == "/schemas"]
        assert offsets == ["0", "4", "8", "12"]  # the short last page ends it
        assert server.count("GET", "/subjects") == 0


def test_a_server_ignoring_paging_is_read_once() -> None:
    with RegistryServer(profile="karapace") as server:
        seed_orders(server)
        state = load(server.url)
        assert len(state.subjects["orders-value"].versions) == 2
        assert server.count("GET", "/schemas") <= 2
        assert server.count("GET", "/subjects") == 0


def test_without_the_bulk_listing_it_falls_back_to_per_subject_calls() -> None:
    with RegistryServer(profile="redpanda") as server:
        seed_orders(server)
        state = load(server.url)
        assert len(state.subjects["orders-value"].versions) == 2
        assert server.count("GET", "/schemas") == 1  # the 404 that chose the fallback
        assert server.count("GET", "/subjects/orders-value/versions/2") == 1


def test_requests_grow_linearly_and_nothing_is_fetched_twice() -> None:
    def requests_for(subjects: int) -> tuple[int, list[tuple[str, str, str]]]:
        with RegistryServer(profile="redpanda") as server:
            server.seed(subjects=subjects, versions=3)
            state = load(server.url)
            assert len(state.subjects) == subjects
            keys = [(r.method, r.path, json.dumps(r.query, sort_keys=True)) for r in server.log]
            return server.request_count, keys

    count_50, keys = requests_for(50)
    assert len(keys) == len(set(keys)), "a request was repeated"
    # /config, /schemas (404), /subjects, then per subject: versions, 3 fetches, its level
    assert count_50 == 3 + 50 * 5
    count_25, _ = requests_for(25)
    assert count_50 - count_25 == 25 * 5


def test_a_second_load_reuses_fetched_versions(server: RegistryServer) -> None:
    seed_orders(server)
    with HttpRegistry(settings(server.url)) as registry:
        registry.load(["orders-value"])
        before = server.request_count
        registry.load(["orders-value"])
        assert server.count("GET", "/subjects/orders-value/versions/") == 2
        assert server.request_count - before == 1  # only the version list is asked again


def test_independent_requests_run_concurrently() -> None:
    with RegistryServer(profile="redpanda") as server:
        server.seed(subjects=8, versions=1)
        server.slow(0.05, path="/subjects/")
        load(server.url, concurrency=8)
        # eight version lists, then eight fetches, each slow enough to overlap when parallel
        assert server.max_in_flight >= 4


def test_many_named_subjects_are_read_through_the_bulk_listing() -> None:
    with RegistryServer() as server:
        server.seed(subjects=30, versions=2)
        wanted = [f"subject-{i:04d}-value" for i in range(0, 30, 2)] + [f"x{i}" for i in range(8)]
        state = load(server.url, subjects=wanted)
        assert sorted(state.subjects) == sorted(wanted[:15])
        assert server.count("GET", "/schemas") >= 1
        assert server.count("GET", "/subjects/") == 0


def test_concurrency_one_never_overlaps() -> None:
    with RegistryServer(profile="redpanda") as server:
        server.seed(subjects=4, versions=1)
        server.slow(0.01, path="/subjects/")
        load(server.url, concurrency=1)
        assert server.max_in_flight == 1


def test_schema_by_id(server: RegistryServer) -> None:
    seed_orders(server)
    with HttpRegistry(settings(server.url)) as registry:
        found = registry.schema_by_id(2)
        assert found is not None
        assert (found.subject, found.version, found.text) == (
            "orders-value",
            2,
            record("Order", "note"),
        )
        assert registry.schema_by_id(999) is None
        registry.load()
        before = server.request_count
        cached = registry.schema_by_id(3)
        assert cached is not None
        assert cached.subject == "payments-value"
        assert server.request_count == before, "ids loaded already are not asked again"


def test_a_context_selects_its_subjects(server: RegistryServer) -> None:
    server.register("orders-value", record("Default"))
    server.register(":.staging:orders-value", record("Staging"))
    server.register(":.staging:payments-value", record("StagingPayment"))
    state = load(server.url, context="staging")
    assert sorted(state.subjects) == ["orders-value", "payments-value"]
    assert state.subjects["orders-value"].versions[0].text == record("Staging")
    default = load(server.url)
    assert list(default.subjects) == ["orders-value"]
    assert default.subjects["orders-value"].versions[0].text == record("Default")


def test_an_unknown_context_is_reported_with_the_known_ones(server: RegistryServer) -> None:
    server.register(":.staging:orders-value", record("Staging"))
    with pytest.raises(RegistryError) as caught:
        load(server.url, context=".prod")
    assert ".prod" in caught.value.what
    assert ".staging" in caught.value.hint


def test_a_context_on_a_server_without_contexts_is_not_checked() -> None:
    with RegistryServer(profile="karapace") as server:
        server.register(":.staging:orders-value", record("Staging"))
        state = load(server.url, subjects=["orders-value"], context="staging")
        assert state.subjects["orders-value"].versions[0].text == record("Staging")


# --------------------------------------------------------------------------------------------
# Profiles


def seed_same(server: RegistryServer) -> None:
    seed_orders(server)
    server.register("common", record("Common"))
    server.register("top-value", record("Top"), references=(("Common", "common", 1),))
    server.register("events-value", '{"type": "object"}', schema_type="JSON")
    server.set_compatibility("BACKWARD")
    server.set_compatibility("FULL", "payments-value")


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_gives_the_same_state(profile: str) -> None:
    with RegistryServer() as reference:
        seed_same(reference)
        expected = load(reference.url)
    with RegistryServer(profile=profile) as server:
        seed_same(server)
        state = load(server.url)
        assert state == expected
        assert state.subjects["payments-value"].compatibility is Mode.FULL
        assert state.subjects["top-value"].versions[0].resolved_references == (
            ("Common", record("Common")),
        )
        assert server.url.endswith(PROFILES[profile].base_path)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_gives_the_registrys_verdict(profile: str) -> None:
    with RegistryServer(profile=profile) as server:
        seed_same(server)
        with HttpRegistry(settings(server.url)) as registry:
            good = registry.check_compatibility(
                "orders-value", record("Order", "note", "more"), SchemaType.AVRO
            )
            bad = registry.check_compatibility(
                "orders-value", record("Order", "note", "more", defaults=False), SchemaType.AVRO
            )
        assert [v.is_compatible for v in good] == [True]
        assert [v.is_compatible for v in bad] == [False]
        assert any("READER_FIELD_MISSING_DEFAULT_VALUE" in m for m in bad[0].messages)


def test_profiles_document_their_quirks() -> None:
    assert set(PROFILES) == {"confluent", "karapace", "redpanda", "apicurio"}
    for profile in PROFILES.values():
        assert profile.quirks
        assert all(isinstance(q, str) and q for q in profile.quirks)


# --------------------------------------------------------------------------------------------
# The registry's own verdict


def test_the_verdict_uses_the_all_versions_endpoint_with_verbose(
    server: RegistryServer,
) -> None:
    seed_orders(server)
    with HttpRegistry(settings(server.url)) as registry:
        verdicts = registry.check_compatibility(
            "orders-value", record("Order", "x", defaults=False), SchemaType.AVRO
        )
    assert verdicts == [
        RegistryVerdict(None, False, ("READER_FIELD_MISSING_DEFAULT_VALUE: x (version 2)",))
    ]
    (call,) = [r for r in server.log if r.method == "POST"]
    assert call.path == "/compatibility/subjects/orders-value/versions"
    assert call.query == {"verbose": "true"}


def test_a_transitive_level_without_the_all_versions_endpoint_asks_each_version() -> None:
    with RegistryServer(profile="redpanda") as server:
        seed_orders(server)
        server.set_compatibility("BACKWARD_TRANSITIVE", "orders-value")
        with HttpRegistry(settings(server.url)) as registry:
            verdicts = registry.check_compatibility(
                "orders-value", record("Order", "note"), SchemaType.AVRO
            )
        assert [(v.version, v.is_compatible) for v in verdicts] == [(1, True), (2, True)]
        assert server.count("POST", "/compatibility/subjects/orders-value/versions/1") == 1


def test_a_non_transitive_fallback_asks_about_latest() -> None:
    with RegistryServer(profile="karapace") as server:
        seed_orders(server)
        with HttpRegistry(settings(server.url)) as registry:
            verdicts = registry.check_compatibility(
                "orders-value", record("Order"), SchemaType.AVRO
            )
        assert [v.is_compatible for v in verdicts] == [True]
        assert server.count("POST", "/compatibility/subjects/orders-value/versions/latest") == 1


def test_a_new_subject_has_nothing_to_be_compatible_with() -> None:
    with (
        RegistryServer(profile="karapace") as server,
        HttpRegistry(settings(server.url)) as registry,
    ):
        assert registry.check_compatibility("new-value", record("N"), SchemaType.AVRO) == []


def test_a_server_rejecting_verbose_is_asked_plainly(server: RegistryServer) -> None:
    seed_orders(server)
    server.reject_verbose = True
    with HttpRegistry(settings(server.url)) as registry:
        verdicts = registry.check_compatibility(
            "orders-value", record("Order", "x", defaults=False), SchemaType.AVRO
        )
    assert verdicts == [RegistryVerdict(None, False, ())]
    assert [r.query for r in server.log if r.method == "POST"] == [{"verbose": "true"}, {}]


def test_a_schema_the_registry_rejects_is_an_incompatible_verdict(
    server: RegistryServer,
) -> None:
    seed_orders(server)
    with HttpRegistry(settings(server.url)) as registry:
        verdicts = registry.check_compatibility("orders-value", "{not json", SchemaType.AVRO)
    assert len(verdicts) == 1
    assert not verdicts[0].is_compatible
    assert "rejected the schema" in verdicts[0].messages[0]


def test_the_verdict_request_carries_type_and_references(server: RegistryServer) -> None:
    server.register("common-value", '{"type": "string"}', schema_type="JSON")
    server.register("events-value", '{"type": "object"}', schema_type="JSON")
    with HttpRegistry(settings(server.url)) as registry:
        registry.check_compatibility(
            "events-value",
            '{"type": "object", "properties": {}}',
            SchemaType.JSON,
            (Reference("common.json", "common-value", 1),),
        )
    (call,) = [r for r in server.log if r.method == "POST"]
    assert call.headers["content-type"] == "application/vnd.schemaregistry.v1+json"
    assert call.body == {
        "schema": '{"type": "object", "properties": {}}',
        "schemaType": "JSON",
        "references": [{"name": "common.json", "subject": "common-value", "version": 1}],
    }


def test_an_avro_verdict_request_leaves_the_default_type_out(server: RegistryServer) -> None:
    seed_orders(server)
    with HttpRegistry(settings(server.url)) as registry:
        registry.check_compatibility("orders-value", record("Order"), SchemaType.AVRO)
    (call,) = [r for r in server.log if r.method == "POST"]
    assert call.body == {"schema": record("Order")}


# --------------------------------------------------------------------------------------------
# TLS: a custom CA bundle and client certificates (certificates made with the openssl CLI)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    folder = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(
        "req",
        "-x509",
        *key,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=gate test CA",
    )
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    (folder / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
        )
    return {
        name: str(folder / name)
        for name in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")
    }


def test_https_with_a_custom_ca_bundle(pki: dict[str, str]) -> None:
    with RegistryServer(tls=(pki["server.pem"], pki["server.key"])) as server:
        seed_orders(server)
        assert server.url.startswith("https://127.0.0.1:")
        state = load(server.url, ca_bundle=pki["ca.pem"])
        assert "orders-value" in state.subjects


def test_an_untrusted_certificate_is_a_tls_error_not_retried(
    pki: dict[str, str], waits: list[float]
) -> None:
    with RegistryServer(tls=(pki["server.pem"], pki["server.key"])) as server:
        with pytest.raises(RegistryError) as caught:
            load(server.url, retries=3, backoff=0.5)
        assert "TLS" in caught.value.what
        assert "CA bundle" in caught.value.hint
        assert waits == [], "a certificate problem is not retried"


def test_mutual_tls_with_a_client_certificate(pki: dict[str, str]) -> None:
    tls = (pki["server.pem"], pki["server.key"])
    with RegistryServer(tls=tls, client_ca=pki["ca.pem"]) as server:
        seed_orders(server)
        state = load(
            server.url,
            ca_bundle=pki["ca.pem"],
            client_cert=pki["client.pem"],
            client_key=pki["client.key"],
        )
        assert "orders-value" in state.subjects
        with pytest.raises(RegistryError):
            load(server.url, ca_bundle=pki["ca.pem"], retries=0)


def test_a_missing_ca_bundle_file_is_a_config_error(tmp_path: Path) -> None:
    with RegistryServer() as server, pytest.raises(ConfigError) as caught:
        load(server.url, ca_bundle=str(tmp_path / "nope.pem"))
    assert caught.value.subject == str(tmp_path / "nope.pem")


def test_a_verdict_request_naming_an_unknown_reference_is_refused(
    server: RegistryServer,
) -> None:
    # Confluent answers 422 (42201): the reference must name a registered version
    server.register("events-value", '{"type": "object"}', schema_type="JSON")
    with HttpRegistry(settings(server.url)) as registry:
        (verdict,) = registry.check_compatibility(
            "events-value",
            '{"type": "object", "properties": {}}',
            SchemaType.JSON,
            (Reference("common.json", "common-value", 1),),
        )
    assert not verdict.is_compatible
    assert 'No schema reference found for subject "common-value"' in verdict.messages[0]
