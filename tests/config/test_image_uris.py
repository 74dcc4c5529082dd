"""The AWS-published image table: generated from the SageMaker SDK (tests only), complete for every
supported region, and read at runtime without the SDK (docs/images.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtools.image_uri_table import TableError, generate, main, sdk_image_uris, version_key
from platform_config.image_uris import (
    KINDS,
    TABLE_PATH,
    PublishedImage,
    published_image,
    repository_arn,
    sklearn_version,
)
from platform_config.regions import SUPPORTED_REGIONS
from tests.support.synth import ROOT

REGIONS = sorted(SUPPORTED_REGIONS)
SKLEARN_SCOPES = ("training", "inference", None)  # None: the scope SKLearnProcessor asks for


@pytest.fixture(scope="module")
def sdk() -> Any:
    return sdk_image_uris()


def _sklearn_uri(sdk: Any, version: str, region: str, scope: str | None = "training") -> str:
    uri: str = sdk.retrieve(
        "sklearn", region, version=version, py_version="py3", instance_type="ml.m5.xlarge", image_scope=scope
    )
    return uri


def test_the_checked_in_table_is_what_the_generator_writes_now(tmp_path: Path) -> None:
    generated = tmp_path / "image_uris.json"
    generate(generated)
    assert [path.name for path in tmp_path.iterdir()] == ["image_uris.json"]  # no temporary file left
    assert generated.read_bytes() == TABLE_PATH.read_bytes(), "run `make image-uris` and commit the table"


def test_the_table_holds_every_kind_for_exactly_the_supported_regions() -> None:
    table = json.loads(TABLE_PATH.read_text())
    assert sorted(table["images"]) == sorted(KINDS)
    assert {kind: sorted(table["images"][kind]) for kind in KINDS} == dict.fromkeys(KINDS, REGIONS)
    assert "make image-uris" in table["note"]
    assert table["sagemaker_version"] in table["note"]


@pytest.mark.parametrize("region", REGIONS)
def test_every_image_is_the_sdks_own_uri_in(region: str, sdk: Any) -> None:
    expected = {
        "sklearn": _sklearn_uri(sdk, sklearn_version(), region),
        "model-monitor": sdk.retrieve("model-monitor", region),
        "debugger": sdk.retrieve("debugger", region),
    }
    assert {kind: published_image(kind, region).uri for kind in KINDS} == expected


def test_no_newer_sklearn_resolves_in_every_scope_and_region(sdk: Any) -> None:
    """The chosen version is the newest the SDK offers for training, inference and processing
    everywhere (the generator checked the chosen one, test_the_checked_in_table_... proves it ran)."""

    def everywhere(version: str) -> bool:
        try:
            for region in REGIONS:
                for scope in SKLEARN_SCOPES:
                    _sklearn_uri(sdk, version, region, scope)
        except ValueError:
            return False
        return True

    listed = sdk.config_for_framework("sklearn")["training"]["versions"]
    newer = [version for version in listed if version_key(version) > version_key(sklearn_version())]
    assert [version for version in newer if everywhere(version)] == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_parts_reassemble_into_the_uri(kind: str) -> None:
    for region in REGIONS:
        image = published_image(kind, region)
        tag = "" if image.tag is None else f":{image.tag}"
        assert f"{image.account}.dkr.ecr.{image.region}.amazonaws.com/{image.repository}{tag}" == image.uri
        assert (image.kind, image.region, len(image.account), image.account.isdigit()) == (kind, region, 12, True)


def test_the_sklearn_tag_is_the_recorded_version_on_cpu_and_py3() -> None:
    assert {published_image("sklearn", region).tag for region in REGIONS} == {f"{sklearn_version()}-cpu-py3"}


def test_repository_arn_names_the_ecr_repository_in_the_partition() -> None:
    image = PublishedImage("sklearn", "eu-west-1", "uri", "111122223333", "team/repo", "1.0")
    assert repository_arn(image) == "arn:aws:ecr:eu-west-1:111122223333:repository/team/repo"
    assert repository_arn(image, partition="aws-cn") == "arn:aws-cn:ecr:eu-west-1:111122223333:repository/team/repo"


def test_an_unknown_kind_is_refused_in_one_line_naming_it_and_the_valid_kinds() -> None:
    with pytest.raises(ValueError, match=r"'xgboost'.*sklearn, model-monitor, debugger$") as refused:
        published_image("xgboost", "us-east-1")
    assert "\n" not in str(refused.value)


def test_an_unsupported_region_is_refused_in_one_line_naming_it_and_the_valid_regions() -> None:
    with pytest.raises(ValueError, match=r"'us-west-1'.*" + ", ".join(REGIONS) + "$") as refused:
        published_image("debugger", "us-west-1")
    assert "\n" not in str(refused.value)


def _fake_retrieve(framework: str, region: str, version: str | None = None, **kwargs: Any) -> str:
    """Fast stand-in for the SDK: eu-west-1 has nothing; the sklearn scopes share one URI."""
    if region == "eu-west-1":
        raise ValueError(f"Unsupported region: {region}.")
    return f"111122223333.dkr.ecr.{region}.amazonaws.com/{framework}:{version or 'latest'}"


def test_generation_refuses_a_missing_region_in_one_line_per_kind_and_writes_nothing(
    tmp_path: Path, sdk: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sdk, "retrieve", _fake_retrieve)
    assert main(["--output", str(tmp_path / "image_uris.json")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [": ".join(line.split(": ")[:2]) for line in lines] == [f"error: {kind} in eu-west-1" for kind in KINDS]
    assert list(tmp_path.iterdir()) == []


def test_generation_refuses_sklearn_uris_that_differ_by_scope(
    tmp_path: Path, sdk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def by_scope(
        framework: str, region: str, version: str | None = None, image_scope: str | None = None, **_: Any
    ) -> str:
        return f"111122223333.dkr.ecr.{region}.amazonaws.com/{framework}:{version or 'latest'}-{image_scope}"

    monkeypatch.setattr(sdk, "retrieve", by_scope)
    with pytest.raises(TableError) as refused:
        generate(tmp_path / "image_uris.json")
    sklearn = [problem for problem in refused.value.problems if problem.startswith("sklearn")]
    assert [problem.split(": ")[0] for problem in sklearn] == [f"sklearn in {region}" for region in REGIONS]
    assert all("different URIs by scope" in problem for problem in sklearn)
    assert list(tmp_path.iterdir()) == []


def test_the_runtime_reads_the_table_without_importing_the_sdk() -> None:
    probe = (
        "import sys; from platform_config.image_uris import published_image, sklearn_version;"
        "published_image('sklearn', 'us-east-1'); sklearn_version();"
        "sys.exit(' '.join(name for name in sys.modules if name.split('.')[0] == 'sagemaker') or None)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
