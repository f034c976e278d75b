"""Where schemas come from: git revisions, the index, the work tree, a registry, a snapshot.

Every source returns plain values (paths, bytes, frozen dataclasses) and reports failures as
`gate.errors.SourceError` subclasses; none of them prints, and none of them changes the work tree.
"""
