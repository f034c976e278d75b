"""Fuzzing the redactor: whatever text a registry, a proxy or git sends back, no known secret,
URL user info or authorization header value survives `redact_text`, and redacting twice changes
nothing more. Secrets are drawn with the characters Confluent Cloud secrets hold (`/`, `@`, `:`,
`+`, `=`) and put where hostile answers put them: raw, inside URLs, after header names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gate.secrets import redact_text

FUZZ = settings(max_examples=300, deadline=None)

# upper-case letters only in secrets, lower-case only around them: a secret can then never be
# found in the text around it, so a survivor is always a leak
SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/@:+=_-."
secrets = st.text(SECRET_ALPHABET, min_size=4, max_size=40).filter(
    lambda s: any(c.isalpha() for c in s)
)
words = st.text("abcdefghijklmnopqrstuvwxyz0123456789 .,;'\"\n\t{}[]()<>", max_size=30)
hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){0,2}", fullmatch=True)
base64 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", min_size=4, max_size=60).map(
    lambda s: s + "=="
)


@FUZZ
@given(
    pieces=st.lists(st.one_of(words, secrets), min_size=1, max_size=12),
    known=st.lists(secrets, min_size=1, max_size=4),
)
def test_no_known_secret_survives_in_any_text(pieces: list[str], known: list[str]) -> None:
    text = "".join(
        piece if i % 2 else known[i % len(known)] + piece for i, piece in enumerate(pieces)
    )
    redacted = redact_text(text, known)
    for secret in known:
        assert secret not in redacted, (text, redacted)
    assert redact_text(redacted, known) == redacted


@FUZZ
@given(
    before=words,
    after=words,
    user=secrets,
    password=secrets,
    host=hosts,
    port=st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")),
    path=st.sampled_from(["", "/", "/subjects", "/subjects/orders-value/versions?x=1", "#top"]),
    scheme=st.sampled_from(["https", "http", "sr+https"]),
)
def test_url_user_info_never_survives(
    before: str,
    after: str,
    user: str,
    password: str,
    host: str,
    port: str,
    path: str,
    scheme: str,
) -> None:
    url = f"{scheme}://{user}:{password}@{host}{port}{path}"
    text = f"{before} {url} {after}"
    redacted = redact_text(text, ())
    assert user not in redacted, (text, redacted)
    assert password not in redacted, (text, redacted)
    assert f"{host}{port}{path}" in redacted  # where the registry is stays readable
    assert redact_text(redacted, ()) == redacted


@FUZZ
@given(
    before=words,
    after=st.one_of(st.just(""), words.map(lambda w: " " + w)),
    name=st.sampled_from(["Authorization", "authorization", "AUTHORIZATION"]),
    separator=st.sampled_from([": ", ":", "=", " = "]),
    kind=st.sampled_from(["Basic ", "Bearer ", "basic ", ""]),
    token=base64,
)
def test_authorization_header_values_never_survive(
    before: str, after: str, name: str, separator: str, kind: str, token: str
) -> None:
    text = f"{before} {name}{separator}{kind}{token}{after}"
    redacted = redact_text(text, ())
    assert token not in redacted, (text, redacted)
    assert redact_text(redacted, ()) == redacted


@FUZZ
@given(text=words)
def test_text_without_secrets_is_left_as_it_is(text: str) -> None:
    assert redact_text(text, ("NOT-IN-THE-TEXT",)) == text
