"""`gate check` of N Avro subjects that use schema references, against the same without them.

Each of N order subjects (one `files:` rule) uses two named types defined in other files: a
`Customer` record (referenced by subject at `latest`; it references an `Address` record in turn)
and a `Money` record (referenced by file). The floor is the same repository with those types
written inline in every order schema and gate.yaml declaring no references: the same schemas
after resolution, parsed and compared the same way. Two figures, each the real command in a
subprocess:

- every order schema changed in the work tree (a field added with a default);
- only the shared referenced files changed (a field added to Address, Customer and Money), so
  every order subject is judged again because of its references; in the floor the same change
  is written into every order file.

Usage: python benchmarks/bench_references.py [--subjects 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import Figure, best_of, fast_import, git, make_repository, print_table, run_gate

MONEY = "com.shop.Money"
CUSTOMER = "com.shop.Customer"
ADDRESS = "com.shop.Address"


def _record(name: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "com.shop", "fields": fields}


def address(changed: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "street", "type": "string"},
        {"name": "city", "type": "string"},
        {
            "name": "country",
            "type": {
                "type": "enum",
                "name": "Country",
                "symbols": ["DE", "FR", "NL", "US"],
                "default": "US",
            },
        },
    ]
    if changed:
        fields.append({"name": "zip", "type": ["null", "string"], "default": None})
    return _record("Address", fields)


def customer(changed: bool, inline: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "id", "type": "string"},
        {"name": "name", "type": "string"},
        {"name": "billing", "type": address(changed) if inline else ADDRESS},
        {"name": "shipping", "type": ["null", ADDRESS], "default": None},
    ]
    if changed:
        fields.append({"name": "email", "type": ["null", "string"], "default": None})
    return _record("Customer", fields)


def money(changed: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "cents", "type": "long"},
        {"name": "currency", "type": "string"},
    ]
    if changed:
        fields.append({"name": "rate", "type": ["null", "double"], "default": None})
    return _record("Money", fields)


def order(i: int, inline: bool, changed_orders: bool, changed_shared: bool) -> dict[str, Any]:
    """Order i, naming the shared types, or (`inline`) defining them at their first use."""
    fields: list[dict[str, Any]] = [
        {"name": "id", "type": "string"},
        {"name": "customer", "type": customer(changed_shared, True) if inline else CUSTOMER},
        {"name": "total", "type": money(changed_shared) if inline else MONEY},
        {"name": "discount", "type": ["null", MONEY], "default": None},
    ]
    fields += [{"name": f"f{n}", "type": "string", "default": ""} for n in range(i % 20)]
    if changed_orders:
        fields.append({"name": "note", "type": ["null", "string"], "default": None})
    return _record(f"Order{i}", fields)


CONFIG = """version: 1
subjects:
  - subject: address-value
    file: common/Address.avsc
  - subject: customer-value
    file: common/Customer.avsc
    references:
      - {name: com.shop.Address, subject: address-value}
  - subject: money-value
    file: common/Money.avsc
  - files: "orders/*.avsc"
    subject: "{stem}-value"
"""
REFERENCES = """    references:
      - {name: com.shop.Customer, subject: customer-value}
      - {name: com.shop.Money, file: common/Money.avsc}
"""


def files(
    count: int, references: bool, changed_orders: bool, changed_shared: bool
) -> dict[str, str]:
    config = (
        CONFIG + REFERENCES
        if references
        else CONFIG.replace(
            "    references:\n      - {name: com.shop.Address, subject: address-value}\n", ""
        )
    )
    out = {
        "gate.yaml": config,
        "common/Address.avsc": json.dumps(address(changed_shared), indent=2),
        "common/Customer.avsc": json.dumps(customer(changed_shared, not references), indent=2),
        "common/Money.avsc": json.dumps(money(changed_shared), indent=2),
    }
    for i in range(count):
        out[f"orders/Order{i}.avsc"] = json.dumps(
            order(i, not references, changed_orders, changed_shared), indent=2
        )
    return out


def build(root: Path, count: int, references: bool) -> Path:
    repo = make_repository(root)
    fast_import(repo, [files(count, references, False, False)])
    git(repo, "checkout", "-q", "-f", "main")
    return repo


def write_tree(repo: Path, contents: dict[str, str]) -> None:
    for path, text in contents.items():
        target = repo / path
        if target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def measure(count: int, runs: int) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="gate-bench-refs-") as temporary:
        repos = {
            references: build(
                Path(temporary) / ("with" if references else "without"), count, references
            )
            for references in (True, False)
        }

        def check(repo: Path) -> None:
            done = run_gate(["check", "--offline", "--base", "HEAD", "--no-simulate", "-q"], repo)
            if done.returncode != 0:
                sys.exit(f"gate check failed ({done.returncode}):\n{done.stdout}{done.stderr}")

        for label, changed_orders, changed_shared in (
            ("every order changed", True, False),
            ("only referenced files changed", False, True),
        ):
            timings = {}
            for references, repo in repos.items():
                write_tree(repo, files(count, references, changed_orders, changed_shared))
                timings[references] = best_of(runs, lambda repo=repo: check(repo))
            figures.append(
                Figure(
                    f"check {count} subjects, {label}: references vs inline",
                    timings[True],
                    timings[False],
                    target=1.5,
                )
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_table(measure(args.subjects, args.runs))


if __name__ == "__main__":
    main()
