"""What a team's execution role may do, statement by statement (`team_access`), rendered in a
stack of the sample account and region: no synthesis needed, the statements are resolved as
CloudFormation will hold them. Where a condition must hold (tagging, listing, registering), the
IAM policy simulator decides requests against all of them (`tests/constructs/simulation.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fnmatch import fnmatchcase

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from platform_constructs import team_access
from platform_constructs.team_access import TeamScope
from tests.constructs.guardrails import GUARDRAIL_SIDS
from tests.constructs.reading import Json, as_list, by_sid, sids
from tests.constructs.simulation import Context, Decision, Request, decide
from tests.support.stacks import ACCOUNT, new_stack

HERE = f"us-east-1:{ACCOUNT}"
KEY = f"arn:aws:kms:{HERE}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlexp-dev-studio-TeamVisionRole"
MLFLOW = f"arn:aws:sagemaker:{HERE}:mlflow-tracking-server/mlexp-dev-mlflow"
SCOPE = TeamScope(
    team="vision",
    role_arn=ROLE,
    datasets_bucket_arn="arn:aws:s3:::datasets",
    artifacts_bucket_arn="arn:aws:s3:::artifacts",
    key_arn=KEY,
    subnet_ids=("subnet-a", "subnet-b"),
    security_group_id="sg-1",
    domain_id="d-abc",
    model_package_groups=("mlexp-dev-defect-detector",),
    pipeline_prefix="mlexp-dev-vision--",
    mlflow_server_arn=MLFLOW,
)
Statements = Callable[[cdk.Stack, TeamScope], list[iam.PolicyStatement]]
# Every statement function, called the way TeamExecutionRole (TeamGuardrails for `guardrails`) calls it.
FUNCTIONS: dict[str, Statements] = {
    "data": lambda _, scope: team_access.data(scope),
    "platform_key": lambda _, scope: team_access.platform_key(scope),
    "jobs": team_access.jobs,
    "guardrails": lambda _, scope: team_access.guardrails(scope.key_arn, scope.subnet_ids, scope.security_group_id),
    "tagging": team_access.tagging,
    "runs": team_access.runs,
    "pipelines": team_access.pipelines,
    "studio": team_access.studio,
    "registry": team_access.registry,
    "operations": team_access.operations,
    "mlflow": lambda _, scope: team_access.mlflow(scope),
    "pass_itself": lambda _, scope: [team_access.pass_itself(scope)],
}


JOB = f"arn:aws:sagemaker:{HERE}:training-job/train-0042"
RUN = f"arn:aws:sagemaker:{HERE}:experiment-trial-component/run-0042"
OWN_VERSION = f"arn:aws:sagemaker:{HERE}:model-package/mlexp-dev-defect-detector/4"
TEAM_TAGGED: Context = {"aws:RequestTag/Team": "vision", "aws:TagKeys": ["Team"]}
PENDING: Context = {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}
# Requests of vision's role, decided by the simulator once for the module (`decisions`).
REQUESTS = {
    "locate the datasets bucket": Request("s3:GetBucketLocation", "arn:aws:s3:::datasets"),
    "list the team prefix": Request("s3:ListBucket", "arn:aws:s3:::datasets", {"s3:prefix": "vision/"}),
    "list a neighbour team's prefix": Request("s3:ListBucket", "arn:aws:s3:::datasets", {"s3:prefix": "vision-x/"}),
    "list the whole bucket": Request("s3:ListBucket", "arn:aws:s3:::datasets"),
    "re-tag another team's job with the team's tag": Request(
        "sagemaker:AddTags", JOB, {**TEAM_TAGGED, "aws:ResourceTag/Team": "forecasting"}
    ),
    "re-tag an untagged run with the team's tag": Request("sagemaker:AddTags", RUN, TEAM_TAGGED),
    "re-tag an own job for another team": Request(
        "sagemaker:AddTags",
        JOB,
        {"aws:RequestTag/Team": "forecasting", "aws:TagKeys": ["Team"], "aws:ResourceTag/Team": "vision"},
    ),
    "tag a job while creating it": Request(
        "sagemaker:AddTags", JOB, {**TEAM_TAGGED, "sagemaker:TaggingAction": "CreateTrainingJob"}
    ),
    "tag a job for another team while creating it": Request(
        "sagemaker:AddTags",
        JOB,
        {"aws:RequestTag/Team": "forecasting", "aws:TagKeys": ["Team"], "sagemaker:TaggingAction": "CreateTrainingJob"},
    ),
    "tag an own job with another key": Request(
        "sagemaker:AddTags",
        JOB,
        {"aws:RequestTag/Owner": "alice", "aws:TagKeys": ["Owner"], "aws:ResourceTag/Team": "vision"},
    ),
    "register a version as pending": Request("sagemaker:CreateModelPackage", OWN_VERSION, PENDING),
    "register a version as approved": Request(
        "sagemaker:CreateModelPackage", OWN_VERSION, {"sagemaker:ModelApprovalStatus": "Approved"}
    ),
    "register a version without a status": Request("sagemaker:CreateModelPackage", OWN_VERSION),
    "register into another team's group": Request(
        "sagemaker:CreateModelPackage", f"arn:aws:sagemaker:{HERE}:model-package/mlexp-dev-demand-forecast/1", PENDING
    ),
    "approve an own version": Request(
        "sagemaker:UpdateModelPackage", OWN_VERSION, {"sagemaker:ModelApprovalStatus": "Approved"}
    ),
}


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    return new_stack()


def resolved(stack: cdk.Stack, statement: iam.PolicyStatement) -> Json:
    """A statement as the template holds it: resolved, actions sorted (CDK's policy minimization)."""
    rendered: Json = stack.resolve(statement.to_statement_json())
    if isinstance(rendered["Action"], list):
        rendered["Action"] = sorted(rendered["Action"])
    return rendered


def render(stack: cdk.Stack, scope: TeamScope = SCOPE, *only: str) -> list[Json]:
    rendered: list[Json] = []
    for name, function in FUNCTIONS.items():
        if not only or name in only:
            rendered += [resolved(stack, s) for s in function(stack, scope)]
    return rendered


@pytest.fixture(scope="module")
def statements(stack: cdk.Stack) -> list[Json]:
    return render(stack)


@pytest.fixture(scope="module")
def decisions(statements: list[Json]) -> dict[str, Decision]:
    """The simulator's decision on each of `REQUESTS`, for vision's role holding every statement."""
    return decide(ROLE, {"team": {"Version": "2012-10-17", "Statement": statements}}, REQUESTS)


def allows(statements: list[Json]) -> list[Json]:
    return [s for s in statements if s["Effect"] == "Allow"]


def matches(pattern: str, value: str) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character (names hold no brackets)."""
    return fnmatchcase(value, pattern)


# S3: the team's prefix


@pytest.mark.parametrize(("name", "bucket"), [("Datasets", "datasets"), ("Artifacts", "artifacts")])
def test_objects_are_read_and_written_only_under_the_team_prefix(
    statements: list[Json], name: str, bucket: str
) -> None:
    assert by_sid(statements, f"ReadWriteTeam{name}")["Resource"] == f"arn:aws:s3:::{bucket}/vision/*"


def test_deleting_an_object_version_is_never_allowed(statements: list[Json]) -> None:
    """Lineage points at dataset versions: a delete hides a version, it never destroys one."""
    actions = {a for s in allows(statements) for a in as_list(s["Action"])}
    assert not {"s3:DeleteObjectVersion", "s3:DeleteObject*", "s3:*"} & actions


@pytest.mark.parametrize(("name", "bucket"), [("Datasets", "datasets"), ("Artifacts", "artifacts")])
def test_listing_is_limited_to_the_team_prefix(statements: list[Json], name: str, bucket: str) -> None:
    assert by_sid(statements, f"ListTeam{name}") == {
        "Sid": f"ListTeam{name}",
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
        "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {"StringLike": {"s3:prefix": ["vision/", "vision/*"]}},
    }


@pytest.mark.parametrize(("name", "bucket"), [("Datasets", "datasets"), ("Artifacts", "artifacts")])
def test_the_bucket_is_located_without_a_prefix_condition(statements: list[Json], name: str, bucket: str) -> None:
    """GetBucketLocation sends no s3:prefix: it has its own statement, on the bucket only."""
    assert by_sid(statements, f"Locate{name}") == {
        "Sid": f"Locate{name}",
        "Effect": "Allow",
        "Action": "s3:GetBucketLocation",
        "Resource": f"arn:aws:s3:::{bucket}",
    }


def test_the_prefix_condition_holds_only_actions_that_send_a_prefix(statements: list[Json]) -> None:
    """A condition key the action never sends makes StringLike false: the grant is dead (docs/aws.md,
    "IAM"). Only ListBucket and ListBucketVersions send s3:prefix."""
    prefixed = [s for s in statements if "s3:prefix" in s.get("Condition", {}).get("StringLike", {})]
    assert sids(prefixed) == ["ListTeamDatasets", "ListTeamArtifacts"]
    for statement in prefixed:
        assert set(as_list(statement["Action"])) <= {"s3:ListBucket", "s3:ListBucketVersions"}


@pytest.mark.parametrize(
    ("request_name", "result", "sid"),
    [
        ("locate the datasets bucket", "Allowed", "LocateDatasets"),
        ("list the team prefix", "Allowed", "ListTeamDatasets"),
        ("list a neighbour team's prefix", "ImplicitlyDenied", None),
        ("list the whole bucket", "ImplicitlyDenied", None),
    ],
)
def test_the_team_locates_its_buckets_and_lists_only_its_prefix(
    decisions: dict[str, Decision], request_name: str, result: str, sid: str | None
) -> None:
    decision = decisions[request_name]
    assert (decision.result, decision.allowed_by, decision.ignored_keys) == (result, (sid,) if sid else (), ())


def test_the_team_prefix_never_matches_a_neighbour_team_whose_name_extends_it(statements: list[Json]) -> None:
    objects = by_sid(statements, "ReadWriteTeamDatasets")["Resource"]
    listed = by_sid(statements, "ListTeamDatasets")["Condition"]["StringLike"]["s3:prefix"]
    assert matches(objects, "arn:aws:s3:::datasets/vision/train.csv")
    assert not matches(objects, "arn:aws:s3:::datasets/vision-x/train.csv")
    assert not any(matches(pattern, "vision-x/") for pattern in listed)


# KMS


def test_the_platform_key_is_the_only_key(statements: list[Json]) -> None:
    keys = {s["Resource"] for s in allows(statements) if any(a.startswith("kms:") for a in as_list(s["Action"]))}
    assert keys == {KEY}


def test_grants_on_the_key_only_for_aws_resources(statements: list[Json]) -> None:
    assert by_sid(statements, "LetSageMakerUseThePlatformKey")["Condition"] == {
        "Bool": {"kms:GrantIsForAWSResource": "true"}
    }


# Jobs: created with the team's tag, used by the team's tag


def test_jobs_and_models_are_created_only_with_the_team_tag(statements: list[Json]) -> None:
    statement = by_sid(statements, "CreateTeamJobs")
    assert statement["Action"] == [
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:CreateModel",
        "sagemaker:CreateProcessingJob",
        "sagemaker:CreateTrainingJob",
        "sagemaker:CreateTransformJob",
    ]
    assert statement["Condition"] == {"StringEquals": {"aws:RequestTag/Team": "vision"}}


def test_jobs_and_models_are_described_stopped_and_deleted_only_by_the_team_tag(statements: list[Json]) -> None:
    statement = by_sid(statements, "ObserveTeamJobs")
    assert {"sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:DeleteModel"} <= set(
        statement["Action"]
    )
    assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/Team": "vision"}}


def test_job_statements_cover_every_job_type_and_models(statements: list[Json]) -> None:
    kinds = ["training-job", "processing-job", "hyper-parameter-tuning-job", "transform-job", "model"]
    expected = [f"arn:aws:sagemaker:{HERE}:{kind}/*" for kind in kinds]
    assert by_sid(statements, "CreateTeamJobs")["Resource"] == expected
    assert by_sid(statements, "ObserveTeamJobs")["Resource"] == expected


# Guardrails: the denies every team role of a stage shares (one managed policy, TeamGuardrails)


def denies(statements: list[Json]) -> list[Json]:
    return [s for s in statements if s["Effect"] == "Deny"]


@pytest.fixture(scope="module")
def guardrails(stack: cdk.Stack) -> list[Json]:
    return render(stack, SCOPE, "guardrails")


def test_the_guardrails_are_the_job_network_key_and_approval_denies(guardrails: list[Json]) -> None:
    assert sids(guardrails) == list(GUARDRAIL_SIDS)
    assert {s["Effect"] for s in guardrails} == {"Deny"}
    assert {s["Resource"] for s in guardrails} == {"*"}


def test_the_guardrails_name_no_team(stack: cdk.Stack) -> None:
    """One policy for every team: nothing in it may depend on the team it is attached to."""
    assert "vision" not in str(render(stack, SCOPE, "guardrails"))
    assert render(stack, replace(SCOPE, team="forecasting"), "guardrails") == render(stack, SCOPE, "guardrails")


def test_the_only_deny_of_a_teams_own_statements_is_for_other_teams_runs(stack: cdk.Stack) -> None:
    own = [name for name in FUNCTIONS if name != "guardrails"]
    assert sids(denies(render(stack, SCOPE, *own))) == ["DenyRunsForOtherTeams"]


def test_each_deny_tests_one_null_key_at_most(statements: list[Json]) -> None:
    """One `Null` block with several keys is an AND: a request missing only one key would pass."""
    for statement in denies(statements):
        assert len(statement.get("Condition", {}).get("Null", {})) <= 1, statement["Sid"]


@pytest.mark.parametrize(
    ("sid", "key"),
    [
        ("DenyJobsWithoutSubnets", "sagemaker:VpcSubnets"),
        ("DenyJobsWithoutSecurityGroups", "sagemaker:VpcSecurityGroupIds"),
        ("DenyJobsWithoutVolumeKey", "sagemaker:VolumeKmsKeyArn"),
        ("DenyJobsWithoutOutputKey", "sagemaker:OutputKmsKeyArn"),
    ],
)
def test_a_job_missing_one_setting_is_denied_by_its_own_statement(statements: list[Json], sid: str, key: str) -> None:
    statement = by_sid(statements, sid)
    assert (statement["Effect"], statement["Resource"]) == ("Deny", "*")
    assert statement["Condition"] == {"Null": {key: "true"}}


def test_vpc_denies_cover_every_job_that_takes_a_vpc(statements: list[Json]) -> None:
    for sid in ("DenyJobsWithoutSubnets", "DenyJobsWithoutSecurityGroups", "DenyJobsInOtherSubnets"):
        assert by_sid(statements, sid)["Action"] == [
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateModel",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateTrainingJob",
        ]


def test_kms_denies_cover_every_job_that_writes_volumes_and_outputs(statements: list[Json]) -> None:
    for sid in ("DenyJobsWithoutVolumeKey", "DenyJobsWithoutOutputKey", "DenyJobsWithOtherVolumeKeys"):
        assert by_sid(statements, sid)["Action"] == [
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateTransformJob",
        ]


def test_jobs_run_only_in_the_platform_subnets_and_group(statements: list[Json]) -> None:
    assert by_sid(statements, "DenyJobsInOtherSubnets")["Condition"] == {
        "ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": ["subnet-a", "subnet-b"]}
    }
    assert by_sid(statements, "DenyJobsInOtherSecurityGroups")["Condition"] == {
        "ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": ["sg-1"]}
    }


@pytest.mark.parametrize(
    ("sid", "key"),
    [
        ("DenyJobsWithOtherVolumeKeys", "sagemaker:VolumeKmsKeyArn"),
        ("DenyJobsWithOtherOutputKeys", "sagemaker:OutputKmsKeyArn"),
    ],
)
def test_jobs_use_only_the_platform_key(statements: list[Json], sid: str, key: str) -> None:
    assert by_sid(statements, sid)["Condition"] == {"StringNotEqualsIfExists": {key: KEY}}


def test_no_statement_uses_the_kms_condition_keys_jobs_never_send(statements: list[Json]) -> None:
    """`sagemaker:VolumeKmsKey`/`OutputKmsKey` are not in the service authorization reference for
    job creation: a Deny on their absence would refuse every job."""
    keys = {key for s in statements for block in s.get("Condition", {}).values() for key in block}
    assert not keys & {"sagemaker:VolumeKmsKey", "sagemaker:OutputKmsKey"}
    assert {"sagemaker:VolumeKmsKeyArn", "sagemaker:OutputKmsKeyArn"} <= keys


# Tags


def test_tags_on_create_carry_the_team_tag_and_only_while_creating(statements: list[Json]) -> None:
    assert by_sid(statements, "TagOnCreate")["Condition"] == {
        "StringEquals": {"aws:RequestTag/Team": "vision"},
        "Null": {"sagemaker:TaggingAction": "false"},
    }


def test_the_team_tag_of_an_own_resource_cannot_be_changed(statements: list[Json]) -> None:
    assert by_sid(statements, "TagOwnResources")["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Team": "vision"},
        "ForAllValues:StringNotEquals": {"aws:TagKeys": ["Team"]},
    }


def test_tagging_covers_every_resource_the_team_creates_with_its_tag(statements: list[Json]) -> None:
    kinds = [
        "training-job",
        "processing-job",
        "hyper-parameter-tuning-job",
        "transform-job",
        "model",
        "experiment",
        "experiment-trial",
        "experiment-trial-component",
        "pipeline",
    ]
    expected = [f"arn:aws:sagemaker:{HERE}:{kind}/*" for kind in kinds]
    assert by_sid(statements, "TagOnCreate")["Resource"] == expected
    assert by_sid(statements, "TagOwnResources")["Resource"] == expected


@pytest.mark.parametrize(
    ("request_name", "result", "sid"),
    [
        # A plain AddTags overwrites the Team tag: the resource would become the caller's.
        ("re-tag another team's job with the team's tag", "ImplicitlyDenied", None),
        ("re-tag an untagged run with the team's tag", "ImplicitlyDenied", None),
        ("re-tag an own job for another team", "ImplicitlyDenied", None),
        ("tag a job while creating it", "Allowed", "TagOnCreate"),
        ("tag a job for another team while creating it", "ImplicitlyDenied", None),
        ("tag an own job with another key", "Allowed", "TagOwnResources"),
    ],
)
def test_the_team_tag_is_set_only_while_creating_and_never_changed(
    decisions: dict[str, Decision], request_name: str, result: str, sid: str | None
) -> None:
    decision = decisions[request_name]
    assert (decision.result, decision.allowed_by, decision.ignored_keys) == (result, (sid,) if sid else (), ())


# Experiments and runs


def test_runs_may_be_created_without_a_tag(statements: list[Json]) -> None:
    statement = by_sid(statements, "CreateRuns")
    assert statement["Action"] == [
        "sagemaker:CreateExperiment",
        "sagemaker:CreateTrial",
        "sagemaker:CreateTrialComponent",
    ]
    assert "Condition" not in statement


def test_runs_are_never_created_with_another_teams_tag(statements: list[Json]) -> None:
    statement = by_sid(statements, "DenyRunsForOtherTeams")
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {
        "StringNotEquals": {"aws:RequestTag/Team": "vision"},
        "Null": {"aws:RequestTag/Team": "false"},
    }


def test_runs_are_used_when_they_are_the_teams_or_untagged(statements: list[Json]) -> None:
    statement = by_sid(statements, "UseOwnAndUntaggedRuns")
    assert statement["Condition"] == {"StringEqualsIfExists": {"aws:ResourceTag/Team": "vision"}}
    assert {"sagemaker:BatchPutMetrics", "sagemaker:UpdateTrialComponent"} <= set(statement["Action"])


# Pipelines: by name prefix


def test_pipelines_are_created_only_under_the_team_prefix_with_the_team_tag(statements: list[Json]) -> None:
    assert by_sid(statements, "CreateTeamPipelines") == {
        "Sid": "CreateTeamPipelines",
        "Effect": "Allow",
        "Action": "sagemaker:CreatePipeline",
        "Resource": f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision--*",
        "Condition": {"StringEquals": {"aws:RequestTag/Team": "vision"}},
    }


def test_pipelines_are_run_only_under_the_team_prefix(statements: list[Json]) -> None:
    assert by_sid(statements, "RunTeamPipelines")["Resource"] == [
        f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision--*",
        f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision--*/execution/*",
    ]


def test_the_pipeline_prefix_never_matches_a_neighbour_team_whose_name_extends_it(statements: list[Json]) -> None:
    pipeline, _ = by_sid(statements, "RunTeamPipelines")["Resource"]
    assert matches(pipeline, f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision--reference")
    assert not matches(pipeline, f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision-x--reference")


# Studio: the caller's own spaces and apps


def test_spaces_and_apps_only_of_the_callers_own_profile(statements: list[Json]) -> None:
    assert by_sid(statements, "UseOwnSpacesAndApps") == {
        "Sid": "UseOwnSpacesAndApps",
        "Effect": "Allow",
        "Action": [
            "sagemaker:CreateApp",
            "sagemaker:CreateSpace",
            "sagemaker:DeleteApp",
            "sagemaker:DeleteSpace",
            "sagemaker:UpdateSpace",
        ],
        "Resource": [f"arn:aws:sagemaker:{HERE}:space/d-abc/*", f"arn:aws:sagemaker:{HERE}:app/d-abc/*"],
        "Condition": {
            "ArnEquals": {
                "sagemaker:OwnerUserProfileArn": f"arn:aws:sagemaker:{HERE}:user-profile/d-abc/${{aws:SourceIdentity}}"
            }
        },
    }


def test_only_the_callers_own_profile_and_the_domain_are_described(statements: list[Json]) -> None:
    assert by_sid(statements, "SeeOwnProfileAndDomain")["Resource"] == [
        f"arn:aws:sagemaker:{HERE}:user-profile/d-abc/${{aws:SourceIdentity}}",
        f"arn:aws:sagemaker:{HERE}:domain/d-abc",
    ]


# Registry: register, never approve


def test_versions_are_registered_only_in_the_teams_own_groups(statements: list[Json]) -> None:
    assert by_sid(statements, "RegisterInTeamGroups")["Resource"] == [
        f"arn:aws:sagemaker:{HERE}:model-package-group/mlexp-dev-defect-detector",
        f"arn:aws:sagemaker:{HERE}:model-package/mlexp-dev-defect-detector/*",
    ]


def test_versions_are_registered_only_as_pending_manual_approval(guardrails: list[Json]) -> None:
    assert by_sid(guardrails, "DenyRegisteringOtherThanPending") == {
        "Sid": "DenyRegisteringOtherThanPending",
        "Effect": "Deny",
        "Action": "sagemaker:CreateModelPackage",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}},
    }


def test_an_approval_status_is_never_changed(statements: list[Json], guardrails: list[Json]) -> None:
    assert by_sid(guardrails, "DenyApproving") == {
        "Sid": "DenyApproving",
        "Effect": "Deny",
        "Action": "sagemaker:UpdateModelPackage",
        "Resource": "*",
        "Condition": {"Null": {"sagemaker:ModelApprovalStatus": "false"}},
    }
    assert "sagemaker:UpdateModelPackage" not in {a for s in allows(statements) for a in as_list(s["Action"])}


@pytest.mark.parametrize(
    ("request_name", "result", "sid"),
    [
        ("register a version as pending", "Allowed", "RegisterInTeamGroups"),
        ("register a version as approved", "ExplicitlyDenied", "DenyRegisteringOtherThanPending"),
        # IfExists in a Deny: a request without the key matches, so the status must be named.
        ("register a version without a status", "ExplicitlyDenied", "DenyRegisteringOtherThanPending"),
        ("register into another team's group", "ImplicitlyDenied", None),
        ("approve an own version", "ExplicitlyDenied", "DenyApproving"),
    ],
)
def test_the_team_registers_into_its_groups_as_pending_only(
    decisions: dict[str, Decision], request_name: str, result: str, sid: str | None
) -> None:
    decision = decisions[request_name]
    by = decision.denied_by if result == "ExplicitlyDenied" else decision.allowed_by
    assert (decision.result, by, decision.ignored_keys) == (result, (sid,) if sid else (), ())


def test_a_team_without_model_groups_gets_no_registry_statements(stack: cdk.Stack) -> None:
    assert render(stack, replace(SCOPE, model_package_groups=()), "registry") == []


# Operations


def test_job_logs_only_in_sagemakers_log_groups(statements: list[Json]) -> None:
    assert by_sid(statements, "WriteJobLogs")["Resource"] == f"arn:aws:logs:{HERE}:log-group:/aws/sagemaker/*"


def test_the_role_passes_only_itself_and_only_to_sagemaker(stack: cdk.Stack, statements: list[Json]) -> None:
    """`pass_itself` is the only statement naming the role: TeamExecutionRole keeps it inline,
    since a managed policy attached to the role cannot name it (a circular reference)."""
    expected = {
        "Sid": "PassOnlyItselfToSageMaker",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    }
    assert render(stack, SCOPE, "pass_itself") == [expected]
    assert [s for s in statements if "iam:PassRole" in as_list(s["Action"])] == [expected]
    assert [s for s in statements if ROLE in str(s)] == [expected]


def test_job_network_interfaces_are_created_only_in_the_platform_subnets_and_group(statements: list[Json]) -> None:
    assert by_sid(statements, "AttachJobsToThePlatformSubnets")["Resource"] == [
        f"arn:aws:ec2:{HERE}:network-interface/*",
        f"arn:aws:ec2:{HERE}:security-group/sg-1",
        f"arn:aws:ec2:{HERE}:subnet/subnet-a",
        f"arn:aws:ec2:{HERE}:subnet/subnet-b",
    ]


def test_images_are_pulled_only_from_this_account_and_region(statements: list[Json]) -> None:
    assert by_sid(statements, "PullImagesOfThisAccount")["Resource"] == f"arn:aws:ecr:{HERE}:repository/*"


DOCUMENTED_CALLS_WITHOUT_RESOURCES = {
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "sagemaker:ListApps",
    "sagemaker:ListSpaces",
    "sagemaker:ListExperiments",
    "sagemaker:ListTrials",
    "sagemaker:ListTrialComponents",
    "sagemaker:ListModelPackages",
    "sagemaker:ListModelPackageGroups",
    "sagemaker:ListPipelines",
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListProcessingJobs",
    "sagemaker:Search",
}


def test_no_allow_has_every_resource_but_the_documented_calls_that_take_none(statements: list[Json]) -> None:
    wildcard = [s for s in allows(statements) if "*" in as_list(s["Resource"])]
    assert [s["Sid"] for s in wildcard] == ["CallsWithoutResources"]
    assert set(wildcard[0]["Action"]) == DOCUMENTED_CALLS_WITHOUT_RESOURCES


def test_no_allow_names_a_whole_service(statements: list[Json]) -> None:
    """`sagemaker-mlflow:*` on the one tracking server is the only action wildcard of a service."""
    whole = {a for s in allows(statements) for a in as_list(s["Action"]) if a.endswith(":*")}
    assert whole == {"sagemaker-mlflow:*"}


# MLflow


def test_the_mlflow_server_is_used_only_when_there_is_one(stack: cdk.Stack) -> None:
    assert render(stack, SCOPE, "mlflow") == [
        {
            "Sid": "UseTheMlflowTrackingServer",
            "Effect": "Allow",
            "Action": [
                "sagemaker-mlflow:*",
                "sagemaker:CreatePresignedMlflowTrackingServerUrl",
                "sagemaker:DescribeMlflowTrackingServer",
            ],
            "Resource": MLFLOW,
        }
    ]
    assert render(stack, replace(SCOPE, mlflow_server_arn=None), "mlflow") == []
