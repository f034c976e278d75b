"""The schema registry as a source: a client of the Confluent Schema Registry REST API.

Serves Confluent Platform / Cloud, Karapace, Redpanda and Apicurio's ccompat API. Differences
between them are handled by falling back on HTTP status codes (never on `error_code`, which
vendors spell differently): a missing bulk `/schemas` endpoint falls back to per-subject calls, a
missing all-versions compatibility endpoint to `/versions/latest`, a subject level without
`defaultToGlobal` support to the global level.

httpx is imported where a connection is made, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import os
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from gate.errors import ConfigError, RegistryError
from gate.model import JSON, Mode, Reference, SchemaType
from gate.secrets import redact_text, redact_url, split_userinfo
from gate.sources.state import (
    RegisteredSchema,
    RegistryState,
    RegistryVerdict,
    SubjectMap,
    SubjectState,
)

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    import httpx

    from gate.sources.state import StateView

log = logging.getLogger(__name__)

ENV_URL = "GATE_REGISTRY_URL"
ENV_USER = "GATE_REGISTRY_USER"
ENV_PASSWORD = "GATE_REGISTRY_PASSWORD"
ENV_TOKEN = "GATE_REGISTRY_TOKEN"

# the registry's own default when neither the subject nor the registry sets a level
DEFAULT_COMPATIBILITY = Mode.BACKWARD

# 5xx but 501 (Not Implemented: an endpoint the server lacks) and 505 are worth another try
RETRY_STATUSES = frozenset({408, 429, 500, *range(502, 505), *range(506, 600)})
BULK_PAGE_SIZE = 1000
# a few named subjects are cheaper per subject than paging through the whole registry
BULK_FOR_MORE_THAN = 20
_MAX_SAME_ORIGIN_REDIRECTS = 5
# the most `GET /schemas` pages read: a server whose pages never end is not a registry
MAX_BULK_PAGES = 2000
# the largest answer body read, counted after decompression (a gzip bomb stops here)
MAX_BODY_BYTES = 128 * 1024 * 1024
_CHUNK = 64 * 1024
# a whole request (its attempts, their waits and bodies) lasts at most this many `timeout`s
DEADLINE_TIMEOUTS = 4
_ACCEPT = (
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, "
    "application/json; qs=0.5"
)
_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_SENSITIVE_HEADER = re.compile(r"(?i)auth|token|secret|key|password|cookie")
_AUTH_HINT = f"check {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}"
_UNREACHABLE_HINT = "is the URL right and the registry up?"


# --------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True, repr=False)
class RegistrySettings:
    """How to reach a registry. Credentials are kept out of `repr` and every message.

    User info in `url` (`https://key:secret@host`) becomes `user` / `password` when those are
    not given, and is removed from the URL so no library ever logs it.
    """

    url: str
    user: str | None = None
    password: str | None = None
    token: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    ca_bundle: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    timeout: float = 10.0
    retries: int = 4
    backoff: float = 0.5
    concurrency: int = 8
    context: str | None = None
    # the longest single wait between attempts: a `Retry-After` asking for longer ends the
    # retries at once
    max_retry_wait: float = 30.0
    # seconds one logical request may take in all (attempts, waits, a body that trickles in),
    # since `timeout` bounds each network read only; None: `DEADLINE_TIMEOUTS` timeouts
    deadline: float | None = None

    def __post_init__(self) -> None:
        # user info is split off by its last `@` before the host: a secret may hold `/` or `@`
        bare, userinfo = split_userinfo(self.url.strip())
        parts = urlsplit(bare)
        try:
            port = parts.port
        except ValueError:
            port, parts = None, urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                "the registry URL is not an http(s) URL",
                redact_url(self.url),
                hint="give the registry's base URL, e.g. https://registry.example.com:8081",
            )
        user, password = self.user, self.password
        if userinfo is not None and user is None:
            name, has_password, secret = userinfo.partition(":")
            user = unquote(name)
            if has_password and password is None:
                password = unquote(secret)
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if port is not None:
            netloc += f":{port}"
        clean = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        object.__setattr__(self, "url", clean)
        object.__setattr__(self, "user", user or None)
        object.__setattr__(self, "password", password or None)
        object.__setattr__(self, "token", self.token or None)
        if self.context is not None:
            context = self.context.strip().strip(":")
            if not context.startswith("."):
                context = f".{context}"
            object.__setattr__(self, "context", context)
        if self.user and self.token:
            raise ConfigError(
                "both basic-auth credentials and a bearer token are set for the registry",
                self.url,
                hint=f"set either {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}, not both",
            )
        if self.user and not self.password:
            raise ConfigError(
                "a registry user is set without a password",
                self.url,
                hint=f"set {ENV_PASSWORD} as well",
            )
        if self.client_key and not self.client_cert:
            raise ConfigError(
                "a client key is set without a client certificate",
                self.url,
                hint="give the client certificate (PEM) that goes with the key",
            )
        if self.deadline is None:
            object.__setattr__(self, "deadline", DEADLINE_TIMEOUTS * self.timeout)
        if (
            self.retries < 0
            or self.concurrency < 1
            or self.timeout <= 0
            or (self.deadline is not None and self.deadline <= 0)
        ):
            raise ConfigError(
                "registry retries must be >= 0, concurrency >= 1, timeout and deadline > 0",
                self.url,
            )

    @classmethod
    def from_env(
        cls,
        url: str | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> RegistrySettings:
        """Settings from `url` (else GATE_REGISTRY_URL) and the credentials in the environment."""
        env = os.environ if environ is None else environ
        chosen = url or env.get(ENV_URL) or ""
        if not chosen:
            raise ConfigError(
                "no registry URL is configured",
                hint=f"pass --registry URL, set {ENV_URL}, or use --snapshot DIR / --offline",
            )
        values: dict[str, Any] = {
            "user": env.get(ENV_USER) or None,
            "password": env.get(ENV_PASSWORD) or None,
            "token": env.get(ENV_TOKEN) or None,
        }
        values.update(overrides)
        return cls(url=chosen, **values)

    @property
    def auth_kind(self) -> str | None:
        if self.token:
            return "bearer"
        if self.user:
            return "basic"
        return None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every configured value that must never be shown, longest first.

        Besides the values themselves: their percent-encoded forms (as URL user info holds
        them) and the basic-authentication pair, plain and base64-encoded, since whoever echoes
        a request's `Authorization` header (a registry's error message, a proxy's error page)
        echoes that.
        """
        values = {self.user, self.password, self.token}
        values.update(value for name, value in self.headers if _SENSITIVE_HEADER.search(name))
        if self.user:
            pair = f"{self.user}:{self.password or ''}"
            basic = base64.b64encode(pair.encode("utf-8")).decode("ascii")
            values.update((pair, basic, basic.rstrip("=")))
        values.update(quote(value, safe="") for value in list(values) if value)
        return tuple(sorted((v for v in values if v), key=len, reverse=True))

    def redact(self, text: str) -> str:
        """`text` with every configured secret and any URL user info replaced by `***`."""
        return redact(text, self)

    def __repr__(self) -> str:
        parts = [f"url={self.url!r}", f"auth={self.auth_kind!r}"]
        if self.headers:
            parts.append(f"headers={[name for name, _ in self.headers]!r}")
        for name in ("ca_bundle", "client_cert", "context"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        parts += [
            f"timeout={self.timeout!r}",
            f"retries={self.retries!r}",
            f"concurrency={self.concurrency!r}",
        ]
        return f"RegistrySettings({', '.join(parts)})"

    __str__ = __repr__


def redact(text: str, settings: RegistrySettings | None = None) -> str:
    """Remove URL user info, and every secret of `settings`, from `text`."""
    return redact_text(text, settings.secrets if settings is not None else ())


# --------------------------------------------------------------------------------------------
# Values


class RegistrySource(Protocol):
    """Where registered schemas come from: a live registry or an offline snapshot."""

    def load(self, subjects: Collection[str] | None = None) -> RegistryState:
        """The state of `subjects` (None: every subject); unknown subjects are absent."""
        ...

    def view(self, subjects: Collection[str] | None = None) -> StateView:
        """What a run reads of `subjects`: `load`'s state, or one the source fills as it is
        asked (a snapshot reads one subject's folder at a time)."""
        ...

    def schema_by_id(self, schema_id: int) -> RegisteredSchema | None:
        """The schema registered under `schema_id`, or None when there is none."""
        ...

    def check_compatibility(
        self,
        subject: str,
        schema_text: str,
        schema_type: SchemaType,
        references: Sequence[Reference] = (),
    ) -> list[RegistryVerdict] | None:
        """The registry's own verdicts on registering `schema_text` under `subject`; None
        where the source cannot judge (a snapshot)."""
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------------------------
# HTTP transport


@dataclass(frozen=True)
class _Reply:
    status: int
    data: JSON  # parsed JSON body, or None when the body was empty or not JSON
    text: str

    @property
    def message(self) -> str:
        if isinstance(self.data, dict):
            for key in ("message", "detail", "error"):
                if isinstance(self.data.get(key), str):
                    return str(self.data[key])
        return self.text.strip().splitlines()[0][:200] if self.text.strip() else ""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else math.inf
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Transport:
    """One httpx client shared by every thread, with retries, redirects and a request count."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.settings = settings
        self.label = redact_url(settings.url)
        self._lock = threading.Lock()
        self._requests = 0
        self._client: httpx.Client | None = None
        parts = urlsplit(settings.url)
        self._origin = (parts.scheme, parts.hostname, parts.port)

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _build_client(self) -> httpx.Client:
        import httpx

        settings = self.settings
        verify: ssl.SSLContext | bool = True
        if settings.ca_bundle or settings.client_cert:
            verify = self._ssl_context()
        # only encodings whose decompressed size `_read_body` counts as it goes
        headers = {
            "Accept": _ACCEPT,
            "User-Agent": _user_agent(),
            "Accept-Encoding": "gzip, deflate",
        }
        headers.update(dict(settings.headers))
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        elif settings.user:
            pair = f"{settings.user}:{settings.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.timeout),
            verify=verify,
            follow_redirects=False,
            limits=httpx.Limits(
                max_connections=settings.concurrency,
                max_keepalive_connections=settings.concurrency,
            ),
        )

    def _ssl_context(self) -> ssl.SSLContext:
        import ssl

        settings = self.settings
        for what, path in (
            ("CA bundle", settings.ca_bundle),
            ("client certificate", settings.client_cert),
            ("client key", settings.client_key),
        ):
            if path is not None and not os.path.isfile(path):
                raise ConfigError(f"the registry {what} does not exist", path)
        try:
            context = ssl.create_default_context(cafile=settings.ca_bundle)
            if settings.client_cert:
                context.load_cert_chain(settings.client_cert, settings.client_key)
        except (ssl.SSLError, OSError) as error:
            raise ConfigError(
                f"the registry TLS files could not be loaded ({error.__class__.__name__})",
                str(settings.client_cert or settings.ca_bundle),
                hint="give PEM files: the CA bundle, and the client certificate and its key",
            ) from None
        return context

    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _where(self, method: str, path: str) -> str:
        return f"{method} {path} at {self.label}"

    def _fail(self, what: str, method: str, path: str, hint: str) -> RegistryError:
        settings = self.settings
        return RegistryError(
            settings.redact(what), settings.redact(self._where(method, path)), hint
        )

    def _count(self) -> None:
        with self._lock:
            self._requests += 1

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        body: JSON = None,
    ) -> _Reply:
        """Send one logical request; 2xx and the 4xx other than 401/403 come back as replies."""
        import httpx

        settings = self.settings
        url = settings.url + path
        content = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": _CONTENT_TYPE} if content is not None else None
        redirects = 0
        attempt = 0
        limit = float(settings.deadline or DEADLINE_TIMEOUTS * settings.timeout)
        deadline = time.monotonic() + limit
        while True:
            self._count()
            try:
                response = self._exchange(method, url, params, content, headers, deadline)
            except _Unreadable as unreadable:
                raise self._fail(
                    str(unreadable),
                    method,
                    path,
                    "is the URL the registry's REST endpoint, and nothing between rewriting "
                    "its answers?",
                ) from None
            except _DeadlineExceeded:
                raise self._fail(
                    f"registry did not answer within {limit:g} s in all "
                    f"(after {attempt + 1} attempt(s)); gave up",
                    method,
                    path,
                    "the registry or a proxy in front of it is answering too slowly; "
                    "retry later or ask its operators",
                ) from None
            except httpx.TransportError as error:
                if _is_tls_error(error):
                    raise self._fail(
                        f"TLS handshake with the registry failed ({_short(error)})",
                        method,
                        path,
                        "set the registry CA bundle (and client certificate for mTLS), "
                        "or check the registry's certificate",
                    ) from None
                log.debug("%s %s: %s (attempt %d)", method, path, type(error).__name__, attempt)
                if attempt < settings.retries and (
                    time.monotonic() + self._backoff(attempt) < deadline
                ):
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise self._fail(
                    f"registry unreachable ({_short(error)}) after {attempt + 1} attempt(s)",
                    method,
                    path,
                    _UNREACHABLE_HINT,
                ) from None
            status = response.status_code
            log.debug("%s %s -> %d", method, path, status)
            if status in RETRY_STATUSES:
                wait = _retry_after(response.headers.get("Retry-After"))
                if (
                    attempt < settings.retries
                    and wait is not None
                    and (wait > settings.max_retry_wait)
                ):
                    raise self._fail(
                        f"registry answered HTTP {status} and asks to retry after "
                        f"{response.headers.get('Retry-After', '')[:40]} s, longer than gate "
                        f"waits ({settings.max_retry_wait:g} s)",
                        method,
                        path,
                        "retry later",
                    )
                if attempt < settings.retries:
                    pause = min(
                        self._backoff(attempt) if wait is None else wait, settings.max_retry_wait
                    )
                    if time.monotonic() + pause > deadline:
                        raise self._fail(
                            f"registry answered HTTP {status}; the next attempt would pass "
                            f"the {limit:g} s deadline",
                            method,
                            path,
                            "retry later or ask the registry's operators",
                        )
                    self._sleep(pause)
                    attempt += 1
                    continue
                reply = _reply(response)
                detail = f": {reply.message}" if reply.message else ""
                raise self._fail(
                    f"registry answered HTTP {status} after {attempt + 1} attempt(s){detail}",
                    method,
                    path,
                    "the registry is failing or overloaded; retry later or ask its operators"
                    if status != 429
                    else "the registry is rate-limiting requests; lower the concurrency "
                    "or retry later",
                )
            if 300 <= status < 400:
                target = response.headers.get("Location", "")
                next_url = str(response.url.join(target)) if target else ""
                if not next_url or not self._same_origin(next_url):
                    raise self._fail(
                        f"registry redirected to another host ({redact_url(next_url) or '?'}); "
                        "not followed so credentials stay with the configured host",
                        method,
                        path,
                        "configure the registry URL the redirect points to, if it is trusted",
                    )
                if redirects >= _MAX_SAME_ORIGIN_REDIRECTS:
                    raise self._fail("registry redirected too many times", method, path, "")
                redirects += 1
                url, params = next_url, None
                continue
            if status in (401, 403):
                verb = "refused the credentials" if status == 401 else "denied access"
                raise self._fail(f"registry {verb} (HTTP {status})", method, path, _AUTH_HINT)
            reply = _reply(response)
            if 200 <= status < 300 and reply.data is None:
                raise self._fail(
                    f"registry answered HTTP {status} with a body that is not JSON",
                    method,
                    path,
                    "is the URL the registry's REST endpoint (with its path prefix, "
                    "e.g. /apis/ccompat/v7 for Apicurio)?",
                )
            return reply

    def _exchange(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        deadline: float,
    ) -> _Response:
        """One attempt, given up at `deadline` whatever the server does: it runs in a thread
        of its own, since httpx's timeouts bound each read and a server may send a byte at a
        time. An attempt given up on is abandoned: its thread ends with its connection."""
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def attempt() -> None:
            try:
                outcome["response"] = self._attempt(method, url, params, content, headers, deadline)
            except BaseException as error:  # handed to the caller's thread
                outcome["error"] = error
            finally:
                done.set()

        worker = threading.Thread(target=attempt, name="gate-registry-call", daemon=True)
        worker.start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise _DeadlineExceeded
        if "error" in outcome:
            raise outcome["error"]
        response: _Response = outcome["response"]
        return response

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        deadline: float,
    ) -> _Response:
        with self.client().stream(
            method, url, params=params, content=content, headers=headers
        ) as response:
            body = _read_body(response, deadline)
            return _Response(response.status_code, response.headers, body, response.url)

    def _same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.hostname, parts.port) == self._origin

    def _backoff(self, attempt: int) -> float:
        return float(self.settings.backoff * (2**attempt))

    def _sleep(self, seconds: float) -> None:
        time.sleep(min(max(seconds, 0.0), self.settings.max_retry_wait))

    def unexpected(self, method: str, path: str, reply: _Reply) -> RegistryError:
        detail = f": {reply.message}" if reply.message else ""
        return self._fail(
            f"registry refused the request with HTTP {reply.status}{detail}",
            method,
            path,
            "check the registry URL and that this registry speaks the Confluent REST API",
        )

    def malformed(self, method: str, path: str, what: str) -> RegistryError:
        return self._fail(
            f"registry answered something unexpected: {what}",
            method,
            path,
            "is the URL the registry's REST endpoint?",
        )


class _Unreadable(Exception):
    """An answer gate does not read to its end: too large, or in an unknown encoding."""


class _DeadlineExceeded(Exception):
    pass


@dataclass(frozen=True)
class _Response:
    """An answer read in full: status, headers and the decompressed body."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: httpx.URL

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


_TOO_LARGE = f"registry answer larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB"


def _read_body(response: httpx.Response, deadline: float) -> bytes:
    """The body, decompressed here so that its size is counted as it grows: at most
    `MAX_BODY_BYTES` (`_Unreadable` past it), and no later than `deadline`."""
    import zlib

    encodings = [
        part.strip().lower()
        for part in response.headers.get("Content-Encoding", "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if len(encodings) > 1 or any(e not in ("gzip", "x-gzip", "deflate") for e in encodings):
        raise _Unreadable(
            f"registry answer in an encoding gate does not read ({', '.join(encodings)[:80]})"
        )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and not encodings and int(declared) > MAX_BODY_BYTES:
        raise _Unreadable(f"{_TOO_LARGE} (Content-Length {declared}); not read")
    inflater: zlib._Decompress | None = None
    if encodings:
        # gzip; deflate with or without its zlib header
        inflater = zlib.decompressobj(
            32 + zlib.MAX_WBITS if encodings[0] == "deflate" else 16 + zlib.MAX_WBITS
        )
    parts: list[bytes] = []
    size = 0

    def keep(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if size > MAX_BODY_BYTES:
            what = "once decompressed" if inflater is not None else "in its body"
            raise _Unreadable(f"{_TOO_LARGE} {what}; not read further")
        parts.append(piece)

    try:
        for raw in response.iter_raw(_CHUNK):
            if inflater is None:
                keep(raw)
            else:
                data = raw
                while data:
                    # never more than the room left, plus one byte to tell "over"
                    keep(inflater.decompress(data, MAX_BODY_BYTES - size + 1))
                    data = inflater.unconsumed_tail
            if time.monotonic() > deadline:
                raise _DeadlineExceeded
        if inflater is not None:
            keep(inflater.flush())
    except zlib.error as error:
        raise _Unreadable(f"registry answer whose compressed body is corrupt ({error})") from None
    return b"".join(parts)


def _reply(response: _Response) -> _Reply:
    text = response.text
    try:
        data = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):  # nested deeper than the decoder goes: not an answer
        data = None
    return _Reply(response.status_code, data, text)


def _is_tls_error(error: Exception) -> bool:
    import ssl

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__


def _user_agent() -> str:
    from gate import __version__

    return f"gate/{__version__}"


# --------------------------------------------------------------------------------------------
# The HTTP registry

_T = TypeVar("_T")
_R = TypeVar("_R")


def _integer(value: object) -> int:
    """A version or id as the registry's JSON gives it: an integer, or a numeric string
    (some vendors quote them). `ValueError` for anything else: text, a fraction, `Infinity`,
    `1e400`, true/false, or a number too long to be a registry's."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():  # also NaN and the infinities
            raise ValueError(value)
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit() or len(text) > 20:
            raise ValueError(value)
        value = int(text)
    if not isinstance(value, int) or abs(value) >= 2**63:
        raise ValueError(value)
    return value


def _segment(text: str) -> str:
    return quote(text, safe="")


def _mode(value: object) -> Mode | None:
    if not isinstance(value, str):
        return None
    try:
        return Mode.parse(value)
    except ValueError:
        return None


def _level_of(data: object) -> Mode | None:
    """The level in a config answer: `compatibilityLevel` (Confluent) or `compatibility`."""
    if not isinstance(data, dict):
        return None
    return _mode(data.get("compatibilityLevel")) or _mode(data.get("compatibility"))


class HttpRegistry:
    """A live registry over its REST API. Use as a context manager, or call `close()`."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.settings = settings
        self._http = _Transport(settings)
        self._lock = threading.Lock()
        self._versions: dict[tuple[str, int], RegisteredSchema] = {}
        self._ids: dict[int, RegisteredSchema] = {}
        self._levels: dict[str, Mode] = {}
        self._global: Mode | None = None
        self._contexts_checked = False

    def __enter__(self) -> HttpRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"HttpRegistry({self._http.label!r})"

    @property
    def requests(self) -> int:
        """HTTP requests made so far (every attempt counts)."""
        return self._http.requests

    @property
    def label(self) -> str:
        return self._http.label

    # -- subject names -----------------------------------------------------------------

    def _qualify(self, subject: str) -> str:
        context = self.settings.context
        if context is None or subject.startswith(":."):
            return subject
        return f":{context}:{subject}"

    def _unqualify(self, subject: str) -> str:
        context = self.settings.context
        if context is not None and subject.startswith(f":{context}:"):
            return subject[len(context) + 2 :]
        return subject

    def _in_scope(self, qualified: str) -> bool:
        context = self.settings.context
        if context is None:
            return not qualified.startswith(":.")
        return qualified.startswith(f":{context}:")

    # -- plumbing ----------------------------------------------------------------------

    def _map(self, function: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        if len(items) <= 1 or self.settings.concurrency <= 1:
            return [function(item) for item in items]
        from concurrent.futures import ThreadPoolExecutor

        workers = min(self.settings.concurrency, len(items))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gate-registry")
        wait = True
        try:
            futures = [pool.submit(function, item) for item in items]
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            wait = False  # Ctrl-C: requests in flight are abandoned, not waited for
            raise
        finally:
            # after a failure, requests not yet started are dropped instead of retried in turn
            pool.shutdown(wait=wait, cancel_futures=True)

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> _Reply:
        return self._http.request("GET", path, params)

    def _registered(
        self, display: str, data: object, method: str, path: str, version: int | None = None
    ) -> RegisteredSchema:
        if not isinstance(data, dict) or not isinstance(data.get("schema"), str):
            raise self._http.malformed(method, path, "no schema text in the answer")
        try:
            number = _integer(data["version"]) if "version" in data else version
            schema_id = _integer(data["id"])
        except (KeyError, TypeError, ValueError):
            raise self._http.malformed(method, path, "no numeric version and id") from None
        if number is None:
            raise self._http.malformed(method, path, "no version in the answer")
        raw_type = data.get("schemaType") or "AVRO"
        try:
            schema_type = SchemaType.parse(str(raw_type))
        except ValueError:
            raise self._http.malformed(method, path, f"unknown schemaType {raw_type!r}") from None
        return RegisteredSchema(
            subject=display,
            version=number,
            id=schema_id,
            schema_type=schema_type,
            text=data["schema"],
            references=self._references(data.get("references"), method, path),
        )

    def _references(self, raw: Any, method: str, path: str) -> tuple[Reference, ...]:
        if not raw:
            return ()
        try:
            return tuple(
                Reference(str(item["name"]), str(item["subject"]), _integer(item["version"]))
                for item in raw
            )
        except (KeyError, TypeError, ValueError):
            raise self._http.malformed(method, path, "malformed references") from None

    # -- levels ------------------------------------------------------------------------

    def global_compatibility(self) -> Mode:
        """The registry-wide level (`GET /config`); BACKWARD when the registry sets none."""
        with self._lock:
            if self._global is not None:
                return self._global
        reply = self._get("/config")
        if reply.status == 200:
            level = _level_of(reply.data) or DEFAULT_COMPATIBILITY
        elif reply.status == 404:
            level = DEFAULT_COMPATIBILITY
        else:
            raise self._http.unexpected("GET", "/config", reply)
        with self._lock:
            self._global = level
        return level

    def effective_compatibility(self, subject: str) -> Mode:
        """The level the registry applies to `subject`: its own, else the global one."""
        with self._lock:
            if subject in self._levels:
                return self._levels[subject]
        path = f"/config/{_segment(self._qualify(subject))}"
        reply = self._get(path, {"defaultToGlobal": "true"})
        level: Mode | None = None
        if reply.status == 200:
            level = _level_of(reply.data)
        elif reply.status not in (404, 400, 405):
            raise self._http.unexpected("GET", path, reply)
        # servers that ignore defaultToGlobal answer 404 for a subject without its own level
        if level is None:
            level = self.global_compatibility()
        with self._lock:
            self._levels[subject] = level
        return level

    # -- contexts ----------------------------------------------------------------------

    def contexts(self) -> list[str] | None:
        """The registry's contexts, or None when the registry has no contexts endpoint."""
        reply = self._get("/contexts")
        if reply.status in (404, 405, 400, 501):
            return None
        if reply.status != 200 or not isinstance(reply.data, list):
            raise self._http.unexpected("GET", "/contexts", reply)
        return [str(item) for item in reply.data]

    def _check_context(self) -> None:
        context = self.settings.context
        if context is None or self._contexts_checked:
            return
        known = self.contexts()
        if known is not None and context not in known:
            raise RegistryError(
                f"the registry has no context {context}",
                self._http.label,
                hint="known contexts: " + (", ".join(sorted(known)) or "none"),
            )
        self._contexts_checked = True

    # -- fetching versions -------------------------------------------------------------

    def _fetch_version(self, key: tuple[str, int]) -> RegisteredSchema | None:
        subject, number = key
        with self._lock:
            cached = self._versions.get(key)
        if cached is not None:
            return cached
        qualified = self._qualify(subject)
        path = f"/subjects/{_segment(qualified)}/versions/{number}"
        reply = self._get(path)
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise self._http.unexpected("GET", path, reply)
        registered = self._registered(subject, reply.data, "GET", path, number)
        self._remember(registered)
        return registered

    def _remember(self, registered: RegisteredSchema) -> None:
        with self._lock:
            self._versions.setdefault((registered.subject, registered.version), registered)
            self._ids.setdefault(registered.id, registered)

    def _version_numbers(self, subject: str) -> list[int] | None:
        path = f"/subjects/{_segment(self._qualify(subject))}/versions"
        reply = self._get(path)
        if reply.status == 404:
            return None  # a subject the registry has never seen
        if reply.status != 200 or not isinstance(reply.data, list):
            raise self._http.unexpected("GET", path, reply)
        try:
            return sorted(_integer(v) for v in reply.data)
        except (TypeError, ValueError):
            raise self._http.malformed("GET", path, "version numbers expected") from None

    def _subject_names(self) -> list[str]:
        params = {"deleted": "false"}
        if self.settings.context is not None:
            params["subjectPrefix"] = f":{self.settings.context}:"
        reply = self._get("/subjects", params)
        if reply.status != 200 or not isinstance(reply.data, list):
            raise self._http.unexpected("GET", "/subjects", reply)
        return [self._unqualify(str(s)) for s in reply.data if self._in_scope(str(s))]

    def _bulk(self) -> list[RegisteredSchema] | None:
        """Every live version via the paginated `GET /schemas`; None when it is not served."""
        found: dict[tuple[str, int], RegisteredSchema] = {}
        seen: set[tuple[str, int]] = set()
        offset = 0
        page_size: int | None = None
        for _ in range(MAX_BULK_PAGES + 1):
            params = {
                "deleted": "false",
                "latestOnly": "false",
                "offset": str(offset),
                "limit": str(BULK_PAGE_SIZE),
            }
            if self.settings.context is not None:
                params["subjectPrefix"] = f":{self.settings.context}:"
            reply = self._get("/schemas", params)
            if reply.status in (404, 405, 400, 501) and offset == 0:
                return None
            if reply.status != 200 or not isinstance(reply.data, list):
                raise self._http.unexpected("GET", "/schemas", reply)
            page = reply.data
            fresh = 0
            for item in page:
                if not isinstance(item, dict) or "subject" not in item:
                    raise self._http.malformed("GET", "/schemas", "schema entries expected")
                qualified = str(item["subject"])
                registered = self._registered(self._unqualify(qualified), item, "GET", "/schemas")
                if (qualified, registered.version) in seen:
                    continue
                seen.add((qualified, registered.version))
                fresh += 1
                if self._in_scope(qualified):
                    found[(registered.subject, registered.version)] = registered
            # servers that ignore paging answer everything at once, or the same page again
            if not page or not fresh or len(page) > BULK_PAGE_SIZE:
                break
            if page_size is None:
                page_size = len(page)
            if len(page) < page_size:
                break
            offset += len(page)
        else:
            raise self._http.malformed(
                "GET",
                "/schemas",
                f"pages that never end (stopped after {MAX_BULK_PAGES} pages, "
                f"{len(seen)} versions)",
            )
        for registered in found.values():
            self._remember(registered)
        return list(found.values())

    # -- references --------------------------------------------------------------------

    def _resolve(self, schemas: Iterable[RegisteredSchema]) -> None:
        """Fetch every version referenced, transitively, each once; cycles terminate."""
        pending = [s for s in schemas if s.references]
        while pending:
            wanted: list[tuple[str, int]] = []
            with self._lock:
                for schema in pending:
                    for ref in schema.references:
                        key = (self._unqualify(ref.subject), ref.version)
                        if key not in self._versions and key not in wanted:
                            wanted.append(key)
            fetched = self._map(self._fetch_version, wanted)
            for key, result in zip(wanted, fetched, strict=True):
                if result is None:
                    raise RegistryError(
                        f"a referenced schema is missing from the registry: {key[0]} "
                        f"version {key[1]}",
                        self._http.label,
                        hint="the registry's references are inconsistent; re-register the "
                        "referenced version or fix the referencing schema",
                    )
            pending = [r for r in fetched if r is not None and r.references]

    def _with_resolved(self, schema: RegisteredSchema) -> RegisteredSchema:
        if not schema.references:
            return schema
        texts: dict[str, str] = {}
        seen: set[tuple[str, int]] = set()
        # depth first, each reference after those it references: iterative, as a chain of
        # references may be longer than Python's recursion allows
        stack: list[tuple[Reference, bool]] = [(ref, False) for ref in reversed(schema.references)]
        while stack:
            ref, expanded = stack.pop()
            key = (self._unqualify(ref.subject), ref.version)
            with self._lock:
                target = self._versions[key]
            if expanded:
                texts.setdefault(ref.name, target.text)
                continue
            if key in seen:
                continue
            seen.add(key)
            stack.append((ref, True))
            stack.extend((inner, False) for inner in reversed(target.references))
        return replace(schema, resolved_references=tuple(texts.items()))

    # -- the source interface ----------------------------------------------------------

    def view(self, subjects: Collection[str] | None = None) -> RegistryState:
        return self.load(subjects)

    def load(self, subjects: Collection[str] | None = None) -> RegistryState:
        """Every live version and the levels of `subjects` (None: every subject)."""
        self._check_context()
        global_level = self.global_compatibility()
        wanted = None if subjects is None else sorted(set(subjects))
        by_subject: dict[str, list[RegisteredSchema]] = {}
        use_bulk = wanted is None or len(wanted) > BULK_FOR_MORE_THAN
        bulk = self._bulk() if use_bulk else None
        if bulk is not None:
            for registered in bulk:
                by_subject.setdefault(registered.subject, []).append(registered)
            if wanted is not None:
                by_subject = {name: by_subject[name] for name in wanted if name in by_subject}
        else:
            names = wanted if wanted is not None else self._subject_names()
            numbers = self._map(self._version_numbers, names)
            keys = [
                (name, number)
                for name, found in zip(names, numbers, strict=True)
                if found
                for number in found
            ]
            for result in self._map(self._fetch_version, keys):
                if result is not None:  # deleted between listing and fetching
                    by_subject.setdefault(result.subject, []).append(result)
        present = sorted(by_subject)
        levels = self._map(self.effective_compatibility, present)
        self._resolve(v for versions in by_subject.values() for v in versions)
        states = []
        for name, level in zip(present, levels, strict=True):
            versions = sorted(by_subject[name], key=lambda v: v.version)
            states.append(
                SubjectState(
                    subject=name,
                    versions=tuple(self._with_resolved(v) for v in versions),
                    compatibility=None if level is global_level else level,
                    effective=level,
                )
            )
        return RegistryState(
            subjects=SubjectMap(states),
            global_compatibility=global_level,
            requests=self.requests,
            source_label=f"registry:{self._http.label}",
        )

    def schema_by_id(self, schema_id: int) -> RegisteredSchema | None:
        """The schema with `schema_id` (`GET /schemas/ids/{id}`), or None when unknown."""
        with self._lock:
            cached = self._ids.get(schema_id)
        if cached is not None:
            self._resolve([cached])
            return self._with_resolved(cached)
        path = f"/schemas/ids/{schema_id}"
        reply = self._get(path)
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise self._http.unexpected("GET", path, reply)
        subject, version = "", 0
        where = self._get(f"{path}/versions")
        if where.status == 200 and isinstance(where.data, list):
            for item in where.data:
                if isinstance(item, dict) and self._in_scope(str(item.get("subject", ""))):
                    try:
                        version = _integer(item.get("version", 0))
                    except ValueError:
                        raise self._http.malformed(
                            "GET", f"{path}/versions", "no numeric version"
                        ) from None
                    subject = self._unqualify(str(item["subject"]))
                    break
        data = dict(reply.data) if isinstance(reply.data, dict) else reply.data
        if isinstance(data, dict):
            data.setdefault("id", schema_id)
        registered = self._registered(subject, data, "GET", path, version)
        with self._lock:
            self._ids.setdefault(schema_id, registered)
        self._resolve([registered])
        return self._with_resolved(registered)

    # -- the registry's own verdict ----------------------------------------------------

    def check_compatibility(
        self,
        subject: str,
        schema_text: str,
        schema_type: SchemaType,
        references: Sequence[Reference] = (),
    ) -> list[RegistryVerdict]:
        """Ask the registry whether `schema_text` may be registered under `subject`.

        Uses `POST /compatibility/subjects/{s}/versions` (every version the level selects);
        where the server lacks it, `/versions/latest`, or each version for a transitive level.
        An empty list means the subject has no versions: nothing to be compatible with.
        """
        body: dict[str, JSON] = {"schema": schema_text}
        from gate.formats import REGISTRY_DEFAULT_TYPE

        if schema_type is not REGISTRY_DEFAULT_TYPE:
            body["schemaType"] = schema_type.value
        if references:
            body["references"] = [
                {"name": r.name, "subject": self._qualify(r.subject), "version": r.version}
                for r in references
            ]
        base = f"/compatibility/subjects/{_segment(self._qualify(subject))}/versions"
        reply = self._post_verbose(base, body)
        if reply.status == 200:
            return [self._verdict(None, reply, base)]
        if reply.status not in (404, 405):
            return [self._refused(reply, base)]
        level = self.effective_compatibility(subject)
        if not level.transitive:
            reply = self._post_verbose(f"{base}/latest", body)
            if reply.status == 404:
                return []
            if reply.status != 200:
                return [self._refused(reply, f"{base}/latest")]
            return [self._verdict(None, reply, f"{base}/latest")]
        numbers = self._version_numbers(subject) or []

        def one(number: int) -> RegistryVerdict:
            path = f"{base}/{number}"
            answer = self._post_verbose(path, body)
            if answer.status != 200:
                return self._refused(answer, path, number)
            return self._verdict(number, answer, path)

        return self._map(one, numbers)

    def _post_verbose(self, path: str, body: JSON) -> _Reply:
        reply = self._http.request("POST", path, {"verbose": "true"}, body)
        if reply.status in (400, 422):
            # some servers reject the verbose flag; the plain request tells them apart
            plain = self._http.request("POST", path, None, body)
            if plain.status == 200 or plain.status != reply.status:
                return plain
        return reply

    def _verdict(self, version: int | None, reply: _Reply, path: str) -> RegistryVerdict:
        data = reply.data
        if not isinstance(data, dict) or not isinstance(data.get("is_compatible"), bool):
            raise self._http.malformed("POST", path, "no is_compatible in the answer")
        messages = data.get("messages") or []
        if not isinstance(messages, list):
            messages = [messages]
        return RegistryVerdict(
            version=version,
            is_compatible=bool(data["is_compatible"]),
            # the registry's words enter reports: a server or proxy may echo the request's
            # credentials in them
            messages=tuple(
                self.settings.redact(m if isinstance(m, str) else json.dumps(m)) for m in messages
            ),
        )

    def _refused(self, reply: _Reply, path: str, version: int | None = None) -> RegistryVerdict:
        if reply.status == 422:
            # the registry rejects the schema itself: for the gate that is a verdict, not a fault
            message = self.settings.redact(
                reply.message or "the registry rejected the schema as invalid"
            )
            return RegistryVerdict(version, False, (f"registry rejected the schema: {message}",))
        raise self._http.unexpected("POST", path, reply)
