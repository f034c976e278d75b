"""Where the test data that ships with the repository lies.

Tests read only what is inside the repository, so the suite passes in any clone: the
conformance corpora in `tests/conformance/` and the reference schemas of the report formats in
`tests/schemas/` (each folder keeps its README and attribution notices).
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS = REPO_ROOT / "tests"
CONFORMANCE = TESTS / "conformance"
REPORT_SCHEMAS = TESTS / "schemas"
