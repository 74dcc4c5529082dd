"""The sample's (environment, region) pairs, known at collection time for parametrization."""

from __future__ import annotations

from platform_config import load_config
from platform_config.naming import Naming
from platform_config.schema import EnvironmentConfig, RegionConfig
from tests.support.synth import SAMPLE_CONFIG

_SAMPLE = load_config(SAMPLE_CONFIG)

SAMPLE_STAGES: dict[str, tuple[EnvironmentConfig, RegionConfig]] = {
    Naming(_SAMPLE.project, env.name).stage_id(region.name): (env, region)
    for env in _SAMPLE.environments
    for region in env.regions
}

# Stack id in a sample stage -> the kind in its stack name (mlexp-dev-<kind>).
SAMPLE_STACK_KINDS: dict[str, str] = {
    "Guardrails": "guardrails",
    "Data": "data",
    "Network": "network",
    "Registry": "registry",
    "Studio": "studio",
    **{f"Users{i}": f"users-{i}" for i in range(_SAMPLE.studio.user_profile_stacks)},
    "Pipelines": "pipelines",
    "ModelBuild": "model-build",
    "Deploy": "deploy",
}
