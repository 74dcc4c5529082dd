"""Experiment tooling for the people who run experiments on the platform.

Track runs with the lineage a reproducible result needs, compare them, trace a run or a
registered model back to its code, data, parameters and environment, clean up, and smoke-check
a deployed environment-region. The command line is `python -m experiment_tools` (or the
`experiment-tools` console script); training code uses `track_run` as a context manager.
"""

from experiment_tools.clients import AwsClients
from experiment_tools.errors import ToolError
from experiment_tools.tracking import RunTracker, track_run

__all__ = ["AwsClients", "RunTracker", "ToolError", "track_run"]
