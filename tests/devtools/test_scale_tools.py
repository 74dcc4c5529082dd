"""The architecture diagram's graph and the synth benchmark's configs (no Graphviz needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devtools.architecture_diagram import _stage_assembly, build_graph, to_dot
from devtools.synth_benchmark import ACCOUNT, BENCH_REGIONS, bench_config, placeholder_lookups
from platform_config import parse_config
from platform_config.lookups import availability_zones_key, s3_prefix_list_key
from stacks.project_context import project_context
from tests.support.synth import ROOT, Synthesized


@pytest.fixture(scope="module")
def graph_source(sample: Synthesized) -> str:
    return to_dot(build_graph(_stage_assembly(sample.outdir, "dev-us-east-1")), "dev-us-east-1")


def test_diagram_has_a_cluster_per_stack_with_its_main_resources(sample: Synthesized) -> None:
    graph = build_graph(_stage_assembly(sample.outdir, "dev-us-east-1"))
    assert set(graph.clusters) == {
        "Data", "Deploy", "Guardrails", "ModelBuild", "Network", "Pipelines", "Registry", "Studio",
        "Users0", "Users1", "Users2", "Users3",
    }  # fmt: skip
    assert graph.clusters["Network"]["Network_interface_endpoints"] == "14 interface endpoints"
    assert not [node for node in graph.clusters["Studio"] if "Data" in node or "Work" in node]  # folded into roles
    assert "Data_DatasetsBucket" in graph.clusters["Data"]
    assert (
        sum(
            int(label.split()[0])
            for stack, nodes in graph.clusters.items()
            for node, label in nodes.items()
            if node.endswith("user_profiles")
        )
        == 5
    )


def test_diagram_edges_follow_references_policies_and_stack_outputs(sample: Synthesized) -> None:
    edges = build_graph(_stage_assembly(sample.outdir, "dev-us-east-1")).edges
    assert ("Studio_StudioDomain", "Data_PlatformKey") in edges  # across stacks, through an output
    assert ("Network_interface_endpoints", "Network_Vpc") in edges  # in one stack
    team_role = next(source for source, _ in edges if source.startswith("Studio_Teamvision"))
    assert (team_role, "Data_DatasetsBucket") in edges  # through the role's policy


def test_diagram_source_is_deterministic(sample: Synthesized, graph_source: str) -> None:
    again = to_dot(build_graph(_stage_assembly(sample.outdir, "dev-us-east-1")), "dev-us-east-1")
    assert again == graph_source
    assert graph_source.startswith("digraph architecture {")


def test_an_unknown_stage_names_the_known_ones(sample: Synthesized) -> None:
    with pytest.raises(SystemExit, match=r"--stage: 'dev-mars-1' is not in .* \(dev-eu-west-1, dev-us-east-1\)"):
        _stage_assembly(sample.outdir, "dev-mars-1")


@pytest.mark.parametrize(("regions", "users"), [(1, 10), (3, 100), (10, 600)])
def test_benchmark_configs_are_valid_and_the_size_asked_for(regions: int, users: int) -> None:
    import yaml

    config = parse_config(yaml.safe_dump(bench_config(regions, users)), "bench", ROOT / "config")
    assert [region.name for region in config.environments[0].regions] == list(BENCH_REGIONS[:regions])
    assert len(config.all_users) == users


def test_only_regions_without_committed_lookups_get_placeholders() -> None:
    lookups = placeholder_lookups(10)
    committed = project_context()
    expected = {
        key
        for region in BENCH_REGIONS
        for key in (availability_zones_key(ACCOUNT, region), s3_prefix_list_key(ACCOUNT, region))
        if key not in committed
    }
    assert set(lookups) == expected
    assert len(expected) >= 10
    assert lookups["availability-zones:account=111122223333:region=eu-north-1"] == [
        "eu-north-1a",
        "eu-north-1b",
        "eu-north-1c",
    ]


def test_benchmark_refuses_bad_sizes() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/synth_benchmark.py", "--regions", "11", "--users", "1"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: --regions: 11 is not between 1 and 10",
        "error: --users: 1 is not between 2 and 2000",
    ]


@pytest.mark.cli
def test_the_smallest_benchmark_runs_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/synth_benchmark.py", "--regions", "1", "--users", "10"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("| 1 | 10 |"))
    assert row.split(" | ")[2] == "12"  # stacks: the sample's one environment-region (with Deploy)
    assert done.stdout.rstrip().endswith("no template above 80% of a CloudFormation quota")


def test_diagram_sources_are_committed_next_to_the_picture() -> None:
    assert (ROOT / "docs" / "architecture.png").is_file()
    assert (ROOT / "docs" / "architecture.dot").read_text().startswith("digraph architecture {")
    assert Path("docs/architecture.png").name in (ROOT / "README.md").read_text()
