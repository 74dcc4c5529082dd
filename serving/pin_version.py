#!/usr/bin/env python3
"""Pin the model versions a deploy serves: check each one again and write the release file.

Run by the deploy pipeline's Release step (CodeBuild) when a version of the group is approved:

    python3 -I serving/pin_version.py --group NAME --variants champion,challenger \\
        --current current-release.json --out release.json [--version-arn ARN | --promote] --region R

What each variant serves (`--variants` in the config's order, the champion first):
- one variant: the group's newest Approved version (ListModelPackages sorted by CreationTime,
  Descending: the API's default order is ascending, which would pick the oldest);
- two variants (an A/B test): the newest Approved version becomes the challenger and the champion
  keeps the version the current release gives it; with no current release (`--current` empty,
  or a missing or empty file: the first deploy) the new version serves both;
- `--promote` ends an A/B test in favour of the challenger: the current challenger's version
  serves both variants;
- `--version-arn ARN` pins exactly that version on every variant: a rollback to a previous
  version, which must still be Approved and in the group. It may be older than what is served;
  each such variant is named on stdout.

Every pinned version is described again: Approved, of --group (its ARN too), in this region,
with an InferenceSpecification; its DriftCheckBaselines become its baselines in the release.
Without --version-arn, a version older than the one the current release serves on its variant
(a late approval event of an old version, or a served version rejected since) is refused.

stdout: one line per variant, `<variant> <- <arn> (baselines: yes|no)`.
Exit codes: 0 the release file is written; 2 refused, bad arguments or AWS errors: one line on
stderr, and nothing written (the file is renamed into place only once complete).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

if not __package__:  # `python3 -I serving/pin_version.py`: isolated mode leaves the script's folder off sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from serving.release import VARIANT_NAME, VERSION_ARN, Baselines, PinnedVersion, Release, ReleaseError

APPROVED = "Approved"


class PinError(Exception):
    """A refusal, reported in one line; nothing is written."""


def parse_variants(text: str) -> tuple[str, ...]:
    """`champion,challenger`: one or two distinct variant names, the champion first."""
    names = tuple(name.strip() for name in text.split(","))
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"must be one or two distinct variant names, got {text!r}")
    for name in names:
        if not VARIANT_NAME.fullmatch(name):
            raise argparse.ArgumentTypeError(f"{name!r} is not a variant name (letters, digits, hyphens)")
    return names


def newest_approved(sagemaker: Any, group: str) -> str:
    """The ARN of the group's newest Approved version, by creation time."""
    summaries = sagemaker.list_model_packages(
        ModelPackageGroupName=group,
        ModelApprovalStatus=APPROVED,
        SortBy="CreationTime",
        SortOrder="Descending",  # the default, Ascending, puts the OLDEST approved version first
        MaxResults=1,
    ).get("ModelPackageSummaryList", [])
    if not summaries:
        raise PinError(f"group {group} has no Approved version")
    arn: str = summaries[0]["ModelPackageArn"]
    return arn


def _uri(section: dict[str, Any], key: str) -> str | None:
    uri = (section.get(key) or {}).get("S3Uri")
    return None if uri is None else str(uri)


def baselines_of(arn: str, described: dict[str, Any]) -> Baselines | None:
    """DriftCheckBaselines: ModelDataQuality (both needed to monitor) and ModelQuality, as S3 URIs."""
    drift = described.get("DriftCheckBaselines") or {}
    found: dict[str, str | None] = {}
    for section, prefix in (("ModelDataQuality", "data"), ("ModelQuality", "model")):
        statistics, constraints = (_uri(drift.get(section) or {}, key) for key in ("Statistics", "Constraints"))
        if (statistics is None) != (constraints is None):
            missing = "Constraints" if constraints is None else "Statistics"
            raise PinError(f"version {arn}: DriftCheckBaselines.{section}.{missing} is missing (the other is set)")
        found[f"{prefix}_statistics"], found[f"{prefix}_constraints"] = statistics, constraints
    if found["data_statistics"] is None or found["data_constraints"] is None:
        return None
    return Baselines(
        found["data_statistics"], found["data_constraints"], found["model_statistics"], found["model_constraints"]
    )


def checked_version(sagemaker: Any, group: str, arn: str) -> PinnedVersion:
    """Describe the version again: Approved, of `group` (name and ARN), in this region, deployable."""
    match = VERSION_ARN.fullmatch(arn)
    if match is None:
        raise PinError(f"{arn!r} is not a model package version ARN")
    if match["group"] != group:
        raise PinError(f"version {arn} is in group {match['group']}, not {group}")
    region = sagemaker.meta.region_name
    if match["region"] != region:
        raise PinError(f"version {arn} is in region {match['region']}, not {region}")
    described = sagemaker.describe_model_package(ModelPackageName=arn)
    status = described.get("ModelApprovalStatus")
    if status != APPROVED:
        raise PinError(f"version {arn}: ModelApprovalStatus is {status}, not {APPROVED}")
    if described.get("ModelPackageGroupName") != group:
        raise PinError(f"version {arn}: ModelPackageGroupName is {described.get('ModelPackageGroupName')}, not {group}")
    if not described.get("InferenceSpecification"):
        raise PinError(f"version {arn}: has no InferenceSpecification (nothing to deploy)")
    return PinnedVersion(arn, baselines_of(arn, described))


def current_release(path: str, group: str) -> Release | None:
    """The release now deployed; None on the first deploy (no path, a missing or an empty file)."""
    if not path or not Path(path).is_file() or not Path(path).read_bytes().strip():
        print(f"no current release ({path or 'none given'}): first deploy", flush=True)
        return None
    try:
        release = Release.load(path)
    except ReleaseError as error:
        raise PinError(f"--current: {'; '.join(str(error).splitlines())}") from None
    if release.group != group:
        raise PinError(f"--current {path} is a release of group {release.group}, not {group}")
    return release


def _served(current: Release, variant: str) -> str:
    try:
        return current.version_of(variant).arn
    except KeyError:
        served = ", ".join(name for name, _ in current.variants)
        raise PinError(f"the current release has no variant {variant} (it serves: {served})") from None


def placement(args: argparse.Namespace, current: Release | None, newest: Callable[[], str]) -> list[tuple[str, str]]:
    """(variant, version ARN) in the order of --variants."""
    variants: tuple[str, ...] = args.variants
    if args.promote:
        if current is None:
            raise PinError("--promote needs the current release (--current): there is no A/B test to end")
        return [(variant, _served(current, variants[-1])) for variant in variants]
    if args.version_arn:
        return [(variant, args.version_arn) for variant in variants]
    arn = newest()
    if len(variants) == 1 or current is None:
        return [(variant, arn) for variant in variants]
    return [(variants[0], _served(current, variants[0])), (variants[1], arn)]


def older_than_served(current: Release | None, pinned: list[tuple[str, PinnedVersion]]) -> list[str]:
    """One line for each variant the release would move to an older version than it serves."""
    if current is None:
        return []
    served = dict(current.variants)
    return [
        f"{variant}: {version.arn} is older than version {served[variant].number}, which it serves now"
        for variant, version in pinned
        if variant in served and version.number < served[variant].number
    ]


def release_of(group: str, pinned: list[tuple[str, PinnedVersion]]) -> Release:
    """The release, read back as the serving app will read it: whatever it refuses is refused here."""
    release = Release(group, tuple(pinned))
    try:
        return Release.from_json(release.to_json(), "release")
    except ReleaseError as error:
        raise PinError("; ".join(str(error).splitlines())) from None


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace, sagemaker: Any) -> int:
    current = current_release(args.current, args.group)
    chosen = placement(args, current, lambda: newest_approved(sagemaker, args.group))
    checked = {arn: checked_version(sagemaker, args.group, arn) for arn in dict.fromkeys(arn for _, arn in chosen)}
    pinned = [(variant, checked[arn]) for variant, arn in chosen]
    older = older_than_served(current, pinned)
    if older and not (args.version_arn or args.promote):
        raise PinError(f"stale version: {'; '.join(older)} (a late approval? --version-arn rolls back)")
    release = release_of(args.group, pinned)
    write_atomically(Path(args.out), release.to_json())
    for line in older:
        print(f"rollback: {line}", flush=True)
    for variant, version in release.variants:
        print(f"{variant} <- {version.arn} (baselines: {'yes' if version.baselines else 'no'})", flush=True)
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", required=True, help="the model package group")
    parser.add_argument("--variants", required=True, type=parse_variants, help="champion[,challenger]")
    parser.add_argument("--current", required=True, help="the current release file; empty on the first deploy")
    parser.add_argument("--out", required=True, help="the release file to write")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--version-arn", help="pin exactly this version on every variant (rollback)")
    choice.add_argument("--promote", action="store_true", help="the challenger's version serves every variant")
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    if args.promote and len(args.variants) != 2:
        parser.error("--promote needs two variants (champion,challenger)")
    return args


def main(argv: list[str] | None = None, sagemaker: Any = None) -> int:
    """`sagemaker`: a client to use (tests); by default one for --region."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    if sagemaker is None:
        config = Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 8, "mode": "adaptive"})
        sagemaker = boto3.session.Session(region_name=args.region).client("sagemaker", config=config)
    try:
        return run(args, sagemaker)
    except (PinError, ClientError, BotoCoreError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
