"""A team's reference SageMaker Pipeline (definition: platform_constructs/pipeline_definition.py)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_constructs.pipeline_definition import ReferencePipelineInputs, build_definition, describe
from platform_constructs.pipeline_validation import validate


class ReferencePipeline(Construct):
    """The pipeline runs as the team's execution role. The definition is validated at synth:
    a broken reference, a missing default or a job outside the VPC or without KMS fails early."""

    def __init__(
        self, scope: Construct, construct_id: str, *, pipeline_name: str, inputs: ReferencePipelineInputs
    ) -> None:
        super().__init__(scope, construct_id)
        self.definition = build_definition(inputs)
        problems = validate(self.definition)
        if problems:
            raise ValueError(f"reference pipeline {pipeline_name} is invalid: {'; '.join(problems)}")
        self.resource = sagemaker.CfnPipeline(
            self,
            "Resource",
            pipeline_name=pipeline_name,
            pipeline_display_name=pipeline_name,
            pipeline_description=f"Reference pipeline of team {inputs.team}: {describe(inputs)}",
            role_arn=inputs.role_arn,
            pipeline_definition={"PipelineDefinitionBody": Stack.of(self).to_json_string(self.definition)},
            # Typed `Any` in the L1, so CDK does not convert a property struct: give the template's keys.
            parallelism_configuration={"MaxParallelExecutionSteps": 2},
        )
        self.pipeline_name = pipeline_name
