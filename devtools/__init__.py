"""The logic behind the repository's scripts (cost report, benchmark, diagram, replacement guard,
synth summary, acknowledgments). Not shipped; `scripts/*.py` are thin command-line wrappers, and
the tests import this package, never `scripts/`."""
