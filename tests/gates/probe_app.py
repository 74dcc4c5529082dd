"""A small app under the platform's gates, for tests/gates/test_gates.py to run through the pinned
CDK CLI (`cdk synth --app "python -m tests.gates.probe_app"`): the platform key, the access-logs
bucket and one SecureBucket, in one stage.

With PROBE_BROKEN=1, SecureBucket is built as if someone had dropped `enforce_ssl` from the
bucket baseline: the regression three packs find. Without it the probe is clean, so the same
commands must pass.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import aws_cdk as cdk
from aws_cdk import Duration

import platform_constructs.secure_bucket
from compliance import attach_compliance_packs
from compliance.gate import fail_on_findings
from platform_constructs.access_logs_bucket import AccessLogsBucket
from platform_constructs.bucket_baseline import baseline_props
from platform_constructs.platform_key import PlatformKey
from platform_constructs.secure_bucket import SecureBucket
from platform_constructs.stateful import Retention
from stacks.platform_app import new_platform_app

STAGE = "probe-us-east-1"


def _without_ssl(retention: Retention) -> dict[str, Any]:
    return {**baseline_props(retention), "enforce_ssl": False, "minimum_tls_version": None}


def main() -> int:
    if os.environ.get("PROBE_BROKEN") == "1":
        platform_constructs.secure_bucket.baseline_props = _without_ssl  # type: ignore[attr-defined]
    app = new_platform_app()
    stage = cdk.Stage(app, STAGE, env=cdk.Environment(account="111122223333", region="us-east-1"))
    stack = cdk.Stack(stage, "Data")
    retain = Retention(retain=True)
    key = PlatformKey(stack, "Key", alias="alias/probe", retention=retain).key
    logs = AccessLogsBucket(stack, "AccessLogs", retention=retain, expiration=Duration.days(30)).bucket
    SecureBucket(
        stack,
        "Datasets",
        encryption_key=key,
        access_logs=logs,
        retention=retain,
        noncurrent_transition=Duration.days(30),
    )
    attach_compliance_packs(app)
    app.synth()
    return fail_on_findings(app.outdir, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
