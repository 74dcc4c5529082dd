"""The regions the config accepts are those where CloudFormation offers every resource type the
platform creates; the others say what they lack (platform_config/regions.py). Checked against
cfn-lint's registry schemas for every type in the everything-on variant (MLflow, the package
mirror, delivery), so that a new resource type cannot quietly break a region."""

from __future__ import annotations

import json
from pathlib import Path

from platform_config.regions import MISSING_IN, SUPPORTED_REGIONS
from tests.support.assembly import Synthesized


def _resource_types(synth: Synthesized) -> set[str]:
    types = set()
    for stack in synth.stacks.values():
        template = json.loads(stack.template_path.read_text())
        types |= {resource["Type"] for resource in template["Resources"].values()}
    return {kind for kind in types if not kind.startswith("Custom::")}


def _missing(region: str, types: set[str]) -> set[str]:
    # cfn-lint is imported here, not at the top: importing it costs every test process about 0.7 s.
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from cfnlint.schema.manager import ResourceNotFoundError

    missing = set()
    for kind in types:
        try:
            PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, kind)
        except ResourceNotFoundError:
            missing.add(kind)
    return missing


def test_every_supported_region_offers_every_type_the_platform_creates(everything_on: Synthesized) -> None:
    types = _resource_types(everything_on)
    assert {"AWS::CodeArtifact::Domain", "AWS::SageMaker::MlflowTrackingServer", "AWS::SageMaker::Domain"} <= types
    lacking = {region: sorted(_missing(region, types)) for region in sorted(SUPPORTED_REGIONS)}
    assert {region: missing for region, missing in lacking.items() if missing} == {}


def test_every_commercial_region_with_studio_is_supported_or_says_what_it_lacks() -> None:
    import cfnlint

    providers = Path(cfnlint.__file__).parent / "data" / "schemas" / "providers"
    regions = {path.stem for path in providers.glob("*-*-*.json")}
    commercial = {r for r in regions if not r.startswith(("cn-", "us-gov-", "us-iso", "eu-iso", "eusc-"))}
    with_studio = {r for r in commercial if not _missing(r, {"AWS::SageMaker::Domain"})}
    assert len(with_studio) > 20
    assert with_studio - SUPPORTED_REGIONS - set(MISSING_IN) == set()


def test_each_refused_region_lacks_exactly_what_its_error_says(everything_on: Synthesized) -> None:
    types = _resource_types(everything_on)
    for region, said in MISSING_IN.items():
        missing = _missing(region, types)
        named = {label.split(" ")[0] for label in said}
        assert missing, f"{region} offers every type: add it to SUPPORTED_REGIONS"
        assert all(any(kind.startswith(name) for name in named) for kind in missing), f"{region}: {sorted(missing)}"
        assert all(any(kind.startswith(name) for kind in missing) for name in named), f"{region}: {sorted(missing)}"
