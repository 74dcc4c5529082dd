"""CloudFormation Guard rules for what no compliance pack checks, run at synth."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import (
    CloudFormationValidatePlugin,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    ValidationRuleSource,
)

from compliance.guard_sidecar import GUARD_RULES, RULE_SOURCE, GuardSidecar, SidecarError


def guard_plugin() -> CloudFormationValidatePlugin:
    """The platform's Guard rules plus CloudFormation Validate's default rules, in the app's
    jsii kernel. Violations fail synthesis: cdk.json sets @aws-cdk/core:validateAgainstDefaultRules."""
    return CloudFormationValidatePlugin(
        guard_rules=[ValidationRuleSource(name=RULE_SOURCE, content=GUARD_RULES.read_text())],
        include_default_rules=True,
    )


def stack_templates(context: IPolicyValidationContext) -> list[dict[str, Any]]:
    return [
        {
            "stackConstructPath": stack.stack_construct_path,
            "templatePath": stack.template_path,
            "accountId": stack.account_id,
            "region": stack.region,
        }
        for stack in context.stack_templates
    ]


@jsii.implements(IPolicyValidationPlugin)
class SidecarGuardPlugin:
    """`guard_plugin()`'s rules and report, computed by a `GuardSidecar`. Named like the plugin
    it stands for, so CDK treats its findings the same way. The app must be created without the
    built-in validation, which would otherwise run the default rules a second time in process.

    If the sidecar fails at any point, this plugin says so in one line on stderr and validates in
    process with `fallback()` instead: a slower synth, never a missing check. No method raises,
    because CDK reads `version` again while it reports a plugin's failure."""

    def __init__(self, sidecar: GuardSidecar, fallback: Callable[[], IPolicyValidationPlugin] = guard_plugin) -> None:
        self._sidecar = sidecar
        self._make_fallback = fallback
        self._fallback: IPolicyValidationPlugin | None = None

    @property
    def name(self) -> str:
        return "CloudFormation Validate"

    @property
    def version(self) -> str | None:
        if self._fallback is None:
            try:
                return self._sidecar.version
            except SidecarError as error:
                self._in_process(error)
        return self._in_process().version

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def announce(self, context: IPolicyValidationContext) -> None:
        """Send the templates as soon as they are written, so that validation runs while the
        plugins before this one do."""
        if self._fallback is None:
            try:
                self._sidecar.request(stack_templates(context))
            except SidecarError as error:
                self._in_process(error)

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        self.announce(context)
        if self._fallback is None:
            try:
                report = self._sidecar.report()
                return PolicyValidationPluginReport(
                    success=report["success"], violations=[_violation(v) for v in report["violations"]]
                )
            except SidecarError as error:
                self._in_process(error)
            except (KeyError, TypeError) as error:
                self._in_process(SidecarError(f"the Guard sidecar's report lacks {error}"))
        return self._in_process().validate(context)

    def _in_process(self, error: SidecarError | None = None) -> IPolicyValidationPlugin:
        if self._fallback is None:
            print(f"warning: {error}; the Guard rules run in this process instead", file=sys.stderr)
            self._sidecar.close()
            self._fallback = self._make_fallback()
        return self._fallback


def _violation(found: dict[str, Any]) -> PolicyViolation:
    return PolicyViolation(
        rule_name=found["ruleName"],
        description=found["description"],
        severity=found.get("severity"),
        fix=found.get("fix"),
        rule_metadata=found.get("ruleMetadata"),
        violating_resources=[
            PolicyViolatingResource(
                locations=resource["locations"],
                construct_path=resource.get("constructPath"),
                resource_logical_id=resource.get("resourceLogicalId"),
                template_path=resource.get("templatePath"),
            )
            for resource in found["violatingResources"]
        ],
    )
