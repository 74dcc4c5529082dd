"""Draw one environment-region from the synthesized cloud assembly: its stacks, their main
resources and the references between them (in a stack, through IAM policies, and across stacks).

python scripts/architecture_diagram.py cdk.out --stage dev-us-east-1 --output docs/architecture.png

Writes the Graphviz source next to the picture (.dot) and renders it with `dot`. The source is
deterministic: the same assembly gives the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.synth_app import assembly_problem

# The resources worth a box, with the label of their kind. Everything else (policies, subnets,
# routes, rules' targets, the provider's functions) is left out or folded into what it serves.
KINDS = {
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::SecurityGroup": "security group",
    "AWS::EC2::FlowLog": "flow log",
    "AWS::KMS::Key": "KMS key",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::IAM::Role": "IAM role",
    "AWS::IAM::ManagedPolicy": "permissions boundary",
    "AWS::SageMaker::Domain": "Studio domain",
    "AWS::SageMaker::ModelPackageGroup": "model package group",
    "AWS::SageMaker::Experiment": "experiment",
    "AWS::SageMaker::Pipeline": "SageMaker pipeline",
    "AWS::SageMaker::MlflowTrackingServer": "MLflow tracking server",
    "AWS::CodePipeline::Pipeline": "CodePipeline",
    "AWS::CodeBuild::Project": "CodeBuild project",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::Events::Rule": "EventBridge rule",
    "AWS::StepFunctions::StateMachine": "teardown waiter",
}
# Many of a kind in one stack: one box with a count.
GROUPED = {
    "AWS::SageMaker::UserProfile": "user profiles",
    "AWS::SageMaker::StudioLifecycleConfig": "lifecycle configs",
    "Custom::StudioTeardown": "teardown custom resources",
    "AWS::EC2::VPCEndpoint": "interface endpoints",
}
# Service plumbing roles (CDK providers, CodePipeline actions and events, flow-log delivery).
HIDDEN_ROLES = re.compile(
    r"(Provider|framework|LogRetention|CustomVpcRestrictDefaultSG|ActionRole|EventsRole|PipelineRole|FlowLogIAMRole)",
    re.IGNORECASE,
)
HASH = re.compile(r"[0-9A-F]{8}$")
COLORS = {
    "Network": "#e8f1fb",
    "Data": "#fdf3e3",
    "Studio": "#eef8ee",
    "Registry": "#f5eefb",
    "Pipelines": "#fbeeee",
    "ModelBuild": "#f2f2f2",
    "Guardrails": "#fffbe6",
}


@dataclass
class Graph:
    clusters: dict[str, dict[str, str]] = field(default_factory=dict)  # stack (Data, Studio...) -> node id -> label
    edges: set[tuple[str, str]] = field(default_factory=set)


def _stage_assembly(assembly: Path, stage: str) -> Path:
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact in manifest.get("artifacts", {}).values():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly" and properties.get("displayName") == stage:
            return assembly / str(properties["directoryName"])
    known = sorted(
        str(item.get("properties", {}).get("displayName"))
        for item in manifest.get("artifacts", {}).values()
        if item["type"] == "cdk:cloud-assembly"
    )
    raise SystemExit(f"error: --stage: {stage!r} is not in {assembly} ({', '.join(known)})")


def _references(value: Any) -> Iterator[tuple[str, str, str]]:
    """(kind, target, detail): Ref and GetAtt to a logical id, GetStackOutput to (stack, output)."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield "local", value["Ref"], ""
        elif "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            yield "local", target[0] if isinstance(target, list) else str(target).split(".")[0], ""
        elif "Fn::GetStackOutput" in value:
            found = value["Fn::GetStackOutput"]
            yield "remote", str(found.get("StackName")), str(found.get("OutputName"))
        else:
            for item in value.values():
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _label(logical_id: str, kind: str) -> str:
    name = HASH.sub("", logical_id)
    return f"{kind}\\n{name}"


def build_graph(stage_dir: Path) -> Graph:
    manifest = json.loads((stage_dir / "manifest.json").read_text())["artifacts"]
    stacks = {
        artifact_id: artifact
        for artifact_id, artifact in manifest.items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    templates = {
        aid: json.loads((stage_dir / a["properties"]["templateFile"]).read_text()) for aid, a in stacks.items()
    }
    short = {aid: str(a.get("displayName", aid)).split("/")[-1] for aid, a in stacks.items()}
    by_name = {a["properties"].get("stackName", aid): aid for aid, a in stacks.items()}
    graph = Graph()
    attached = _attached_policies(templates)
    node_of = _add_boxes(graph, templates, short, attached)
    _add_edges(graph, templates, by_name, attached, node_of)
    return graph


def _add_boxes(
    graph: Graph,
    templates: dict[str, dict[str, Any]],
    short: dict[str, str],
    attached: dict[tuple[str, str], set[str]],
) -> dict[tuple[str, str], str]:
    """One cluster per stack with a box; returns the box of each (stack, logical id) that has one."""
    node_of: dict[tuple[str, str], str] = {}
    for aid in sorted(templates):
        nodes: dict[str, str] = {}
        counts: dict[str, int] = {}
        for logical_id, resource in sorted(templates[aid].get("Resources", {}).items()):
            node = _box(short[aid], aid, logical_id, resource, attached, nodes, counts)
            if node is not None:
                node_of[(aid, logical_id)] = node
        if nodes:
            graph.clusters[short[aid]] = nodes
    return node_of


def _box(
    stack: str,
    aid: str,
    logical_id: str,
    resource: dict[str, Any],
    attached: dict[tuple[str, str], set[str]],
    nodes: dict[str, str],
    counts: dict[str, int],
) -> str | None:
    """Labels the resource's box in `nodes` and returns it, or None when it gets none. A grouped kind
    shares one box per stack, so its label is the running count."""
    kind = resource["Type"]
    if kind == "AWS::EC2::VPCEndpoint" and resource.get("Properties", {}).get("VpcEndpointType") == "Gateway":
        node = f"{stack}_{logical_id}"
        nodes[node] = _label(logical_id, "gateway endpoint")
    elif kind in GROUPED:
        node = f"{stack}_{GROUPED[kind].replace(' ', '_')}"
        counts[node] = counts.get(node, 0) + 1
        nodes[node] = f"{counts[node]} {GROUPED[kind]}"
    elif kind in KINDS and not (
        (kind == "AWS::IAM::Role" and HIDDEN_ROLES.search(logical_id)) or (aid, logical_id) in attached
    ):
        node = f"{stack}_{logical_id}"
        nodes[node] = _label(logical_id, KINDS[kind])
    else:
        return None
    return node


def _add_edges(
    graph: Graph,
    templates: dict[str, dict[str, Any]],
    by_name: dict[str, str],
    attached: dict[tuple[str, str], set[str]],
    node_of: dict[tuple[str, str], str],
) -> None:
    for aid in sorted(templates):
        resources = templates[aid].get("Resources", {})
        for logical_id, resource in sorted(resources.items()):
            sources = _sources(aid, logical_id, resource, attached, node_of)
            if not sources:
                continue
            for kind, target, output in _references(resource.get("Properties", {})):
                found = _resolve(kind, target, output, aid, templates, by_name, node_of)
                for source in sources:
                    if found and found != source:
                        graph.edges.add((source, found))


def _sources(
    aid: str,
    logical_id: str,
    resource: dict[str, Any],
    attached: dict[tuple[str, str], set[str]],
    node_of: dict[tuple[str, str], str],
) -> list[str]:
    if resource["Type"] == "AWS::IAM::Policy":  # a policy speaks for the roles it is attached to
        roles = resource.get("Properties", {}).get("Roles", [])
        return sorted({node_of[(aid, ref)] for _, ref, _ in _references(roles) if (aid, ref) in node_of})
    if (aid, logical_id) in attached:
        return sorted(node_of[(aid, role)] for role in attached[(aid, logical_id)] if (aid, role) in node_of)
    return [node_of[(aid, logical_id)]] if (aid, logical_id) in node_of else []


def _attached_policies(templates: dict[str, dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """Managed policies that roles of their own stack carry (ManagedPolicyArns) -> those roles.
    They are folded into the roles, like inline policies; the permissions boundary, which no role
    carries that way, keeps its box."""
    attached: dict[tuple[str, str], set[str]] = {}
    for aid, template in templates.items():
        for role_id, resource in template.get("Resources", {}).items():
            if resource["Type"] != "AWS::IAM::Role":
                continue
            for kind, policy_id, _ in _references(resource.get("Properties", {}).get("ManagedPolicyArns", [])):
                if kind == "local":
                    attached.setdefault((aid, policy_id), set()).add(role_id)
    return attached


def _resolve(
    kind: str,
    target: str,
    output: str,
    aid: str,
    templates: dict[str, dict[str, Any]],
    by_name: dict[str, str],
    node_of: dict[tuple[str, str], str],
) -> str | None:
    if kind == "local":
        return node_of.get((aid, target))
    producer = by_name.get(target)
    if producer is None:
        return None
    value = templates[producer].get("Outputs", {}).get(output, {}).get("Value")
    for _, logical_id, _ in _references(value):
        return node_of.get((producer, logical_id))
    return None


def to_dot(graph: Graph, stage: str) -> str:
    lines = [
        "digraph architecture {",
        f'  label="{stage}: stacks, main resources and the references between them (from the cloud assembly)";',
        '  labelloc=t; fontname="Helvetica"; fontsize=18; rankdir=LR; newrank=true; nodesep=0.25; ranksep=0.9;',
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica", fontsize=10];',
        '  edge [color="#7a7a7a", arrowsize=0.6];',
    ]
    for stack in sorted(graph.clusters):
        color = COLORS.get(re.sub(r"\d+$", "", stack), "#f7f7f7")
        lines.append(f'  subgraph "cluster_{stack}" {{')
        lines.append(f'    label="{stack} stack"; style="rounded,filled"; fillcolor="{color}"; color="#b0b0b0";')
        for node, label in sorted(graph.clusters[stack].items()):
            lines.append(f'    "{node}" [label="{label}"];')
        lines.append("  }")
    for source, target in sorted(graph.edges):
        lines.append(f'  "{source}" -> "{target}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="render one environment-region as a PNG")
    parser.add_argument("assembly", type=Path)
    parser.add_argument("--stage", required=True, help="environment-region, e.g. dev-us-east-1")
    parser.add_argument("--output", type=Path, required=True, help="the PNG to write; the .dot goes next to it")
    args = parser.parse_args(argv)
    problem = assembly_problem(args.assembly)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    dot = shutil.which("dot")
    if dot is None:
        print("error: Graphviz's dot is not installed: apt-get install graphviz", file=sys.stderr)
        return 1
    source = to_dot(build_graph(_stage_assembly(args.assembly, args.stage)), args.stage)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    dot_file = args.output.with_suffix(".dot")
    dot_file.write_text(source)
    subprocess.run([dot, "-Tpng", "-Gdpi=96", "-o", str(args.output), str(dot_file)], check=True)
    print(f"wrote {args.output} and {dot_file}")
    return 0
