"""CloudFormation Guard rules for what no compliance pack checks, run at synth."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CloudFormationValidatePlugin, ValidationRuleSource

GUARD_RULES = Path(__file__).resolve().parents[1] / "policy" / "sagemaker.guard"


def guard_plugin() -> CloudFormationValidatePlugin:
    """The platform's Guard rules plus CloudFormation Validate's default rules. Violations fail
    synthesis: cdk.json sets @aws-cdk/core:validateAgainstDefaultRules."""
    return CloudFormationValidatePlugin(
        guard_rules=[ValidationRuleSource(name="platform-sagemaker", content=GUARD_RULES.read_text())],
        include_default_rules=True,
    )
