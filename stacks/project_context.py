"""The CDK context every synthesis of this project uses, read from the repository.

Nothing here imports aws_cdk: the tools that only read a cloud assembly (the summary, the cost
report, the replacement guard) use it without starting a jsii kernel.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Settings that keep the cloud assembly byte-identical between runs. Creation stack traces hold
# jsii's temporary paths. Applied after the CLI's context (they are reserved `aws:` keys that the
# CLI warns about in cdk.json).
DETERMINISTIC_CONTEXT = {
    "aws:cdk:disable-creation-stack-traces": True,
    "aws:cdk:disable-stack-trace": True,
}
# What the pinned CLI adds to cdk.json's context when it runs the app; `python app.py` on its own
# adds the same, so both write the same templates.
CLI_DEFAULTS = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "@aws-cdk/core:failSynthOnValidationErrors": False,
}


def project_context(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """cdk.json's context, the committed lookups (cdk.context.json), and what the CLI adds."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(json.loads((ROOT / "cdk.context.json").read_text()))
    context.update(CLI_DEFAULTS)
    context.update(extra or {})
    return context


def run_by_cli() -> bool:
    return "CDK_CONTEXT_JSON" in os.environ or "CONTEXT_OVERFLOW_LOCATION_ENV" in os.environ


def cli_context() -> dict[str, Any]:
    """The context the CDK CLI passed to the app, merged as `cdk.App` merges it, without building
    one: the CLI splits a large context between the environment and an overflow file."""
    context: dict[str, Any] = dict(json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}"))
    overflow = os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    if overflow:
        context.update(json.loads(Path(overflow).read_text()))
    return context
