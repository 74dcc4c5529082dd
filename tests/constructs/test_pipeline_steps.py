"""Building blocks of a SageMaker Pipeline definition: expressions, channels and job arguments that
always carry the platform's network, key and the team's tag."""

from __future__ import annotations

import pytest

from platform_constructs.pipeline_steps import (
    MAX_RUNTIME_SECONDS,
    PROCESSING_CODE,
    VOLUME_GB,
    JobPlacement,
    get,
    join,
    processing_job,
    processing_output,
    s3_channel,
    s3_input,
    s3_output,
    training_job,
)

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/vision"
PLACE = JobPlacement(
    team="vision",
    role_arn=ROLE,
    key_arn=KEY,
    subnet_ids=("subnet-a", "subnet-b"),
    security_group_id="sg-1",
    run_prefix=("s3:/", "artifacts", "vision", "pipelines", "reference", get("Execution.PipelineExecutionId")),
)
NETWORK = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a", "subnet-b"]}
TEAM_TAG = [{"Key": "Team", "Value": "vision"}]


@pytest.fixture(scope="module")
def processing() -> dict[str, object]:
    return processing_job(
        PLACE,
        image_uri="image:1",
        code=get("Parameters.CodeUri"),
        script="preprocess.py",
        inputs=[s3_input("raw", "s3://datasets/vision/raw", "/opt/ml/processing/input")],
        outputs=[s3_output(PLACE, "train", "/opt/ml/processing/train")],
    )


@pytest.fixture(scope="module")
def training() -> dict[str, object]:
    return training_job(
        PLACE,
        image_uri="image:1",
        entrypoint=["python3", "/opt/ml/input/data/code/train.py"],
        channels=[s3_channel("train", "s3://artifacts/vision/train")],
        hyperparameters={"max-iterations": "200"},
        metric_definitions=[{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+);"}],
    )


def test_get_is_a_pipelines_property_reference() -> None:
    assert get("Parameters.CodeUri") == {"Get": "Parameters.CodeUri"}


def test_join_defaults_to_a_slash() -> None:
    assert join("s3:/", "bucket", "key") == {"Std:Join": {"On": "/", "Values": ["s3:/", "bucket", "key"]}}
    assert join("a", "b", on=" ") == {"Std:Join": {"On": " ", "Values": ["a", "b"]}}


def test_outputs_are_written_under_the_executions_folder() -> None:
    assert PLACE.output_uri("model") == join(*PLACE.run_prefix, "model")


def test_a_processing_output_is_referenced_by_step_and_name() -> None:
    assert processing_output("Preprocess", "train") == {
        "Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"
    }


def test_an_s3_output_uploads_at_the_end_of_the_job() -> None:
    assert s3_output(PLACE, "test", "/opt/ml/processing/test") == {
        "OutputName": "test",
        "AppManaged": False,
        "S3Output": {
            "S3Uri": PLACE.output_uri("test"),
            "LocalPath": "/opt/ml/processing/test",
            "S3UploadMode": "EndOfJob",
        },
    }


def test_processing_jobs_run_in_the_platform_network_with_inter_container_encryption(
    processing: dict[str, object],
) -> None:
    assert processing["NetworkConfig"] == {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": False,
        "VpcConfig": NETWORK,
    }


def test_processing_jobs_encrypt_volumes_and_outputs_with_the_platform_key(processing: dict[str, object]) -> None:
    assert processing["ProcessingResources"] == {
        "ClusterConfig": {
            "InstanceType": get("Parameters.ProcessingInstanceType"),
            "InstanceCount": 1,
            "VolumeSizeInGB": VOLUME_GB,
            "VolumeKmsKeyId": KEY,
        }
    }
    assert processing["ProcessingOutputConfig"] == {
        "Outputs": [s3_output(PLACE, "train", "/opt/ml/processing/train")],
        "KmsKeyId": KEY,
    }


def test_processing_jobs_run_the_script_from_the_code_channel(processing: dict[str, object]) -> None:
    inputs = processing["ProcessingInputs"]
    assert isinstance(inputs, list)
    assert inputs[0] == s3_input("code", join(get("Parameters.CodeUri"), "preprocess.py"), PROCESSING_CODE)
    assert processing["AppSpecification"] == {
        "ImageUri": "image:1",
        "ContainerEntrypoint": ["python3", f"{PROCESSING_CODE}/preprocess.py"],
    }


@pytest.mark.parametrize("job", ["processing", "training"])
def test_jobs_are_tagged_for_the_team_and_run_as_its_role(request: pytest.FixtureRequest, job: str) -> None:
    arguments = request.getfixturevalue(job)
    assert (arguments["Tags"], arguments["RoleArn"]) == (TEAM_TAG, ROLE)
    assert arguments["StoppingCondition"] == {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS}


def test_training_jobs_run_in_the_platform_network(training: dict[str, object]) -> None:
    assert (training["VpcConfig"], training["EnableInterContainerTrafficEncryption"]) == (NETWORK, True)


def test_training_jobs_encrypt_volumes_and_the_model_with_the_platform_key(training: dict[str, object]) -> None:
    assert training["OutputDataConfig"] == {"S3OutputPath": PLACE.output_uri("model"), "KmsKeyId": KEY}
    assert training["ResourceConfig"] == {
        "InstanceCount": 1,
        "InstanceType": get("Parameters.TrainingInstanceType"),
        "VolumeSizeInGB": VOLUME_GB,
        "VolumeKmsKeyId": KEY,
    }


def test_a_channel_reads_a_whole_prefix_replicated_to_every_instance() -> None:
    assert s3_channel("train", "s3://b/p") == {
        "ChannelName": "train",
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/p", "S3DataDistributionType": "FullyReplicated"}
        },
    }
