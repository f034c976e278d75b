"""gate: a pre-deploy contract and schema-drift gate for schema registries."""

__version__ = "0.1.0"
