"""The batch-inference pipeline's definition: a model from an approved version, then a transform
job, in the platform's network with the key and the team's tag, built in process.

The request bodies are checked against what the SageMaker Python SDK writes for the same settings
(`ModelStep` of a `ModelPackage`, `TransformStep`, built offline), so a key the service reads is
never misspelt; where they differ on purpose, the test says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.model import StructureShape

from platform_constructs.batch_pipeline import (
    MODEL_STEP,
    TRANSFORM_STEP,
    BatchPipelineInputs,
    build_batch_definition,
)
from platform_constructs.pipeline_steps import SCHEMA_VERSION, get, join
from platform_constructs.pipeline_validation import validate
from tests.support.sagemaker_sdk import definition_steps, offline_sdk, pipeline_session

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/vision"
APPROVED = "arn:aws:sagemaker:us-east-1:111122223333:model-package/mlexp-dev-defect-detector/3"
INPUTS = BatchPipelineInputs(
    team="vision",
    role_arn=ROLE,
    key_arn=KEY,
    subnet_ids=["subnet-a", "subnet-b"],
    security_group_id="sg-1",
    artifacts_bucket="artifacts",
    datasets_bucket="datasets",
    model_package_group="mlexp-dev-defect-detector",
    instance_type="ml.m5.xlarge",
    region="us-east-1",
    account="111122223333",
)
NETWORK = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a", "subnet-b"]}
TEAM_TAGS = [{"Key": "Team", "Value": "vision"}]
RUN_FOLDER = join("s3:/", "artifacts", "vision", "batch", get("Execution.PipelineExecutionId"))


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return build_batch_definition(INPUTS)


def step(definition: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in definition["Steps"] if s["Name"] == name]
    return dict(found)


def test_the_definition_is_sound(definition: dict[str, Any]) -> None:
    assert validate(definition) == []


def test_the_steps_create_a_model_then_transform(definition: dict[str, Any]) -> None:
    assert definition["Version"] == SCHEMA_VERSION
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        (MODEL_STEP, "Model"),
        (TRANSFORM_STEP, "Transform"),
    ]
    assert step(definition, TRANSFORM_STEP)["Arguments"]["ModelName"] == get(f"Steps.{MODEL_STEP}.ModelName")


def test_every_parameter_has_a_default_from_the_inputs(definition: dict[str, Any]) -> None:
    assert definition["Parameters"] == [
        {
            "Name": "ModelPackageArn",
            "Type": "String",
            "DefaultValue": "arn:aws:sagemaker:us-east-1:111122223333:model-package/mlexp-dev-defect-detector/0",
        },
        {"Name": "InputDataUri", "Type": "String", "DefaultValue": "s3://datasets/vision/batch/input"},
        {"Name": "TransformInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"},
    ]


@pytest.mark.usefixtures("sdk")  # the SDK's settings while it is imported
def test_the_model_package_default_is_well_formed_and_names_no_version(definition: dict[str, Any]) -> None:
    """What CreateModel accepts as ModelPackageName and the SDK reads as a version's ARN; version 0
    never exists (they count from 1): an execution that was not given an approved version fails
    at CreateModel, before any instance starts."""
    from sagemaker.model import MODEL_PACKAGE_VERSIONED_ARN_PATTERN

    default = definition["Parameters"][0]["DefaultValue"]
    service = botocore.session.get_session().get_service_model("sagemaker")
    container = service.shape_for("ContainerDefinition")
    assert isinstance(container, StructureShape)
    pattern = container.members["ModelPackageName"].metadata["pattern"]
    assert re.fullmatch(pattern, default)
    match = re.match(MODEL_PACKAGE_VERSIONED_ARN_PATTERN, default)
    assert match
    assert (match.group(3), match.group(4)) == ("mlexp-dev-defect-detector", "0")


def test_each_execution_is_a_trial_of_the_pipelines_experiment(definition: dict[str, Any]) -> None:
    assert definition["PipelineExperimentConfig"] == {
        "ExperimentName": get("Execution.PipelineName"),
        "TrialName": get("Execution.PipelineExecutionId"),
    }


def test_the_model_is_the_parameters_version_isolated_in_the_platform_network(definition: dict[str, Any]) -> None:
    assert step(definition, MODEL_STEP)["Arguments"] == {
        "EnableNetworkIsolation": True,
        "ExecutionRoleArn": ROLE,
        "Containers": [{"ModelPackageName": get("Parameters.ModelPackageArn")}],
        "VpcConfig": NETWORK,
        "Tags": TEAM_TAGS,
    }


def test_the_transform_job_reads_the_input_and_writes_under_the_execution_with_the_key(
    definition: dict[str, Any],
) -> None:
    arguments = step(definition, TRANSFORM_STEP)["Arguments"]
    assert arguments["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == get("Parameters.InputDataUri")
    assert arguments["TransformOutput"]["S3OutputPath"] == RUN_FOLDER
    assert arguments["TransformOutput"]["KmsKeyId"] == arguments["TransformResources"]["VolumeKmsKeyId"] == KEY
    assert arguments["TransformResources"]["InstanceType"] == get("Parameters.TransformInstanceType")
    assert arguments["Tags"] == TEAM_TAGS


def test_the_settings_the_guard_rules_read_come_first(definition: dict[str, Any]) -> None:
    """policy/sagemaker.guard reads a template's body as text, where a CloudFormation value splits
    it: isolation first in the model's request, the key first in the transform's output, so each
    stays in the same piece as what it belongs to."""
    assert next(iter(step(definition, MODEL_STEP)["Arguments"])) == "EnableNetworkIsolation"
    assert next(iter(step(definition, TRANSFORM_STEP)["Arguments"]["TransformOutput"])) == "KmsKeyId"


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """The SDK's own steps for the same settings, by type (built offline, telemetry off)."""
    with offline_sdk(tmp_path_factory.mktemp("sdk")):
        yield {step["Type"]: step for step in _sdk_steps().values()}


def _described(session: Any) -> None:
    """ModelPackage.create describes the version (is it approved? from the Marketplace?): answer
    for AWS, an approved version of the team's own."""
    from botocore.stub import Stubber

    stubber = Stubber(session.sagemaker_client)
    version = {
        "ModelPackageName": "mlexp-dev-defect-detector",
        "ModelPackageArn": APPROVED,
        "CreationTime": 0,
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "ModelApprovalStatus": "Approved",
        "InferenceSpecification": {"Containers": [{"Image": "image"}], "SupportedContentTypes": ["text/csv"]},
    }
    for _ in range(2):  # the approval check, then the isolation check
        stubber.add_response("describe_model_package", version)
    stubber.activate()


def _sdk_steps() -> dict[str, dict[str, Any]]:
    from sagemaker.model import ModelPackage
    from sagemaker.transformer import Transformer
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.parameters import ParameterString
    from sagemaker.workflow.steps import TransformStep

    session = pipeline_session("artifacts")
    _described(session)
    instance_type = ParameterString(name="TransformInstanceType", default_value="ml.m5.xlarge")
    data = ParameterString(name="InputDataUri", default_value="s3://datasets/vision/batch/input")
    package = ModelPackage(
        role=ROLE,
        model_package_arn=APPROVED,  # a string: the SDK matches it against a pattern at build time
        sagemaker_session=session,
        vpc_config=NETWORK,
        enable_network_isolation=True,  # ignored by ModelPackage: see the test below
    )
    model = ModelStep(name="Batch", step_args=package.create(instance_type=instance_type, tags=TEAM_TAGS))
    transformer = Transformer(
        model_name=model.properties.ModelName,
        instance_count=1,
        instance_type=instance_type,
        strategy="MultiRecord",
        assemble_with="Line",
        output_path=Join(
            on="/", values=["s3:/", "artifacts", "vision", "batch", ExecutionVariables.PIPELINE_EXECUTION_ID]
        ),
        output_kms_key=KEY,
        accept="text/csv",
        tags=TEAM_TAGS,
        volume_kms_key=KEY,
        sagemaker_session=session,
    )
    transform = TransformStep(
        name=TRANSFORM_STEP,
        step_args=transformer.transform(data=data, data_type="S3Prefix", content_type="text/csv", split_type="Line"),
    )
    return definition_steps(session, [model, transform], parameters=[instance_type, data])


def test_the_model_request_is_the_sdks_but_isolated(definition: dict[str, Any], sdk: dict[str, dict[str, Any]]) -> None:
    """The SDK's ModelPackage isolates only a Marketplace version (`enable_network_isolation`
    is what the version says); the platform's model needs no network either, so it is isolated.
    The SDK reads the version's ARN at build time, so it can only write a literal."""
    ours = dict(step(definition, MODEL_STEP)["Arguments"])
    assert ours.pop("EnableNetworkIsolation") is True
    (container,) = ours["Containers"]
    assert container == {"ModelPackageName": get("Parameters.ModelPackageArn")}
    ours["Containers"] = [{"ModelPackageName": APPROVED}]
    assert ours == sdk["Model"]["Arguments"]


def test_the_transform_request_is_the_sdks(definition: dict[str, Any], sdk: dict[str, dict[str, Any]]) -> None:
    """The same request but for the model step's name (the SDK's ModelStep appends -CreateModel)."""
    ours, theirs = step(definition, TRANSFORM_STEP), sdk["Transform"]
    assert theirs["Arguments"]["ModelName"] == get("Steps.Batch-CreateModel.ModelName")
    assert {**ours["Arguments"], "ModelName": None} == {**theirs["Arguments"], "ModelName": None}
    assert {k: v for k, v in ours.items() if k != "Arguments"} == {k: v for k, v in theirs.items() if k != "Arguments"}
