"""Synth benchmark: configs of growing size, each synthesized by app.py in a fresh process.

python scripts/synth_benchmark.py                 # 1/3/10 regions x 10/100/600 users
python scripts/synth_benchmark.py --regions 1 3 --users 10

For each config it prints wall time, peak memory of the process tree (Python and jsii's Node),
stack count, resources, the largest template (resources, KB), the ratio of synth time to an
empty one-stack app measured in the same run, milliseconds per resource above that empty app
(flat or falling if synthesis grows with resources, not with the square of anything) and the
fullest CloudFormation quota of any template (resources, outputs, parameters, mappings, body size), flagged above 80 %.
Every config is the sample's teams and settings, with the users split over its two teams.
Regions beyond the committed cdk.context.json get placeholder availability zones
(<region>a, b, c) passed as context to this run only: AZ names do not change what is synthesized.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from devtools.synth_app import SynthRun, run_program, synth_config, synth_env
from devtools.synth_summary import stack_templates
from platform_config.lookups import availability_zones_key, s3_prefix_list_key
from stacks.project_context import project_context

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "config" / "sample.yaml"
ACCOUNT = "111122223333"
BENCH_REGIONS = (
    "us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1",
    "eu-west-2", "eu-north-1", "eu-west-3", "ap-southeast-1", "ap-northeast-1",
)  # fmt: skip
QUOTAS = {"Resources": 500, "Outputs": 200, "Parameters": 200, "Mappings": 200}
TEMPLATE_BYTES = 1_000_000  # uploaded through S3, as cdk deploy does
HEADROOM = 0.8
EMPTY_APP = """
import aws_cdk as cdk

app = cdk.App()
stack = cdk.Stack(app, "Empty")
cdk.CfnWaitConditionHandle(stack, "Marker")
app.synth()
"""


@dataclass(frozen=True)
class Measured:
    regions: int
    users: int
    run: SynthRun
    stacks: int
    resources: int
    largest_resources: int
    largest_kb: float
    fullest: tuple[float, str]


def bench_config(regions: int, users: int) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    environment = data["environments"][0]
    environment["regions"] = [
        {"name": name, "vpc_cidr": f"10.{40 + index}.0.0/16", "az_count": 3}
        for index, name in enumerate(BENCH_REGIONS[:regions])
    ]
    half = users // 2
    data["teams"][0]["users"] = [f"scientist-{index:03d}" for index in range(half)]
    data["teams"][1]["users"] = [f"analyst-{index:03d}" for index in range(users - half)]
    return data


def placeholder_lookups(regions: int) -> dict[str, Any]:
    """Availability zones and the S3 prefix list for bench regions the committed context lacks.
    The benchmark measures synthesis, not a deployable config: placeholders are fine here, and
    only here (the platform itself refuses a region without its lookups)."""
    committed = project_context()
    context: dict[str, Any] = {}
    for region in BENCH_REGIONS[:regions]:
        zones, prefix_list = availability_zones_key(ACCOUNT, region), s3_prefix_list_key(ACCOUNT, region)
        if zones not in committed:
            context[zones] = [f"{region}{suffix}" for suffix in "abc"]
        if prefix_list not in committed:
            context[prefix_list] = [{"PrefixListId": "pl-00000000"}]
    return context


def inspect(assembly: Path) -> tuple[int, int, int, float, tuple[float, str]]:
    stacks = resources = largest = 0
    largest_bytes = 0
    fullest = (0.0, "")
    for _, name, path in stack_templates(assembly):
        body = path.read_bytes()
        template = json.loads(body)
        count = len(template.get("Resources", {}))
        stacks, resources, largest = stacks + 1, resources + count, max(largest, count)
        largest_bytes = max(largest_bytes, len(body))
        shares = [(len(template.get(section, {})) / quota, f"{section} of {name}") for section, quota in QUOTAS.items()]
        shares.append((len(body) / TEMPLATE_BYTES, f"body size of {name}"))
        fullest = max(fullest, *shares)
    return stacks, resources, largest, largest_bytes / 1024, fullest


def measure(regions: int, users: int, scratch: Path) -> Measured:
    folder = scratch / f"r{regions}-u{users}"
    folder.mkdir()
    shutil.copytree(SAMPLE.parent / "lifecycle", folder / "lifecycle")  # relative script paths resolve
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(bench_config(regions, users), sort_keys=False))
    run = synth_config(config, folder / "cdk.out", placeholder_lookups(regions))
    stacks, resources, largest, largest_kb, fullest = inspect(folder / "cdk.out")
    shutil.rmtree(folder / "cdk.out")
    return Measured(regions, users, run, stacks, resources, largest, largest_kb, fullest)


def empty_app(scratch: Path) -> SynthRun:
    script = scratch / "empty_app.py"
    script.write_text(EMPTY_APP)
    return run_program([sys.executable, str(script)], synth_env(scratch / "empty.out", {}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="synth time and memory for configs of growing size")
    parser.add_argument("--regions", type=int, nargs="+", default=[1, 3, 10], help="region counts (1-10)")
    parser.add_argument("--users", type=int, nargs="+", default=[10, 100, 600], help="users per domain")
    args = parser.parse_args(argv)
    bad = [
        f"--regions: {count} is not between 1 and {len(BENCH_REGIONS)}"
        for count in args.regions
        if not 1 <= count <= len(BENCH_REGIONS)
    ]
    bad += [f"--users: {count} is not between 2 and 2000" for count in args.users if not 2 <= count <= 2000]
    if bad:
        print("\n".join(f"error: {line}" for line in bad), file=sys.stderr)
        return 2
    machine = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}"
    print(f"synth benchmark, {datetime.now(UTC):%Y-%m-%d}, {machine}")
    print("app.py with every policy gate, one fresh process per config")
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        scratch = Path(name)
        empty_app(scratch)  # warm the jsii and Python caches once, unmeasured
        empty = empty_app(scratch)
        print(f"empty one-stack app: {empty.seconds:.1f} s, {empty.peak_rss_bytes / 2**20:.0f} MiB peak\n")
        columns = ["regions", "users", "stacks", "resources", "largest template", "synth time", "x empty app"]
        columns += ["ms per resource above the empty app", "peak memory", "fullest quota"]
        header = "| " + " | ".join(columns) + " |"
        print(header)
        print("|" + "---|" * header.count(" | ") + "---|")
        over = []
        for regions in args.regions:
            for users in args.users:
                try:
                    found = measure(regions, users, scratch)
                except RuntimeError as error:  # a config the platform refuses, or a finding
                    print(f"error: {regions} regions x {users} users: {error}", file=sys.stderr)
                    return 1
                share, where = found.fullest
                per_resource_ms = 1000 * (found.run.seconds - empty.seconds) / found.resources
                if share > HEADROOM:
                    over.append(f"{where}: {share:.0%}")
                print(
                    f"| {regions} | {users} | {found.stacks} | {found.resources} | "
                    f"{found.largest_resources} resources, {found.largest_kb:.1f} KB | {found.run.seconds:.1f} s | "
                    f"{found.run.seconds / empty.seconds:.1f} | {per_resource_ms:.1f} | "
                    f"{found.run.peak_rss_bytes / 2**20:,.0f} MiB | {share:.0%} ({where}) |",
                    flush=True,
                )
    if over:
        print("\nover 80 % of a CloudFormation quota: " + "; ".join(over), file=sys.stderr)
        return 1
    print(f"\nno template above {HEADROOM:.0%} of a CloudFormation quota")
    return 0
