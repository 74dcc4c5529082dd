"""SageMaker Experiments naming rules, checked before any call so a bad name fails with its field."""

from __future__ import annotations

import re

from experiment_tools.errors import UsageError

# Experiments, trials and trial components share this rule; names are unique per account and region.
ENTITY_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}")
# Keys of a trial component's artifacts and parameters (the API's TrialComponentKey128 and Key320).
ARTIFACT_NAME_MAX = 128
PARAMETER_NAME_MAX = 320
METRIC_NAME = re.compile(r".{1,255}")


def entity_name(field: str, value: str) -> str:
    if not ENTITY_NAME.fullmatch(value):
        raise UsageError(
            f"{field}: {value!r} is not a valid name (1-120 letters, digits and hyphens, "
            "starting and ending with a letter or digit)"
        )
    return value


def artifact_name(field: str, value: str) -> str:
    if not value or len(value) > ARTIFACT_NAME_MAX:
        raise UsageError(f"{field}: artifact name {value!r} must be 1-{ARTIFACT_NAME_MAX} characters")
    return value


def parameter_name(field: str, value: str) -> str:
    if not value or len(value) > PARAMETER_NAME_MAX:
        raise UsageError(f"{field}: parameter name {value!r} must be 1-{PARAMETER_NAME_MAX} characters")
    return value


def metric_name(field: str, value: str) -> str:
    if not METRIC_NAME.fullmatch(value):
        raise UsageError(f"{field}: metric name {value!r} must be 1-255 characters on one line")
    return value
