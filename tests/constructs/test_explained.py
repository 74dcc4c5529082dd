"""Statements that carry their wildcard reasons, and the gate that fails synthesis without them."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from compliance.gate import Finding
from platform_constructs.explained import add_to_role, explained
from tests.constructs.packs import register
from tests.support.stacks import new_stack

REASON = "names are chosen at run time by the people who experiment"


def role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


def test_fails_if_a_wildcard_has_no_reason() -> None:
    with pytest.raises(ValueError, match=r"statement Jobs: wildcard 'arn:aws:sagemaker:\*' has no reason"):
        explained(sid="Jobs", actions=["sagemaker:DescribeTrainingJob"], resources=["arn:aws:sagemaker:*"])


def test_fails_if_a_reason_names_no_element_of_the_statement() -> None:
    with pytest.raises(ValueError, match=r"statement Jobs: why= names 'arn:aws:s3:::other/\*'"):
        explained(
            sid="Jobs",
            actions=["s3:GetObject"],
            resources=["arn:aws:s3:::bucket/*"],
            why={"arn:aws:s3:::bucket/*": REASON, "arn:aws:s3:::other/*": REASON},
        )


def test_fails_if_a_reason_is_too_short() -> None:
    with pytest.raises(ValueError, match=r"the reason for '\*' is too short"):
        explained(sid="List", actions=["sagemaker:ListApps"], resources=["*"], why={"*": "needed"})


def test_a_deny_needs_no_reason() -> None:
    statement = explained(sid="DenyAll", effect=iam.Effect.DENY, actions=["s3:*"], resources=["*"])
    assert statement.effect == iam.Effect.DENY


def _explained(stack: cdk.Stack) -> None:
    add_to_role(role(stack), explained(sid="List", actions=["sagemaker:ListApps"], resources=["*"], why={"*": REASON}))


def _known_sid_reused(stack: cdk.Stack) -> None:
    """Reusing an explained Sid's reason for a wider statement (`s3:*` on `*`) in the same policy."""
    target = role(stack)
    add_to_role(target, explained(sid="List", actions=["sagemaker:ListApps"], resources=["*"], why={"*": REASON}))
    target.add_to_principal_policy(iam.PolicyStatement(sid="List2", actions=["s3:*"], resources=["*"]))


def _widened_after_explaining(stack: cdk.Stack) -> None:
    statement = explained(sid="Read", actions=["s3:GetObject"], resources=["arn:aws:s3:::a/x"])
    add_to_role(role(stack), statement)
    statement.add_resources("arn:aws:s3:::a/*")


PROBES = register({"Explained": _explained, "KnownSidReused": _known_sid_reused, "Widened": _widened_after_explaining})


@pytest.fixture(scope="module")
def findings(pack_findings: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
    return {name: pack_findings[name] for name in PROBES}


def test_an_explained_wildcard_passes_the_packs(findings: dict[str, list[Finding]]) -> None:
    assert findings["Explained"] == []


def test_a_new_statement_under_a_known_sid_fails_synthesis(findings: dict[str, list[Finding]]) -> None:
    """The reason is keyed by the whole statement, never by its Sid alone."""
    gate = [f.description.split(": ", 1)[1] for f in findings["KnownSidReused"] if f.plugin == "ExplainedWildcards"]
    assert gate == ["List2 has a wildcard no code explained: AwsSolutions-IAM5[Action::s3:*]"]
    assert "AwsSolutions-IAM5[Action::s3:*]" in {f.rule for f in findings["KnownSidReused"]}


def test_a_statement_widened_after_it_was_explained_fails(findings: dict[str, list[Finding]]) -> None:
    gate = [f.description.split(": ", 1)[1] for f in findings["Widened"] if f.plugin == "ExplainedWildcards"]
    assert gate == ["Read has a wildcard no code explained: AwsSolutions-IAM5[Resource::arn:aws:s3:::a/*]"]


def test_statement_is_rendered_as_written() -> None:
    stack = new_stack()
    statement = explained(
        sid="Tagged",
        actions=["sagemaker:DescribeTrainingJob"],
        resources=["arn:aws:sagemaker:us-east-1:111122223333:training-job/*"],
        conditions={"StringEquals": {"aws:ResourceTag/Team": "vision"}},
        why={"arn:aws:sagemaker:us-east-1:111122223333:training-job/*": REASON},
    )
    assert stack.resolve(statement.to_statement_json()) == {
        "Sid": "Tagged",
        "Effect": "Allow",
        "Action": "sagemaker:DescribeTrainingJob",
        "Resource": "arn:aws:sagemaker:us-east-1:111122223333:training-job/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Team": "vision"}},
    }
