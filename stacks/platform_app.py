"""The CDK App every entry point builds: app.py, the tests and the benchmarks."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

# Settings that keep the cloud assembly byte-identical between runs. Creation stack traces hold
# jsii's temporary paths. Applied after the CLI's context (they are reserved `aws:` keys that the
# CLI warns about in cdk.json).
DETERMINISTIC_CONTEXT = {
    "aws:cdk:disable-creation-stack-traces": True,
    "aws:cdk:disable-stack-trace": True,
}


def new_platform_app(**props: Any) -> cdk.App:
    """Version reporting off: it adds a metadata resource per stack carrying library versions."""
    return cdk.App(analytics_reporting=False, post_cli_context=DETERMINISTIC_CONTEXT, **props)
