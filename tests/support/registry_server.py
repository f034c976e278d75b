"""A fake Confluent-compatible schema registry: a real HTTP server on 127.0.0.1.

    with RegistryServer(profile="confluent", auth=("key", "secret")) as server:
        server.register("orders-value", '{"type": "string"}')
        ... server.url ...

It answers the Confluent Schema Registry REST API with Confluent's response shapes, error bodies
(`{"error_code": 40401, "message": ...}`) and status codes, and the documented differences of
Karapace, Redpanda and Apicurio's ccompat API through PROFILES. Faults can be injected (N times
503 or 429 with Retry-After then success, persistent 500, a body that is not JSON, a redirect to
another host, slow answers); every request is logged and counted, and the largest number of
requests in flight at once is recorded so tests can see concurrency.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# (reader text, writer text, schema type) -> why the reader cannot read the writer's data
CheckFunction = Callable[[str, str, str], list[str]]

LEVELS = (
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
)


@dataclass(frozen=True)
class Profile:
    """How one vendor's server differs from Confluent's; `quirks` documents each difference."""

    name: str
    base_path: str = ""
    contexts: str = "full"  # "full" | "default-only" | "none" (no /contexts endpoint)
    bulk_schemas: str = "paged"  # "paged" | "unpaged" (ignores offset/limit) | "none" (404)
    omit_avro_schema_type: bool = True
    omit_empty_references: bool = True
    compat_all_versions: bool = True  # serves POST /compatibility/subjects/{s}/versions
    default_to_global: bool = True  # honours GET /config/{s}?defaultToGlobal=true
    config_unset: str = "40408"  # "40408" | "40401" (both 404) | "NONE" (200, level NONE)
    global_default: str = "BACKWARD"  # GET /config when no global level was ever set
    not_found_body: str = "confluent"  # "confluent" | "fastapi" for routes that do not exist
    quirks: tuple[str, ...] = ()


PROFILES: dict[str, Profile] = {
    "confluent": Profile(
        "confluent",
        quirks=(
            "the reference: Confluent Platform / Cloud REST API",
            "schemaType is omitted for AVRO (its SchemaTypeConverter writes null for AVRO)",
            "GET /config/{s} without its own level: 404 error_code 40408, unless defaultToGlobal",
            "GET /schemas honours offset/limit (capped by page_limit when set)",
        ),
    ),
    "karapace": Profile(
        "karapace",
        contexts="none",
        bulk_schemas="unpaged",
        compat_all_versions=False,
        default_to_global=False,
        config_unset="40401",
        not_found_body="fastapi",
        quirks=(
            "no /contexts endpoint: 404",
            "GET /schemas takes deleted/latestOnly but ignores offset/limit: everything at once",
            "only POST /compatibility/subjects/{s}/versions/{v}; the all-versions form is 404",
            "GET /config/{s} ignores defaultToGlobal (releases before it was added) and answers "
            "404 error_code 40401 'Subject not found.' for a subject without its own level",
            'unknown routes answer FastAPI\'s {"detail": "Not Found"}',
        ),
    ),
    "redpanda": Profile(
        "redpanda",
        contexts="none",
        bulk_schemas="none",
        compat_all_versions=False,
        quirks=(
            "no GET /schemas listing: 404 (only /schemas/types and /schemas/ids/...)",
            "no /contexts endpoint: 404",
            "schemaType omitted for AVRO and references omitted when empty",
            "only POST /compatibility/subjects/{s}/versions/{v}; the all-versions form is 404",
        ),
    ),
    "apicurio": Profile(
        "apicurio",
        base_path="/apis/ccompat/v7",
        contexts="default-only",
        bulk_schemas="none",
        config_unset="NONE",
        global_default="NONE",
        quirks=(
            "served under /apis/ccompat/v7",
            "GET /contexts answers only the default context ['.']",
            "no GET /schemas listing: 404",
            "a level that is not set is a missing rule: GET /config and GET /config/{s} answer "
            '200 {"compatibilityLevel": "NONE"}, never 404 (defaultToGlobal=true falls back '
            "to the global rule)",
        ),
    ),
}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # below the profile's base path, percent-encoded as sent
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    segments: tuple[str, ...]  # path segments, decoded
    body: Any = None  # the JSON body, parsed (None when absent or not JSON)


@dataclass
class StoredVersion:
    subject: str
    version: int
    id: int
    schema_type: str
    text: str
    references: tuple[tuple[str, str, int], ...] = ()
    deleted: bool = False


@dataclass
class _Fault:
    # "status" | "non_json" | "redirect" | "drip" | "bomb" | "raw"
    kind: str
    times: int | None  # None: every matching request
    path: str | None = None
    method: str | None = None
    status: int = 503
    retry_after: str | None = None
    location: str | None = None
    body: bytes = b""  # "raw": the answer's body; "drip": the body sent a byte at a time
    interval: float = 1.0  # "drip": seconds between two bytes
    size: int = 0  # "bomb": the decompressed size

    def matches(self, method: str, path: str) -> bool:
        if self.times == 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path is None or path.startswith(self.path)


@dataclass
class _Slow:
    seconds: float
    path: str | None = None


def naive_avro_check(reader: str, writer: str, schema_type: str) -> list[str]:
    """A small stand-in for the registry's checker: record fields only, enough for verdicts.

    A field the reader has without a default and the writer lacks, or a field whose type
    changed, makes the reader unable to read the writer's data. Other schema types pass.
    """
    if schema_type != "AVRO":
        return []
    try:
        new, old = json.loads(reader), json.loads(writer)
    except ValueError:
        return []
    if not (isinstance(new, dict) and isinstance(old, dict)):
        return [] if new == old else ["TYPE_MISMATCH: the schemas are different types"]
    if new.get("type") != "record" or old.get("type") != "record":
        return []
    writer_fields = {f["name"]: f for f in old.get("fields", [])}
    messages: list[str] = []
    for reader_field in new.get("fields", []):
        name = reader_field["name"]
        if name not in writer_fields:
            if "default" not in reader_field:
                messages.append(f"READER_FIELD_MISSING_DEFAULT_VALUE: {name}")
        elif writer_fields[name].get("type") != reader_field.get("type"):
            messages.append(f"TYPE_MISMATCH: {name}")
    return messages


_PROTO_FIELD = re.compile(
    r"^\s*(?:optional\s+|repeated\s+|required\s+)?([\w.<>, ]+?)\s+\w+\s*=\s*(\d+)\s*[;\[]",
    re.MULTILINE,
)
_PROTO_GENERAL_NUMBER = frozenset({"int32", "int64", "uint32", "uint64", "bool"})


def naive_protobuf_check(reader: str, writer: str, schema_type: str) -> list[str]:
    """A small stand-in for the registry's Protobuf diff, enough for verdicts: a field number
    whose type changed, except between int32, int64, uint32, uint64 and bool, is incompatible.
    Other schema types are judged by `naive_avro_check`."""
    if schema_type != "PROTOBUF":
        return naive_avro_check(reader, writer, schema_type)
    new = {number: kind for kind, number in _PROTO_FIELD.findall(reader)}
    old = {number: kind for kind, number in _PROTO_FIELD.findall(writer)}
    return [
        f"FIELD_KIND_CHANGED: field {number} is {old[number]} then {new[number]}"
        for number in sorted(new.keys() & old.keys(), key=int)
        if new[number] != old[number] and not {new[number], old[number]} <= _PROTO_GENERAL_NUMBER
    ]


def _context_of(subject: str) -> str:
    if subject.startswith(":.") and subject.count(":") >= 2:
        return subject[1 : subject.index(":", 1)]
    return "."


class RegistryServer:
    """A Confluent-compatible registry on 127.0.0.1 (port 0), served from a background thread."""

    def __init__(
        self,
        profile: str = "confluent",
        auth: tuple[str, str] | None = None,
        token: str | None = None,
        check: CheckFunction | None = None,
        page_limit: int | None = None,
        tls: tuple[str, str] | None = None,
        client_ca: str | None = None,
    ) -> None:
        """`tls` is (certificate, key) in PEM to serve https; `client_ca` demands client
        certificates signed by that CA (mTLS)."""
        self.profile = PROFILES[profile]
        self.tls = tls
        self.client_ca = client_ca
        self.auth = auth
        self.token = token
        self.check: CheckFunction = check or naive_avro_check
        self.page_limit = page_limit
        self.reject_verbose = False
        self.endless_pages = False  # `GET /schemas` pages that never end
        self._lock = threading.RLock()
        self._versions: dict[str, list[StoredVersion]] = {}
        self._ids: dict[int, StoredVersion] = {}
        self._id_of: dict[tuple[str, str, tuple[tuple[str, str, int], ...]], int] = {}
        self._next_id = itertools.count(1)
        self._global: str | None = None
        self._levels: dict[str, str] = {}
        self._extra_contexts: set[str] = set()
        self._faults: list[_Fault] = []
        self._slow: list[_Slow] = []
        self._log: list[LoggedRequest] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> RegistryServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"registry": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        if self.tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            if self.client_ca is not None:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(self.client_ca)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "the server is not started"
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The registry's base URL, with the profile's path prefix."""
        return self.origin + self.profile.base_path

    # -- seeding -----------------------------------------------------------------------

    def register(
        self,
        subject: str,
        text: str,
        schema_type: str = "AVRO",
        references: tuple[tuple[str, str, int], ...] = (),
    ) -> StoredVersion:
        """Store a new version directly, without a compatibility check (test setup)."""
        with self._lock:
            key = (schema_type, text, tuple(references))
            schema_id = self._id_of.get(key)
            if schema_id is None:
                schema_id = next(self._next_id)
                self._id_of[key] = schema_id
            versions = self._versions.setdefault(subject, [])
            for existing in versions:
                if not existing.deleted and existing.id == schema_id:
                    return existing
            number = versions[-1].version + 1 if versions else 1
            stored = StoredVersion(subject, number, schema_id, schema_type, text, tuple(references))
            versions.append(stored)
            self._ids.setdefault(schema_id, stored)
            return stored

    def seed(
        self,
        subjects: int = 1000,
        versions: int = 10,
        name: Callable[[int], str] = lambda i: f"subject-{i:04d}-value",
        schema: Callable[[int, int], str] | None = None,
    ) -> None:
        """Bulk-load `subjects` x `versions` quickly (benchmarks): each version adds a field."""
        make = schema or _evolving_record
        with self._lock:
            for i in range(subjects):
                subject = name(i)
                for v in range(1, versions + 1):
                    self.register(subject, make(i, v))

    def set_compatibility(self, level: str | None, subject: str | None = None) -> None:
        """Set (or with None, remove) the global level or a subject's own level."""
        with self._lock:
            if subject is None:
                self._global = level
            elif level is None:
                self._levels.pop(subject, None)
            else:
                self._levels[subject] = level

    def delete_version(self, subject: str, version: int) -> None:
        """Soft-delete a version: it disappears from listings and fetches."""
        with self._lock:
            for stored in self._versions.get(subject, []):
                if stored.version == version:
                    stored.deleted = True

    def add_context(self, context: str) -> None:
        with self._lock:
            self._extra_contexts.add(context)

    # -- faults ------------------------------------------------------------------------

    def fail(
        self,
        status: int = 503,
        times: int | None = 1,
        retry_after: str | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer `status` to the next `times` matching requests (None: to every one)."""
        with self._lock:
            self._faults.append(
                _Fault("status", times, path, method, status=status, retry_after=retry_after)
            )

    def non_json(self, times: int | None = None, path: str | None = None) -> None:
        """Answer 200 with an HTML body."""
        with self._lock:
            self._faults.append(_Fault("non_json", times, path))

    def redirect(
        self, location: str, times: int | None = None, path: str | None = None, status: int = 307
    ) -> None:
        """Redirect matching requests to `location` + the same path and query."""
        with self._lock:
            self._faults.append(_Fault("redirect", times, path, status=status, location=location))

    def drip(
        self,
        path: str | None = None,
        interval: float = 1.0,
        times: int | None = None,
        body: bytes = b'{"error_code": 0, "message": "' + b"." * 4096 + b'"}',
    ) -> None:
        """Answer 200 with `body`, its headers at once, then one byte every `interval` seconds
        (each read comes in time, the whole never does)."""
        with self._lock:
            self._faults.append(_Fault("drip", times, path, body=body, interval=interval))

    def bomb(self, size: int, path: str | None = None, times: int | None = None) -> None:
        """Answer 200 with a gzip body of `size` zero bytes once decompressed (a gzip bomb:
        about a thousandth of that on the wire)."""
        import zlib

        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        block = b"\0" * (1024 * 1024)
        chunks = [packer.compress(block) for _ in range(size // len(block))]
        chunks += [packer.compress(b"\0" * (size % len(block))), packer.flush()]
        with self._lock:
            self._faults.append(_Fault("bomb", times, path, body=b"".join(chunks), size=size))

    def raw(
        self,
        body: bytes,
        path: str | None = None,
        status: int = 200,
        times: int | None = None,
        method: str | None = None,
    ) -> None:
        """Answer matching requests with `body` as it is (e.g. JSON the registry would never
        send: `Infinity`, a version that is text)."""
        with self._lock:
            self._faults.append(_Fault("raw", times, path, method, status=status, body=body))

    def slow(self, seconds: float, path: str | None = None) -> None:
        """Delay every matching request by `seconds` before answering."""
        with self._lock:
            self._slow.append(_Slow(seconds, path))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._slow.clear()

    # -- the request log ---------------------------------------------------------------

    @property
    def log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._log)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests logged, optionally only those of `method` whose path starts with `path`."""
        return sum(
            1
            for r in self.log
            if (method is None or r.method == method) and (path is None or r.path.startswith(path))
        )

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self.max_in_flight = 0

    # -- internals used by the handler -------------------------------------------------

    def _enter(self, logged: LoggedRequest) -> tuple[float, _Fault | None]:
        with self._lock:
            self._log.append(logged)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            delay = sum(
                s.seconds for s in self._slow if s.path is None or logged.path.startswith(s.path)
            )
            for fault in self._faults:
                if fault.matches(logged.method, logged.path):
                    if fault.times is not None:
                        fault.times -= 1
                    return delay, fault
            return delay, None

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _authorized(self, header: str | None) -> bool:
        if self.auth is None and self.token is None:
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and self.token is not None:
            return value == self.token
        if scheme.lower() == "basic" and self.auth is not None:
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return False
            return (user, password) == self.auth
        return False

    def _live(self, subject: str) -> list[StoredVersion]:
        return [v for v in self._versions.get(subject, []) if not v.deleted]

    def _subjects(self, prefix: str | None) -> list[str]:
        names = sorted(s for s in self._versions if self._live(s))
        if prefix == ":*:":
            return names
        if prefix:
            return [s for s in names if s.startswith(prefix)]
        return [s for s in names if _context_of(s) == "."]

    def _global_level(self) -> str:
        return self._global or self.profile.global_default

    def _effective(self, subject: str) -> str:
        return self._levels.get(subject) or self._global_level()

    def _judge(
        self, subject: str, text: str, schema_type: str, targets: list[StoredVersion]
    ) -> list[str]:
        level = self._effective(subject)
        if level == "NONE":
            return []
        messages: list[str] = []
        for old in targets:
            if old.schema_type != schema_type:
                messages.append(f"TYPE_MISMATCH: version {old.version} is {old.schema_type}")
                continue
            if level.startswith(("BACKWARD", "FULL")):
                messages += [
                    f"{m} (version {old.version})" for m in self.check(text, old.text, schema_type)
                ]
            if level.startswith(("FORWARD", "FULL")):
                messages += [
                    f"{m} (version {old.version})" for m in self.check(old.text, text, schema_type)
                ]
        return messages

    def _version_body(self, stored: StoredVersion, subject: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"subject": subject or stored.subject, "version": stored.version}
        body["id"] = stored.id
        body.update(self._schema_body(stored))
        return body

    def _schema_body(self, stored: StoredVersion) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if stored.schema_type != "AVRO" or not self.profile.omit_avro_schema_type:
            body["schemaType"] = stored.schema_type
        if stored.references or not self.profile.omit_empty_references:
            body["references"] = [
                {"name": n, "subject": s, "version": v} for n, s, v in stored.references
            ]
        body["schema"] = stored.text
        return body

    # -- routing -----------------------------------------------------------------------

    def route(
        self, method: str, segments: tuple[str, ...], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        with self._lock:
            return self._route(method, segments, query, body)

    def _not_found_route(self) -> tuple[int, Any]:
        if self.profile.not_found_body == "fastapi":
            return 404, {"detail": "Not Found"}
        return 404, {"error_code": 404, "message": "HTTP 404 Not Found"}

    def _route(
        self, method: str, seg: tuple[str, ...], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        n = len(seg)
        head = seg[0] if seg else ""
        if head == "subjects":
            if n == 1 and method == "GET":
                return 200, self._subjects(query.get("subjectPrefix"))
            if n == 3 and seg[2] == "versions" and method == "GET":
                live = self._live(seg[1])
                if not live:
                    return _subject_not_found(seg[1])
                return 200, [v.version for v in live]
            if n == 3 and seg[2] == "versions" and method == "POST":
                return self._register_request(seg[1], body)
            if n == 4 and seg[2] == "versions" and method == "GET":
                stored, error = self._find_version(seg[1], seg[3])
                return error if stored is None else (200, self._version_body(stored, seg[1]))
        if head == "schemas":
            if n == 1 and method == "GET":
                return self._list_schemas(query)
            if n >= 3 and seg[1] == "ids" and method == "GET":
                try:
                    stored = self._ids.get(int(seg[2]))
                except ValueError:
                    stored = None
                if stored is None:
                    return 404, {"error_code": 40403, "message": f"Schema {seg[2]} not found"}
                if n == 3:
                    return 200, self._schema_body(stored)
                if n == 4 and seg[3] == "versions":
                    return 200, [
                        {"subject": v.subject, "version": v.version}
                        for versions in self._versions.values()
                        for v in versions
                        if v.id == stored.id and not v.deleted
                    ]
        if head == "config":
            return self._config(method, seg, query, body)
        if head == "contexts" and n == 1 and method == "GET":
            if self.profile.contexts == "none":
                return self._not_found_route()
            if self.profile.contexts == "default-only":
                return 200, ["."]
            contexts = {"."} | self._extra_contexts | {_context_of(s) for s in self._versions}
            return 200, sorted(contexts)
        if head == "compatibility" and n >= 4 and seg[1] == "subjects" and seg[3] == "versions":
            if method != "POST":
                return 405, {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}
            if n == 4 and not self.profile.compat_all_versions:
                return self._not_found_route()
            return self._compatibility(seg[2], seg[4] if n == 5 else None, query, body)
        return self._not_found_route()

    def _find_version(
        self, subject: str, version: str
    ) -> tuple[StoredVersion | None, tuple[int, Any]]:
        live = self._live(subject)
        if not live:
            return None, _subject_not_found(subject)
        if version in ("latest", "-1"):
            return live[-1], (200, None)
        for stored in live:
            if str(stored.version) == version:
                return stored, (200, None)
        return None, (404, {"error_code": 40402, "message": f"Version {version} not found."})

    def _parse_schema_request(
        self, body: Any
    ) -> tuple[str, str, tuple[tuple[str, str, int], ...]] | tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            return 422, {"error_code": 42201, "message": "Invalid schema: no schema text"}
        schema_type = str(body.get("schemaType") or "AVRO")
        if schema_type in ("AVRO", "JSON"):
            try:
                json.loads(body["schema"])
            except ValueError:
                return 422, {"error_code": 42201, "message": "Invalid schema: not JSON"}
        refs = tuple(
            (str(r["name"]), str(r["subject"]), int(r["version"]))
            for r in body.get("references") or []
        )
        for _name, subject, version in refs:
            # as Confluent: a reference must name a live version (-1 being the latest)
            live = self._live(subject)
            if not any(v.version == version or version == -1 for v in live):
                return 422, {
                    "error_code": 42201,
                    "message": f'Invalid schema: No schema reference found for subject "{subject}" '
                    f"and version {version}",
                }
        return body["schema"], schema_type, refs

    def _register_request(self, subject: str, body: Any) -> tuple[int, Any]:
        parsed = self._parse_schema_request(body)
        if isinstance(parsed[0], int):
            return parsed  # type: ignore[return-value]
        text, schema_type, refs = parsed  # type: ignore[misc]
        live = self._live(subject)
        for stored in live:
            if stored.text == text and stored.schema_type == schema_type:
                return 200, {"id": stored.id}
        level = self._effective(subject)
        targets = live if level.endswith("_TRANSITIVE") else live[-1:]
        messages = self._judge(subject, text, schema_type, targets)
        if messages:
            return 409, {
                "error_code": 409,
                "message": "Schema being registered is incompatible with an earlier schema for "
                f'subject "{subject}", details: {messages}',
            }
        return 200, {"id": self.register(subject, text, schema_type, refs).id}

    def _list_schemas(self, query: dict[str, str]) -> tuple[int, Any]:
        if self.profile.bulk_schemas == "none":
            return self._not_found_route()
        include_deleted = query.get("deleted", "false").lower() == "true"
        latest_only = query.get("latestOnly", "false").lower() == "true"
        out: list[dict[str, Any]] = []
        for subject in self._subjects(query.get("subjectPrefix")):
            versions = self._versions[subject] if include_deleted else self._live(subject)
            if latest_only:
                versions = versions[-1:]
            out += [self._version_body(v) for v in versions]
        if self.endless_pages:
            # a broken server: every page is full of versions never seen before
            offset = max(0, int(query.get("offset", "0") or 0))
            return 200, [
                {
                    "subject": f"endless-{offset + i}",
                    "version": 1,
                    "id": offset + i + 1,
                    "schema": '"string"',
                }
                for i in range(self.page_limit or 1)
            ]
        if self.profile.bulk_schemas == "paged":
            offset = max(0, int(query.get("offset", "0") or 0))
            limit = int(query.get("limit", "-1") or -1)
            if self.page_limit is not None and (limit < 0 or limit > self.page_limit):
                limit = self.page_limit
            out = out[offset:] if limit < 0 else out[offset : offset + limit]
        return 200, out

    def _config(
        self, method: str, seg: tuple[str, ...], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        if len(seg) == 1:
            if method == "GET":
                return 200, {"compatibilityLevel": self._global_level()}
            if method == "PUT":
                level = body.get("compatibility") if isinstance(body, dict) else None
                if level not in LEVELS:
                    return 422, {"error_code": 42203, "message": "Invalid compatibility level"}
                self._global = level
                return 200, {"compatibility": level}
        if len(seg) == 2:
            subject = seg[1]
            if method == "GET":
                own = self._levels.get(subject)
                if own is not None:
                    return 200, {"compatibilityLevel": own}
                wants_global = query.get("defaultToGlobal", "false").lower() == "true"
                if wants_global and self.profile.default_to_global:
                    return 200, {"compatibilityLevel": self._global_level()}
                if self.profile.config_unset == "NONE":
                    return 200, {"compatibilityLevel": "NONE"}
                if self.profile.config_unset == "40401":
                    return 404, {"error_code": 40401, "message": "Subject not found."}
                return 404, {
                    "error_code": 40408,
                    "message": f"Subject '{subject}' does not have subject-level compatibility "
                    "configured",
                }
            if method == "PUT":
                level = body.get("compatibility") if isinstance(body, dict) else None
                if level not in LEVELS:
                    return 422, {"error_code": 42203, "message": "Invalid compatibility level"}
                self._levels[subject] = level
                return 200, {"compatibility": level}
            if method == "DELETE":
                previous = self._levels.pop(subject, None)
                return 200, {"compatibilityLevel": previous or self._global_level()}
        return self._not_found_route()

    def _compatibility(
        self, subject: str, version: str | None, query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        verbose = query.get("verbose", "false").lower() == "true"
        if "verbose" in query and self.reject_verbose:
            return 400, {"error_code": 400, "message": "Unrecognized query parameter: verbose"}
        parsed = self._parse_schema_request(body)
        if isinstance(parsed[0], int):
            return parsed  # type: ignore[return-value]
        text, schema_type, _refs = parsed  # type: ignore[misc]
        live = self._live(subject)
        if version is None:
            level = self._effective(subject)
            targets = live if level.endswith("_TRANSITIVE") else live[-1:]
        else:
            stored, error = self._find_version(subject, version)
            if stored is None:
                return error
            targets = [stored]
        messages = self._judge(subject, text, schema_type, targets)
        answer: dict[str, Any] = {"is_compatible": not messages}
        if verbose:
            answer["messages"] = messages
        return 200, answer


def _subject_not_found(subject: str) -> tuple[int, Any]:
    return 404, {"error_code": 40401, "message": f"Subject '{subject}' not found."}


def _evolving_record(i: int, version: int) -> str:
    fields = [{"name": "id", "type": "long"}]
    fields += [{"name": f"f{k}", "type": "string", "default": ""} for k in range(1, version)]
    return json.dumps(
        {"type": "record", "name": f"Record{i}", "namespace": "bench", "fields": fields}
    )


class _Handler(BaseHTTPRequestHandler):
    registry: RegistryServer
    protocol_version = "HTTP/1.1"
    timeout = 10
    # one buffered write per answer, sent at once: no small-packet delays on keep-alive
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        registry = self.registry
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        base = registry.profile.base_path
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        inside = not base or path == base or path.startswith(base + "/")
        route_path = path[len(base) :] if inside else path
        segments = tuple(unquote(s) for s in route_path.strip("/").split("/") if s)
        try:
            body = json.loads(raw_body) if raw_body else None
            body_ok = True
        except ValueError:
            body, body_ok = None, False
        logged = LoggedRequest(
            self.command,
            route_path,
            query,
            {k.lower(): v for k, v in self.headers.items()},
            segments,
            body,
        )
        delay, fault = registry._enter(logged)
        try:
            if delay:
                time.sleep(delay)
            if fault is not None and fault.kind == "status":
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(
                    fault.status,
                    {"error_code": fault.status * 100 + 1, "message": "injected fault"},
                    extra,
                )
                return
            if fault is not None and fault.kind == "drip":
                self._drip(fault.body, fault.interval)
                return
            if fault is not None and fault.kind == "bomb":
                self._send_bomb(fault.body)
                return
            if fault is not None and fault.kind == "raw":
                self._send_raw(fault.status, fault.body, "application/vnd.schemaregistry.v1+json")
                return
            if fault is not None and fault.kind == "redirect":
                target = (
                    (fault.location or "") + route_path + (f"?{parts.query}" if parts.query else "")
                )
                self._send(
                    fault.status,
                    {"error_code": fault.status, "message": "moved"},
                    {"Location": target},
                )
                return
            if not registry._authorized(self.headers.get("Authorization")):
                self._send(
                    401,
                    {"error_code": 401, "message": "Unauthorized"},
                    {"WWW-Authenticate": 'Basic realm="registry"'},
                )
                return
            if fault is not None and fault.kind == "non_json":
                self._send_raw(200, b"<html><body>Welcome to nginx!</body></html>", "text/html")
                return
            if not inside:
                self._send(*registry._not_found_route())
                return
            if not body_ok:
                self._send(400, {"error_code": 400, "message": "Unrecognized request body"})
                return
            status, payload = registry.route(self.command, segments, query, body)
            self._send(status, payload)
        finally:
            registry._leave()

    def _drip(self, body: bytes, interval: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        try:
            for index in range(len(body)):
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
                time.sleep(interval)
        except OSError:  # the client gave up: what the drip is for
            self.close_connection = True

    def _send_bomb(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        self._send_raw(status, data, "application/vnd.schemaregistry.v1+json", headers)

    def _send_raw(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve
