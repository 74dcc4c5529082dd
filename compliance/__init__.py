"""Compliance at synth: three packs, the Guard rules, the wildcard gate, and the exit gate.

Constructs never import this package: they acknowledge findings through
`platform_constructs.acknowledge` and explain wildcards through `platform_constructs.explained`.
Importing the package itself loads nothing from aws_cdk, so that app.py can start the Guard
sidecar (`compliance.guard_sidecar`) before the jsii kernel starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_cdk import CloudFormationValidatePlugin
    from constructs import IConstruct

    from compliance.guard_sidecar import GuardSidecar


def attach_compliance_packs(
    app: IConstruct, sidecar: GuardSidecar | None = None, guard: CloudFormationValidatePlugin | None = None
) -> None:
    """The wildcard gate, AwsSolutions, NIST 800-53 rev 5 and HIPAA Security, and the Guard rules:
    in `sidecar` when given (the app must then be built without the built-in validation), else
    `guard` (a `guard_plugin()` to share between apps of one process), else a new plugin.
    Unacknowledged findings fail synthesis (see `compliance.gate` for how the exit code gets out).
    The wildcard gate runs first: the packs read the acknowledgments it writes."""
    from aws_cdk import IPolicyValidationPlugin, Validations
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

    from compliance.guard import SidecarGuardPlugin, guard_plugin
    from compliance.wildcards import WildcardGate

    rules: IPolicyValidationPlugin
    if sidecar is None:
        rules, gate = guard or guard_plugin(), WildcardGate(app)
    else:
        rules = remote = SidecarGuardPlugin(sidecar)
        gate = WildcardGate(app, before=remote.announce)
    Validations.of(app).add_plugins(
        gate, AwsSolutionsChecks(app), NIST80053R5Checks(app), HIPAASecurityChecks(app), rules
    )
