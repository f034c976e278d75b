"""Protobuf simulation honours the simulation settings: `random` messages of each writer message
beyond the coverage set, drawn from `seed` (the same seed, the same messages)."""

from __future__ import annotations

import random
from typing import Any

from gate.formats import CheckOptions, get_format
from gate.formats.protobuf import payloads
from gate.model import Origin, OriginKind, Schema, SchemaType

FMT = get_format(SchemaType.PROTOBUF)
ORDER = """syntax = "proto3";
package shop;

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_PAID = 1;
  STATUS_SHIPPED = 2;
}

message Line {
  string sku = 1;
  uint32 quantity = 2;
}

message Order {
  int64 id = 1;
  bytes note = 2;
  repeated Line lines = 3;
  map<string, sint32> counts = 4;
  Status status = 5;
  oneof payment {
    string card = 6;
    double cash = 7;
  }
  optional bool gift = 8;
}
"""
# reads `note` as a string: bytes that are not UTF-8 fail to parse
READER = ORDER.replace("bytes note", "string note")


def _parse(text: str) -> Any:
    return FMT.parse(Schema(SchemaType.PROTOBUF, text, Origin(OriginKind.REGISTRY)), CheckOptions())


def _drawn(seed: int, count: int = 10) -> list[bytes]:
    schema = _parse(ORDER)
    rng = random.Random(seed)
    return [
        p.message.SerializeToString(deterministic=True)
        for p in payloads.generate_random(schema, "shop.Order", rng, count)
    ]


def test_one_seed_gives_the_same_messages_and_two_seeds_other_ones() -> None:
    assert _drawn(1) == _drawn(1)
    assert _drawn(1) != _drawn(2)
    # the messages differ from one another, and between them set every field
    drawn = _drawn(3, 40)
    assert len(set(drawn)) > 30
    schema = _parse(ORDER)
    message = payloads.message_class(schema, "shop.Order")
    seen = set()
    for body in drawn:
        seen |= {field.name for field, _ in message.FromString(body).ListFields()}
    assert seen == {f.name for f in message.DESCRIPTOR.fields}


def _outcome(seed: int, random_count: int) -> Any:
    simulator = FMT.simulator()
    assert simulator is not None
    return simulator.simulate(
        _parse(ORDER),
        _parse(READER),
        writer_label="old",
        reader_label="new",
        schema_id=7,
        seed=seed,
        random_count=random_count,
    )


def test_the_simulation_reads_the_random_messages_of_every_writer_message() -> None:
    coverage = _outcome(0, 0)
    with_random = _outcome(0, 25)
    # 25 random messages of each of the two messages a producer may write
    assert with_random.payload_count == coverage.payload_count + 2 * 25
    # random notes that are not UTF-8 fail as the coverage set's do; how many depends on the seed
    (failure,) = coverage.failures
    (again,) = with_random.failures
    assert again.error == failure.error
    assert again.payloads > failure.payloads
    counts = {_outcome(seed, 25).failures[0].payloads for seed in range(6)}
    assert len(counts) > 1
    assert _outcome(4, 25).failures == _outcome(4, 25).failures
