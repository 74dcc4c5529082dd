"""Inputs that would hang or quietly mislead: an alias bomb, a recursive document, a region whose
lookups are not committed."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from platform_config import ConfigError, load_config, parse_config
from platform_config.loader import MAX_EXPANDED_VALUES
from platform_config.lookups import availability_zones_key, missing_lookups, s3_prefix_list_key
from stacks.platform_app import build_platform, new_platform_app
from tests.support.synth import SAMPLE_CONFIG

# Nine levels of nine aliases each: 9**9 (387 million) values once expanded.
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{','.join(['*' + chr(97 + level)] * 9)}]\n" for level in range(8)
)


@pytest.fixture
def stops_a_hang() -> Iterator[None]:
    """A safety net, not a timing assertion: a regression fails here instead of hanging the suite."""

    def give_up(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("the loader did not return within 30 s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.usefixtures("stops_a_hang")
def test_an_alias_bomb_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BILLION_LAUGHS, "bomb.yaml")
    assert str(caught.value) == (
        f"bomb.yaml: not valid YAML: its aliases expand to more than {MAX_EXPANDED_VALUES} values "
        "(an alias bomb?); a platform config needs far fewer"
    )


@pytest.mark.usefixtures("stops_a_hang")
def test_a_recursive_document_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("a: &a [*a]\n", "loop.yaml")
    assert str(caught.value) == (
        "loop.yaml: not valid YAML: a YAML alias refers to a node that contains it (a recursive document)"
    )


def test_aliases_that_expand_modestly_are_fine() -> None:
    with pytest.raises(ConfigError) as caught:  # the anchors load; the schema then speaks
        parse_config("x: &x [1, 2]\ny: [*x, *x]\n", "small.yaml")
    assert "alias" not in str(caught.value)


def test_a_region_without_committed_lookups_is_one_line_per_missing_lookup() -> None:
    config = load_config(SAMPLE_CONFIG)
    environment = config.environments[0]
    first, *others = environment.regions
    present = {availability_zones_key(environment.account, region.name) for region in others}
    present |= {s3_prefix_list_key(environment.account, region.name) for region in config.environments[0].regions}
    problems = missing_lookups(config, lambda key: ["zone"] if key in present else None)
    assert problems == [
        f"environments[0].regions[0].name: no lookup of availability zones for account {environment.account} "
        f"in cdk.context.json (key '{availability_zones_key(environment.account, first.name)}'); run `make synth` "
        "once with credentials for that account (the CLI records the lookup), or add the key to "
        f"cdk.context.json by hand (got '{first.name}')"
    ]


def test_every_region_of_the_sample_has_its_lookups_committed() -> None:
    context = json.loads((SAMPLE_CONFIG.parents[1] / "cdk.context.json").read_text())
    assert missing_lookups(load_config(SAMPLE_CONFIG), context.get) == []


def test_the_app_builder_refuses_the_region_before_building_anything(tmp_path: Path) -> None:
    text = SAMPLE_CONFIG.read_text().replace("name: eu-west-1", "name: eu-west-3")
    config = parse_config(text, "moved.yaml", base_dir=SAMPLE_CONFIG.parent)
    app = new_platform_app(outdir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"regions\[1\]\.name: no lookup of availability zones .*'eu-west-3'"):
        build_platform(app, config, "moved.yaml")
    assert app.node.children == []


def test_a_region_without_a_resource_type_the_platform_creates_says_which() -> None:
    text = SAMPLE_CONFIG.read_text().replace("name: eu-west-1", "name: ca-central-1")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "moved.yaml", base_dir=SAMPLE_CONFIG.parent)
    assert str(caught.value) == (
        "moved.yaml: environments[0].regions[1].name: CloudFormation in this region has no AWS::CodeArtifact "
        "(the model build's package mirror), which the platform creates (got 'ca-central-1')"
    )
