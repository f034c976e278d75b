"""Fixtures of the hardening tests: the real `gate` command, watched while it runs
(tests/support/watched.py), in-process or in a child process."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.watched import (
    ORDERS,
    GateRunner,
    SubprocessRunner,
    is_loopback,
    process_runner,
    watched_runner,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail any connection to an address that is not the loopback; returns the refused ones."""
    refused: list[str] = []
    connect = socket.socket.connect
    create_connection = socket.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not is_loopback(address):
            refused.append(repr(address))
            raise AssertionError(f"gate tried to connect to {address!r}")
        return connect(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not is_loopback(address):
            refused.append(repr(address))
            raise AssertionError(f"gate tried to connect to {address!r}")
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    return refused


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, no_network: list[str]) -> GateRunner:
    """Run the real `gate` in-process, in `cwd`, with extra environment variables."""
    return watched_runner(monkeypatch, no_network)


@pytest.fixture
def gate_process(tmp_path: Path) -> SubprocessRunner:
    """Run `gate` in a child Python, killed after `timeout` seconds (a hang fails the test)."""
    return process_runner(tmp_path)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the repository, holding a canary that no run may read."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "canary.avsc").write_text(
        '{"type": "string", "doc": "OUTSIDE-CANARY-7f3a"}\n', encoding="utf-8"
    )
    (directory / "canary.jsonl").write_text('{"canary": "OUTSIDE-CANARY-7f3a"}\n')
    return directory


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[RepoBuilder]:
    """A repository with one committed Avro schema, `schemas/orders.avsc`."""
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("base", {"schemas/orders.avsc": ORDERS})
    return builder
