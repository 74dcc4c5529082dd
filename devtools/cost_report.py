"""Estimate the fixed monthly cost of each environment-region while nobody works, from the
synthesized templates alone and the prices in pricing/prices.yaml.

python scripts/cost_report.py cdk.out                        # breakdown per environment-region
python scripts/cost_report.py cdk.out --profiles CONFIG      # plus each endpoint profile's cost

Counted: interface endpoints (per endpoint per AZ), NAT gateways, MLflow tracking servers, KMS
keys, CodePipeline V1 pipelines, flow-log ingestion and storage, and what the CodeArtifact PyPI
mirror stores (both volumes are assumptions, stated).
Not counted: anything billed by use (jobs, Studio apps, data processed, requests, storage of
what you put in the buckets).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devtools.synth_app import assembly_problem, synth_config
from platform_config.endpoint_catalog import PROFILES

ROOT = Path(__file__).resolve().parents[1]

PRICES = ROOT / "pricing" / "prices.yaml"
RATE_KEYS = (
    "sagemaker_hosting_hour",
    "sagemaker_processing_hour",
    "interface_endpoint_az_hour",
    "nat_gateway_hour",
    "kms_key_month",
    "logs_ingest_gb",
    "logs_storage_gb_month",
    "codepipeline_v1_month",
    "mlflow_server_hour",
    "codeartifact_storage_gb_month",
)
DAYS_PER_MONTH = 30.4
NEVER_EXPIRE_MONTHS = 120  # a log group without retention: ten years of logs, as a stated cap


class PriceError(Exception):
    pass


@dataclass(frozen=True)
class Prices:
    checked: str
    hours_per_month: float
    default: dict[str, Any]
    regions: dict[str, dict[str, Any]]
    flow_logs_gb_month: float
    mirror_gb: float
    monitoring_job_minutes: float = 10.0

    def rate(self, region: str, key: str) -> Any:
        return self.regions.get(region, {}).get(key, self.default[key])


def load_prices(path: Path = PRICES) -> Prices:
    data = yaml.safe_load(path.read_text())
    problems = [f"{path}: default.{key}: missing" for key in RATE_KEYS if key not in data.get("default", {})]
    problems += [f"{path}: sources.{key}: missing" for key in RATE_KEYS if key not in data.get("sources", {})]
    for region, rates in data.get("regions", {}).items():
        problems += [f"{path}: regions.{region}.{key}: not a known price" for key in rates if key not in RATE_KEYS]
    if problems:
        raise PriceError("\n".join(problems))
    return Prices(
        checked=str(data["checked"]),
        hours_per_month=float(data["hours_per_month"]),
        default=data["default"],
        regions=data.get("regions", {}),
        flow_logs_gb_month=float(data["assumptions"]["flow_logs_gb_per_month_idle"]),
        mirror_gb=float(data["assumptions"]["codeartifact_mirror_gb"]),
        monitoring_job_minutes=float(data["assumptions"]["monitoring_job_minutes"]),
    )


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    unit_price: float

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Stage:
    name: str
    region: str
    templates: tuple[dict[str, Any], ...]


def stages(assembly: Path) -> Iterator[Stage]:
    """Each environment-region (a nested stage assembly) with its region and templates."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact in sorted(
        manifest.get("artifacts", {}).values(), key=lambda item: str(item.get("properties", {}).get("displayName"))
    ):
        if artifact["type"] != "cdk:cloud-assembly":
            continue
        directory = assembly / artifact["properties"]["directoryName"]
        nested = json.loads((directory / "manifest.json").read_text())["artifacts"]
        stacks = [item for item in nested.values() if item["type"] == "aws:cloudformation:stack"]
        if not stacks:
            continue
        region = stacks[0]["environment"].rsplit("/", 1)[-1]
        templates = tuple(json.loads((directory / item["properties"]["templateFile"]).read_text()) for item in stacks)
        yield Stage(artifact["properties"]["displayName"], region, templates)


def _resources(stage: Stage, kind: str) -> list[dict[str, Any]]:
    return [
        resource.get("Properties", {})
        for template in stage.templates
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == kind
    ]


def stage_lines(stage: Stage, prices: Prices) -> list[Line]:
    hours, region = prices.hours_per_month, stage.region
    lines: list[Line] = []
    interface = [
        item for item in _resources(stage, "AWS::EC2::VPCEndpoint") if item.get("VpcEndpointType") == "Interface"
    ]
    az_hours = sum(len(item.get("SubnetIds", [])) for item in interface) * hours
    azs = sorted({len(item.get("SubnetIds", [])) for item in interface})
    if interface:
        label = f"interface endpoints ({len(interface)} x {'/'.join(map(str, azs))} AZs)"
        lines.append(Line(label, az_hours, "endpoint-AZ-hours", prices.rate(region, "interface_endpoint_az_hour")))
    nat = _resources(stage, "AWS::EC2::NatGateway")
    if nat:
        lines.append(
            Line(f"NAT gateways ({len(nat)})", len(nat) * hours, "hours", prices.rate(region, "nat_gateway_hour"))
        )
    for server in _resources(stage, "AWS::SageMaker::MlflowTrackingServer"):
        size = server.get("TrackingServerSize", "Small")
        rate = prices.rate(region, "mlflow_server_hour")[size]
        lines.append(Line(f"MLflow tracking server ({size})", hours, "hours", rate))
    keys = _resources(stage, "AWS::KMS::Key")
    if keys:
        lines.append(Line(f"KMS keys ({len(keys)})", len(keys), "key-months", prices.rate(region, "kms_key_month")))
    v1 = [item for item in _resources(stage, "AWS::CodePipeline::Pipeline") if item.get("PipelineType") != "V2"]
    if v1:
        lines.append(
            Line(
                f"CodePipeline V1 ({len(v1)})", len(v1), "pipeline-months", prices.rate(region, "codepipeline_v1_month")
            )
        )
    mirrors = _resources(stage, "AWS::CodeArtifact::Domain")  # a domain stores each package once
    if mirrors:
        lines.append(
            Line(
                f"CodeArtifact mirror storage ({len(mirrors)} domain)",
                len(mirrors) * prices.mirror_gb,
                "GB-months",
                prices.rate(region, "codeartifact_storage_gb_month"),
            )
        )
    lines += _flow_log_lines(stage, prices)
    lines += _serving_lines(stage, prices)
    return lines


MONITOR_RUNS = {"cron(0 * ? * * *)": 730, "cron(0 0 ? * * *)": 30}  # hourly, daily: runs a month
MONITOR_INSTANCE = "ml.m5.xlarge"


def _hourly(prices: Prices, region: str, key: str, instance_type: str) -> float:
    table = prices.rate(region, key)
    if instance_type not in table:
        raise PriceError(f"pricing/prices.yaml: {key} has no price for {instance_type}; add it (and its source)")
    return float(table[instance_type])


def _serving_lines(stage: Stage, prices: Prices) -> list[Line]:
    """Served endpoints (in an assembly synthesized for a release): their instances run all month,
    and each monitoring schedule runs a job per period."""
    lines: list[Line] = []
    for config in _resources(stage, "AWS::SageMaker::EndpointConfig"):
        for variant in config.get("ProductionVariants", []):
            kind, count = variant["InstanceType"], int(variant["InitialInstanceCount"])
            rate = _hourly(prices, stage.region, "sagemaker_hosting_hour", kind)
            lines.append(
                Line(
                    f"endpoint variant {variant['VariantName']} ({count} x {kind})",
                    count * prices.hours_per_month,
                    "instance-hours",
                    rate,
                )
            )
    for schedule in _resources(stage, "AWS::SageMaker::MonitoringSchedule"):
        config = schedule.get("MonitoringScheduleConfig", {})
        runs = MONITOR_RUNS.get(str(config.get("ScheduleConfig", {}).get("ScheduleExpression")), 0)
        rate = _hourly(prices, stage.region, "sagemaker_processing_hour", MONITOR_INSTANCE)
        label = f"monitoring {config.get('MonitoringType', '?')} ({runs} runs of {prices.monitoring_job_minutes:g} min)"
        lines.append(Line(label, runs * prices.monitoring_job_minutes / 60, "instance-hours", rate))
    return lines


def _flow_log_lines(stage: Stage, prices: Prices) -> list[Line]:
    """Flow logs to CloudWatch Logs: the assumed volume, kept as long as their log group keeps it."""
    kept_months: list[float] = []
    for template in stage.templates:
        resources = template.get("Resources", {})
        for resource in resources.values():
            properties = resource.get("Properties", {})
            if (
                resource["Type"] != "AWS::EC2::FlowLog"
                or properties.get("LogDestinationType", "cloud-watch-logs") != "cloud-watch-logs"
            ):
                continue
            group = resources.get(properties.get("LogGroupName", {}).get("Ref", ""), {}).get("Properties", {})
            days = group.get("RetentionInDays")
            kept_months.append(days / DAYS_PER_MONTH if isinstance(days, int) else NEVER_EXPIRE_MONTHS)
    if not kept_months:
        return []
    region = stage.region
    ingested = prices.flow_logs_gb_month * len(kept_months)
    stored = prices.flow_logs_gb_month * sum(kept_months)
    return [
        Line("flow logs ingested (assumed volume)", ingested, "GB", prices.rate(region, "logs_ingest_gb")),
        Line(
            f"flow logs stored ({max(kept_months):.0f} months kept)",
            stored,
            "GB-months",
            prices.rate(region, "logs_storage_gb_month"),
        ),
    ]


def monthly_total(lines: list[Line]) -> float:
    return sum(line.monthly for line in lines)


def summary_line(assembly: Path, prices: Prices | None = None) -> str:
    """One line for the synth summary."""
    prices = prices or load_prices()
    parts = [f"{stage.name} ${monthly_total(stage_lines(stage, prices)):,.2f}" for stage in stages(assembly)]
    return f"fixed cost while idle, per month: {', '.join(parts)} (make cost: breakdown and assumptions)"


def report(assembly: Path, prices: Prices) -> str:
    out = [
        f"Fixed monthly cost while idle (USD; prices checked {prices.checked}, {prices.hours_per_month:g} h a month)"
    ]
    for stage in stages(assembly):
        lines = stage_lines(stage, prices)
        out.append("")
        out.append(f"{stage.name} ({stage.region})")
        out.append(f"  {'item':<44} {'quantity':>10} {'unit':<18} {'price':>8} {'per month':>10}")
        for line in lines:
            figures = f"{line.quantity:>10,.1f} {line.unit:<18} {line.unit_price:>8.4f} {line.monthly:>10,.2f}"
            out.append(f"  {line.item:<44} {figures}")
        out.append(f"  {'total':<44} {'':>10} {'':<18} {'':>8} {monthly_total(lines):>10,.2f}")
    out.append("")
    out.append(
        f"Assumed: {prices.flow_logs_gb_month:g} GB of flow-log records a month per VPC while idle; "
        f"{prices.mirror_gb:g} GB of packages kept by each CodeArtifact mirror. "
        "Not counted: what is billed by use (jobs, Studio apps, endpoint and NAT data processing, "
        "requests, stored data). Served endpoints appear only in an assembly synthesized for a release "
        f"(`python app.py CONFIG --release FILE`); a Model Monitor job is assumed to bill "
        f"{prices.monitoring_job_minutes:g} minutes. A blue/green deploy runs the new fleet beside the old until "
        "the traffic has shifted and the termination wait is over: the production endpoint's instance-hours "
        "double for that time (about 30 minutes with the sample's canary of 10 % and waits of 10 minutes)."
    )
    return "\n".join(out)


def profile_variant(config_text: str, profile: str) -> str:
    """The config with every environment and region on one endpoint profile."""
    data = yaml.safe_load(config_text)
    for environment in data["environments"]:
        environment["endpoints"] = {"profile": profile}
        for region in environment["regions"]:
            region.pop("endpoints", None)
    return yaml.safe_dump(data, sort_keys=False)


def profile_table(config: Path, prices: Prices) -> str:
    """Each endpoint profile's fixed cost for the config, from a synthesis of each variant."""
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="cost-") as scratch:
        for profile in PROFILES:
            # Next to the original, so relative paths in it (lifecycle scripts) still resolve.
            variant = config.parent / f".cost-{profile}-{Path(scratch).name}.yaml"
            variant.write_text(profile_variant(config.read_text(), profile))
            try:
                outdir = Path(scratch) / profile
                synth_config(variant, outdir)
            finally:
                variant.unlink()
            rows.append((profile, {stage.name: monthly_total(stage_lines(stage, prices)) for stage in stages(outdir)}))
    names = list(rows[0][1])
    header = f"| profile | {' | '.join(names)} | all regions |"
    lines = [header, "|" + "---|" * (len(names) + 2)]
    for name_of_profile, costs in rows:
        cells = " | ".join(f"${costs[name]:,.2f}" for name in names)
        lines.append(f"| `{name_of_profile}` | {cells} | ${sum(costs.values()):,.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("assembly", type=Path, help="a synthesized cloud assembly (cdk.out)")
    parser.add_argument("--profiles", type=Path, metavar="CONFIG", help="also price each endpoint profile for CONFIG")
    parser.add_argument("--prices", type=Path, default=PRICES, help="prices file (default pricing/prices.yaml)")
    args = parser.parse_args(argv)
    problem = assembly_problem(args.assembly)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    try:
        prices = load_prices(args.prices)
    except (OSError, PriceError, KeyError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report(args.assembly, prices))
    if args.profiles:
        print("\nEndpoint profiles for", args.profiles, "(per month, each variant synthesized):\n")
        print(profile_table(args.profiles, prices))
    return 0
