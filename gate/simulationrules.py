"""The simulation and sample rule ids, beside their rules."""

from __future__ import annotations

from gate.model import Category, Rule, Severity

SIMULATION_DECODE_FAILED = "SIMULATION_DECODE_FAILED"
SIMULATION_VALUE_LOST = "SIMULATION_VALUE_LOST"
SIMULATION_ENUM_DEFAULTED = "SIMULATION_ENUM_DEFAULTED"
SIMULATION_BREAKS_ACCEPTED_CHANGE = "SIMULATION_BREAKS_ACCEPTED_CHANGE"
SAMPLE_INVALID = "SAMPLE_INVALID"
SAMPLE_UNKNOWN_SCHEMA_ID = "SAMPLE_UNKNOWN_SCHEMA_ID"
SAMPLE_NOT_VALID_FOR_WRITER = "SAMPLE_NOT_VALID_FOR_WRITER"

SIMULATION_RULES: tuple[Rule, ...] = (
    Rule(
        SIMULATION_DECODE_FAILED,
        "A captured message cannot be decoded with the candidate schema.",
        Severity.ERROR,
        Category.SIMULATION,
    ),
    Rule(
        SIMULATION_BREAKS_ACCEPTED_CHANGE,
        "The registry accepts the change, but data it allows would still break: a payload "
        "written with the writer schema is rejected by the reader schema.",
        Severity.WARNING,
        Category.SIMULATION,
    ),
    Rule(
        SIMULATION_VALUE_LOST,
        "A payload decodes, but a writer field's value is dropped (the reader has no field for "
        "it) while a reader field takes its default: a likely rename without an alias.",
        Severity.WARNING,
        Category.SIMULATION,
    ),
    Rule(
        SIMULATION_ENUM_DEFAULTED,
        "A payload decodes, but an enum symbol the reader does not know is replaced by the "
        "reader's enum default.",
        Severity.WARNING,
        Category.SIMULATION,
    ),
    Rule(
        SAMPLE_INVALID,
        "A configured sample record cannot be read: invalid JSON, or a corrupt or truncated "
        "wire-format message.",
        Severity.ERROR,
        Category.SIMULATION,
    ),
    Rule(
        SAMPLE_UNKNOWN_SCHEMA_ID,
        "A captured wire-format sample names a schema id that is not in the registry or snapshot.",
        Severity.ERROR,
        Category.SIMULATION,
    ),
    Rule(
        SAMPLE_NOT_VALID_FOR_WRITER,
        "A configured sample is not valid under the writer schema, so it is no evidence.",
        Severity.ERROR,
        Category.SIMULATION,
    ),
)
