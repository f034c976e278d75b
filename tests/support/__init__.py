"""Helpers shared by tests and benchmarks: real servers on 127.0.0.1, never mocks of gate."""
