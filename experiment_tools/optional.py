"""Optional dependencies (extras): a one-line error naming the extra when one is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from experiment_tools.errors import UsageError

DISTRIBUTION = "sagemaker-experiment-platform"


def require(module: str, feature: str, extra: str) -> ModuleType:
    """Import module, or fail with what to install: pandas and matplotlib are not runtime dependencies."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise UsageError(
            f"{feature} needs {module.split('.')[0]}, which is not installed: pip install '{DISTRIBUTION}[{extra}]'"
        ) from error
