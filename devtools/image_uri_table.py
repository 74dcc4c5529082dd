"""Generate platform_config/image_uris.json, the AWS-published SageMaker image URIs per supported region.

`make image-uris` runs it. Every URI comes from the SageMaker Python SDK (a development dependency)
through `sagemaker.image_uris.retrieve`, for every region of platform_config/regions.py and every
kind of platform_config/image_uris.py. A kind missing in a region stops generation with one line
per (kind, region), and nothing is written. docs/images.md says which images and why.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from platform_config.image_uris import KINDS, TABLE_PATH
from platform_config.regions import SUPPORTED_REGIONS

# The scikit-learn image serves processing and training with the platform's own scripts, and a
# model package may name it for inference: the version must resolve, to one URI, in the training and
# inference scopes and in the default scope SKLearnProcessor asks for (None).
SKLEARN_SCOPES: tuple[str | None, ...] = ("training", "inference", None)
# A CPU instance type: the SDK picks the image's processor (cpu) from it.
CPU_INSTANCE_TYPE = "ml.m5.xlarge"
_URI = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repository>[a-z0-9._/-]+)"
    r"(?::(?P<tag>[A-Za-z0-9._-]+))?"
)


class TableError(Exception):
    """Why the table cannot be generated: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def sdk_image_uris() -> Any:
    """`sagemaker.image_uris`, imported without the SDK's v2 deprecation warning and INFO logging."""
    os.environ["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    for name in ("sagemaker", "sagemaker.config"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from sagemaker import image_uris

    return image_uris


def _retrieve_sklearn(image_uris: Any, version: str, region: str, scope: str | None) -> str:
    """The SDK's scikit-learn image URI, as the platform asks for it (py3, cpu)."""
    uri: str = image_uris.retrieve(
        "sklearn", region, version=version, py_version="py3", instance_type=CPU_INSTANCE_TYPE, image_scope=scope
    )
    return uri


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _sklearn_candidates(image_uris: Any) -> list[str]:
    """The versions the SDK lists in both the training and the inference scope, newest first."""
    config = image_uris.config_for_framework("sklearn")
    listed = set(config["training"]["versions"]) & set(config["inference"]["versions"])
    return sorted(listed, key=version_key, reverse=True)


def _sklearn_in_regions(
    image_uris: Any, version: str, regions: Iterable[str]
) -> tuple[dict[str, dict[str | None, str]], dict[str, str]]:
    """Per region, the URI of every scope, or why the version is missing there."""
    found: dict[str, dict[str | None, str]] = {}
    missing: dict[str, str] = {}
    for region in regions:
        try:
            found[region] = {scope: _retrieve_sklearn(image_uris, version, region, scope) for scope in SKLEARN_SCOPES}
        except ValueError as error:
            missing[region] = _one_line(error)
    return found, missing


def _sklearn(image_uris: Any, regions: list[str]) -> tuple[str | None, dict[str, str], list[str]]:
    """The newest version available in every region, its training URI per region, and the problems."""
    candidates = _sklearn_candidates(image_uris)
    tried: dict[str, tuple[dict[str, dict[str | None, str]], dict[str, str]]] = {}
    for version in candidates:
        found, missing = tried[version] = _sklearn_in_regions(image_uris, version, regions)
        if not missing:
            differing = [
                f"sklearn in {region}: version {version} has different URIs by scope: {scopes}"
                for region, scopes in found.items()
                if len(set(scopes.values())) != 1
            ]
            return version, {region: scopes["training"] for region, scopes in found.items()}, differing
    if not candidates:
        return None, {}, ["sklearn: the SDK lists no version in both the training and inference scopes"]
    best = max(candidates, key=lambda version: (len(tried[version][0]), version_key(version)))
    return (
        None,
        {},
        [
            f"sklearn in {region}: no version is available in every supported region; {best} is missing here: {why}"
            for region, why in sorted(tried[best][1].items())
        ],
    )


def _published(image_uris: Any, kind: str, regions: list[str]) -> tuple[dict[str, str], list[str]]:
    uris: dict[str, str] = {}
    problems: list[str] = []
    for region in regions:
        try:
            uris[region] = image_uris.retrieve(kind, region)
        except ValueError as error:
            problems.append(f"{kind} in {region}: the SDK has no image: {_one_line(error)}")
    return uris, problems


def _entry(uri: str, region: str) -> dict[str, str | None] | None:
    """The URI with its parts, or None when it is not an ECR image URI of `region`."""
    match = _URI.fullmatch(uri)
    if match is None or match["region"] != region:
        return None
    return {"account": match["account"], "repository": match["repository"], "tag": match["tag"], "uri": uri}


def build_table() -> dict[str, Any]:
    """The table as generated from the installed SDK now; TableError lists every problem."""
    image_uris = sdk_image_uris()
    regions = sorted(SUPPORTED_REGIONS)
    version, sklearn_uris, problems = _sklearn(image_uris, regions)
    found = {"sklearn": sklearn_uris}
    for kind in KINDS:
        if kind != "sklearn":
            found[kind], missing = _published(image_uris, kind, regions)
            problems += missing
    images: dict[str, dict[str, dict[str, str | None]]] = {kind: {} for kind in KINDS}
    for kind, uris in found.items():
        for region, uri in uris.items():
            entry = _entry(uri, region)
            if entry is None:
                problems.append(f"{kind} in {region}: not an ECR image URI of this region: {uri}")
            else:
                images[kind][region] = entry
    if problems:
        raise TableError(problems)
    sdk = metadata.version("sagemaker")
    return {
        "images": images,
        "note": f"Generated by `make image-uris` from sagemaker {sdk}: do not edit by hand.",
        "sagemaker_version": sdk,
        "sklearn_version": version,
    }


def render(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=2, sort_keys=True) + "\n"


def generate(path: Path = TABLE_PATH) -> dict[str, Any]:
    """Build the table and write it to `path` (a temporary file renamed into place); on TableError
    nothing is written."""
    table = build_table()
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(render(table))
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=TABLE_PATH, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        table = generate(args.output)
    except TableError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: sagemaker {table['sagemaker_version']}, sklearn {table['sklearn_version']}")
    return 0
