#!/bin/bash
# Platform default lifecycle config of team ${team} (generated from
# platform_constructs/templates/studio-sdk-defaults.sh). Writes the SageMaker Python SDK's user config so
# that sessions, jobs, pipelines and experiments default to the team's prefix of the retained
# artifacts bucket, the platform KMS key, the platform's subnets and security group, and the
# team's tag (the team role creates jobs, models and pipelines only with it). Exports
# PLATFORM_TEAM for experiment-tools, which tags runs with it.
set -euo pipefail
config_dir="$${HOME:-/home/sagemaker-user}/.config/sagemaker"
mkdir -p "$$config_dir"
cat > "$$config_dir/config.yaml" <<'YAML'
SchemaVersion: '1.0'
SageMaker:
  PythonSDK:
    Modules:
      Session:
        DefaultS3Bucket: ${artifacts_bucket}
        DefaultS3ObjectKeyPrefix: ${team}
  TrainingJob:
    Tags: [{Key: Team, Value: ${team}}]
    OutputDataConfig: {KmsKeyId: ${key_arn}}
    ResourceConfig: {VolumeKmsKeyId: ${key_arn}}
    VpcConfig: {SecurityGroupIds: [${security_group}], Subnets: [${subnets}]}
  ProcessingJob:
    Tags: [{Key: Team, Value: ${team}}]
    ProcessingOutputConfig: {KmsKeyId: ${key_arn}}
    ProcessingResources: {ClusterConfig: {VolumeKmsKeyId: ${key_arn}}}
    NetworkConfig: {VpcConfig: {SecurityGroupIds: [${security_group}], Subnets: [${subnets}]}}
  TransformJob:
    Tags: [{Key: Team, Value: ${team}}]
    TransformOutput: {KmsKeyId: ${key_arn}}
    TransformResources: {VolumeKmsKeyId: ${key_arn}}
  Model:
    Tags: [{Key: Team, Value: ${team}}]
    VpcConfig: {SecurityGroupIds: [${security_group}], Subnets: [${subnets}]}
  Pipeline:
    Tags: [{Key: Team, Value: ${team}}]
YAML
grep -qs '^export PLATFORM_TEAM=' "$${HOME:-/home/sagemaker-user}/.bashrc" ||
  echo 'export PLATFORM_TEAM=${team}' >> "$${HOME:-/home/sagemaker-user}/.bashrc"
echo "lifecycle: SageMaker SDK defaults written to $$config_dir/config.yaml for team ${team}"
