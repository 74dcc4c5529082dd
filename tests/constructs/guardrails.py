"""The Sids of `TeamGuardrails` (platform_constructs/team_access.py), in order: one expectation
that the team-access tests and the team-role tests both check against."""

JOB_GUARDRAIL_SIDS = (
    "DenyJobsWithoutSubnets",
    "DenyJobsWithoutSecurityGroups",
    "DenyJobsInOtherSubnets",
    "DenyJobsInOtherSecurityGroups",
    "DenyJobsWithoutVolumeKey",
    "DenyJobsWithoutOutputKey",
    "DenyJobsWithOtherVolumeKeys",
    "DenyJobsWithOtherOutputKeys",
)
GUARDRAIL_SIDS = (*JOB_GUARDRAIL_SIDS, "DenyApproving", "DenyRegisteringOtherThanPending")
