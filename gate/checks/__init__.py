"""The checks of `gate check`, one module each; none opens a source, each reads what it is given."""
