"""A team's batch-inference SageMaker Pipeline (definition: platform_constructs/batch_pipeline.py)."""

from __future__ import annotations

from aws_cdk import CfnTag, Stack
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_constructs.batch_pipeline import BatchPipelineInputs, build_batch_definition
from platform_constructs.pipeline_steps import TEAM_TAG
from platform_constructs.pipeline_validation import validate


class BatchTransformPipeline(Construct):
    """Batch inference for one served model group: a model from an approved version, then a
    transform job. The pipeline runs as the team's execution role, and the team role starts it,
    naming the approved version (an execution without it fails at its first step):

        aws sagemaker start-pipeline-execution --pipeline-name <pipeline_name> \\
            --pipeline-parameters Name=ModelPackageArn,Value=<approved version ARN> \\
            [Name=InputDataUri,Value=s3://<datasets>/<team>/...] [Name=TransformInstanceType,Value=ml....]

    Its name must carry the team's pipeline prefix (`<project>-<env>-<team>--`) for the team role
    to start it. The definition is validated at synth: a broken reference, a missing default, a
    model outside the VPC or not isolated, or a transform without the key or the team's tag fails
    early, with a ValueError naming each problem."""

    def __init__(self, scope: Construct, construct_id: str, *, pipeline_name: str, inputs: BatchPipelineInputs) -> None:
        super().__init__(scope, construct_id)
        self.definition = build_batch_definition(inputs)
        problems = validate(self.definition)
        if problems:
            raise ValueError(f"batch transform pipeline {pipeline_name} is invalid: {'; '.join(problems)}")
        self.resource = sagemaker.CfnPipeline(
            self,
            "Resource",
            pipeline_name=pipeline_name,
            pipeline_display_name=pipeline_name,
            pipeline_description=(
                f"Batch inference of team {inputs.team} with a version of {inputs.model_package_group}: "
                "create a model from ModelPackageArn (an approved version), transform InputDataUri"
            ),
            role_arn=inputs.role_arn,
            pipeline_definition={"PipelineDefinitionBody": Stack.of(self).to_json_string(self.definition)},
            tags=[CfnTag(key=TEAM_TAG, value=inputs.team)],
        )
        self.pipeline_name = pipeline_name
