"""Helpers shared by tests and benchmarks: real servers on 127.0.0.1, never mocks of gate.

gitrepo: git repositories and the pinned environment; runner: `gate` in-process; watched: `gate`
watched for files and connections (in-process or as a child); avro_shapes: Avro builders and
generators; registry_server: a fake schema registry; reports and integrations: example
repositories; action_harness: composite GitHub Actions run locally; paths: the repository's data.
"""
