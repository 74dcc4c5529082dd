"""The reference pipeline construct: the definition validated at synth, rendered into the
pipeline's body, run as the team's role."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from aws_cdk import aws_kms as kms

from platform_constructs import reference_pipeline
from platform_constructs.pipeline_definition import build_definition
from platform_constructs.reference_pipeline import ReferencePipeline
from tests.constructs.reading import Json, only
from tests.constructs.test_pipeline_definition import INPUTS
from tests.support.stacks import new_stack, template

NAME = "mlexp-dev-vision--reference"


@pytest.fixture(scope="module")
def literal() -> Json:
    """Inputs that are all literals: the body is plain JSON text."""
    stack = new_stack()
    ReferencePipeline(stack, "Reference", pipeline_name=NAME, inputs=INPUTS)
    found: Json = only(template(stack).to_json(), "AWS::SageMaker::Pipeline")[1]["Properties"]
    return found


def test_the_pipeline_is_named_described_and_runs_as_the_team_role(literal: Json) -> None:
    assert {k: literal[k] for k in ("PipelineName", "PipelineDisplayName", "PipelineDescription", "RoleArn")} == {
        "PipelineName": NAME,
        "PipelineDisplayName": NAME,
        "PipelineDescription": "Reference pipeline of team vision: preprocess, train, evaluate, register",
        "RoleArn": INPUTS.role_arn,
    }


def test_the_body_is_the_built_definition(literal: Json) -> None:
    assert json.loads(literal["PipelineDefinition"]["PipelineDefinitionBody"]) == build_definition(INPUTS)


def test_at_most_two_steps_run_at_once(literal: Json) -> None:
    assert literal["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 2}


def test_cloudformation_values_are_joined_into_the_body() -> None:
    """A key made in the same app is a token: the body becomes a Fn::Join holding its ARN."""
    stack = new_stack()
    key = kms.Key(stack, "Key")
    ReferencePipeline(stack, "Reference", pipeline_name=NAME, inputs=replace(INPUTS, key_arn=key.key_arn))
    template_json = template(stack).to_json()
    body = only(template_json, "AWS::SageMaker::Pipeline")[1]["Properties"]["PipelineDefinition"][
        "PipelineDefinitionBody"
    ]
    separator, parts = body["Fn::Join"]
    assert separator == ""
    assert {"Fn::GetAtt": [only(template_json, "AWS::KMS::Key")[0], "Arn"]} in parts


def test_fails_if_the_definition_is_invalid_naming_each_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def without_vpc(inputs: Any) -> dict[str, Any]:
        definition = build_definition(inputs)
        del definition["Steps"][1]["Arguments"]["VpcConfig"]
        definition["Parameters"][0].pop("DefaultValue")
        return definition

    monkeypatch.setattr(reference_pipeline, "build_definition", without_vpc)
    with pytest.raises(
        ValueError,
        match=rf"^reference pipeline {NAME} is invalid: parameter InputDataUri has no default; "
        r"step Train: no VPC configuration$",
    ):
        ReferencePipeline(new_stack(), "Reference", pipeline_name=NAME, inputs=INPUTS)


def test_the_definition_and_name_are_exposed() -> None:
    construct = ReferencePipeline(new_stack(), "Reference", pipeline_name=NAME, inputs=INPUTS)
    assert (construct.pipeline_name, construct.definition) == (NAME, build_definition(INPUTS))
