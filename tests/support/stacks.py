"""Small apps built in process, for the construct tier: one construct in one stack, asserted with
`Template.from_stack`, or synthesized with the compliance packs to see what they find."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from compliance import attach_compliance_packs
from compliance.gate import Finding, unacknowledged
from platform_constructs.explained import forget
from stacks.platform_app import new_platform_app, project_context

ACCOUNT = "111122223333"
REGION = "us-east-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)


def new_app(*, outdir: str | None = None) -> cdk.App:
    """A fresh app with the project's context (feature flags, committed lookups), writing to a
    temporary folder unless the test gives one (never the repository's cdk.out)."""
    return new_platform_app(outdir=outdir or tempfile.mkdtemp(prefix="cdk-probe-"), context=project_context())


def new_stack(stack_id: str = "Probe", *, outdir: str | None = None) -> cdk.Stack:
    """A stack in a fresh app (`new_app`)."""
    return cdk.Stack(new_app(outdir=outdir), stack_id, env=ENV)


def template(stack: cdk.Stack) -> Template:
    result = Template.from_stack(stack)
    forget(stack.node.root)
    return result


def bounded(stack: cdk.Stack) -> None:
    """Give every role of `stack` a permissions boundary, as the platform's stages do, so that a
    probe about something else does not also trip the boundary rule."""
    iam.PermissionsBoundary.of(stack).apply(iam.ManagedPolicy.from_managed_policy_name(stack, "Boundary", "probe"))


def probe_findings(outdir: Path, probes: Mapping[str, Callable[[cdk.Stack], object]]) -> dict[str, list[Finding]]:
    """One app, one stack per probe (built by its function, roles bounded), the packs attached,
    synthesized once into `outdir`: the findings nobody acknowledged, by probe name. Synthesis
    with the packs has a large fixed cost, so a test module probes everything in one app."""
    app = new_platform_app(outdir=str(outdir), context=project_context())
    for name, build in probes.items():
        stack = cdk.Stack(app, name, env=ENV)
        build(stack)
        bounded(stack)
    attach_compliance_packs(app)
    app.synth()
    forget(app)
    found: dict[str, list[Finding]] = {name: [] for name in probes}
    for finding in unacknowledged(outdir):
        found[finding.construct.split("/")[0]].append(finding)
    return found
