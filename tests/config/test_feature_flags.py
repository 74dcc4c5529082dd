"""cdk.json carries the full recommended feature-flag set of the pinned aws-cdk-lib."""

from __future__ import annotations

import json

from devtools.feature_flags import recommended_flags
from stacks.project_context import project_context
from tests.support.synth import ROOT


def test_cdk_json_has_every_recommended_flag_with_its_value() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    recommended = recommended_flags()
    assert len(recommended) > 50
    missing = sorted(set(recommended) - set(context))
    assert missing == [], f"add to cdk.json: {missing}"
    differing = {flag: context[flag] for flag, value in recommended.items() if context[flag] != value}
    assert differing == {}, f"cdk.json departs from the recommended values: {differing}"


def test_cdk_json_runs_the_app_with_the_project_venv() -> None:
    assert json.loads((ROOT / "cdk.json").read_text())["app"] == ".venv/bin/python app.py"


def test_committed_context_covers_every_sample_account_region() -> None:
    from platform_config import load_config
    from tests.support.synth import SAMPLE_CONFIG

    config = load_config(SAMPLE_CONFIG)
    context = project_context()
    for env in config.environments:
        for region in env.regions:
            zones = context[f"availability-zones:account={env.account}:region={region.name}"]
            assert len(zones) >= region.az_count
            assert all(zone.startswith(region.name) for zone in zones)
