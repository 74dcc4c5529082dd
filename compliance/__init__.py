"""Compliance at synth: three packs, the Guard rules, the wildcard gate, and the exit gate.

Constructs never import this package: they acknowledge findings through
`platform_constructs.acknowledge` and explain wildcards through `platform_constructs.explained`.
"""

from __future__ import annotations

from aws_cdk import Validations
from constructs import IConstruct

from compliance.guard import guard_plugin
from compliance.wildcards import WildcardGate


def attach_compliance_packs(app: IConstruct) -> None:
    """AwsSolutions, NIST 800-53 rev 5 and HIPAA Security, the wildcard gate and the Guard rules.
    Unacknowledged findings fail synthesis (see `compliance.gate` for how the exit code gets out)."""
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

    Validations.of(app).add_plugins(
        WildcardGate(app),
        guard_plugin(),
        AwsSolutionsChecks(app),
        NIST80053R5Checks(app),
        HIPAASecurityChecks(app),
    )
