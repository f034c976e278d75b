"""Payload simulation speed against a plain fastavro write+read loop, measured in the same run.

    python benchmarks/bench_simulate.py [--rounds N]

A ~20-field record (primitives, optionals, an enum, an array, a map, a nested record, logical
types) and a reader that adds a field with a default. The baseline writes each payload with
`fastavro.schemaless_writer` and reads it back with `schemaless_reader` (writer -> reader), over
exactly the payloads `simulate_pair` uses. Two ratios (simulation payloads/s over baseline):

- warm: `simulate_pair` called again for the same writer (as a run does for every reader,
  consumer and older version of a subject): parsed schemas and payloads come from the caches;
- cold: every cache emptied before each call, so parsing and payload generation are paid in full.

The target is a warm ratio of at least 0.5.
"""

from __future__ import annotations

import argparse
import io
import time
from typing import Any

from gate.formats.avro import payloads
from gate.model import SchemaType
from gate.simulate import simulate_pair

WRITER: dict[str, Any] = {
    "type": "record",
    "name": "Order",
    "namespace": "bench.shop",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "customer", "type": "string"},
        {"name": "email", "type": ["null", "string"], "default": None},
        {"name": "quantity", "type": "int"},
        {"name": "price", "type": "double"},
        {"name": "discount", "type": "float"},
        {"name": "paid", "type": "boolean"},
        {
            "name": "status",
            "type": {
                "type": "enum",
                "name": "Status",
                "symbols": ["NEW", "PAID", "SHIPPED", "CANCELLED"],
            },
        },
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attributes", "type": {"type": "map", "values": "string"}},
        {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {
            "name": "amount",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2},
        },
        {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "checksum", "type": {"type": "fixed", "name": "Md5", "size": 16}},
        {"name": "payload", "type": "bytes"},
        {
            "name": "address",
            "type": {
                "type": "record",
                "name": "Address",
                "fields": [
                    {"name": "street", "type": "string"},
                    {"name": "city", "type": "string"},
                    {"name": "zip", "type": ["null", "string"], "default": None},
                ],
            },
        },
        {"name": "note", "type": ["null", "string", "long"], "default": None},
        {"name": "priority", "type": ["null", "Status"], "default": None},
        {"name": "version", "type": "int"},
    ],
}
READER: dict[str, Any] = {
    **WRITER,
    "fields": [
        *WRITER["fields"],
        {"name": "channel", "type": "string", "default": "web"},
    ],
}


def _simulate(rounds: int, cold: bool) -> tuple[float, int]:
    count = 0
    elapsed = 0.0
    for _ in range(rounds):
        if cold:
            payloads.clear_caches()
        start = time.perf_counter()
        outcome = simulate_pair(
            SchemaType.AVRO, WRITER, READER, writer_label="v1", reader_label="v2"
        )
        elapsed += time.perf_counter() - start
        assert not outcome.failures, outcome.failures
        count += outcome.payload_count
    return elapsed, count


def _baseline(rounds: int) -> tuple[float, int]:
    from fastavro import parse_schema, schemaless_reader, schemaless_writer

    writer = parse_schema(WRITER)
    reader = parse_schema(READER)
    values = payloads.generate(WRITER)
    count = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for value in values:
            buffer = io.BytesIO()
            schemaless_writer(buffer, writer, value)
            schemaless_reader(io.BytesIO(buffer.getvalue()), writer, reader)
            count += 1
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    _simulate(5, cold=False)  # warm up imports and caches
    base_seconds, base_count = _baseline(args.rounds)
    warm_seconds, warm_count = _simulate(args.rounds, cold=False)
    cold_seconds, cold_count = _simulate(max(1, args.rounds // 4), cold=True)
    base = base_count / base_seconds
    warm = warm_count / warm_seconds
    cold = cold_count / cold_seconds
    print(f"payloads per simulation:   {warm_count // args.rounds}")
    print(f"fastavro write+read loop:  {base:12,.0f} payloads/s")
    print(f"simulate_pair (warm):      {warm:12,.0f} payloads/s   ratio {warm / base:.2f}")
    print(f"simulate_pair (cold):      {cold:12,.0f} payloads/s   ratio {cold / base:.2f}")


if __name__ == "__main__":
    main()
