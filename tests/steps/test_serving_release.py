"""The release file (serving/release.py): what a deploy pins, written by the Release step and read
by the serving app. Byte-identical round trips; every refusal one line naming the field."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from serving.release import Baselines, PinnedVersion, Release, ReleaseError

GROUP = "mlexp-dev-defect-detector"
PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:model-package"
V3 = f"{PREFIX}/{GROUP}/3"
V5 = f"{PREFIX}/{GROUP}/5"
DATA_ONLY = Baselines(
    "s3://artifacts/vision/baselines/statistics.json", "s3://artifacts/vision/baselines/constraints.json"
)
BOTH = Baselines(
    "s3://artifacts/vision/b5/data/statistics.json",
    "s3://artifacts/vision/b5/data/constraints.json",
    "s3://artifacts/vision/b5/model/statistics.json",
    "s3://artifacts/vision/b5/model/constraints.json",
)
RELEASE = Release(GROUP, (("champion", PinnedVersion(V3, DATA_ONLY)), ("challenger", PinnedVersion(V5, BOTH))))


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RELEASE.to_json())
    return loaded


def refused(text: str) -> ReleaseError:
    with pytest.raises(ReleaseError) as caught:
        Release.from_json(text)
    return caught.value


def test_a_release_round_trips_byte_identical(tmp_path: Path) -> None:
    text = RELEASE.to_json()
    assert Release.from_json(text) == RELEASE
    assert Release.from_json(text).to_json() == text
    path = tmp_path / "release.json"
    path.write_text(text)
    assert Release.load(path).to_json() == text


def test_the_file_is_sorted_indented_and_ends_with_a_newline() -> None:
    text = Release(GROUP, (("champion", PinnedVersion(V3, None)),)).to_json()
    assert text == (
        "{\n"
        '  "format": 1,\n'
        f'  "group": "{GROUP}",\n'
        '  "variants": [\n'
        "    {\n"
        f'      "arn": "{V3}",\n'
        '      "baselines": null,\n'
        '      "name": "champion"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_versions_know_their_group_and_number_and_the_newest_gives_the_baselines() -> None:
    assert RELEASE.version_of("champion").number == 3
    assert RELEASE.version_of("challenger").group == GROUP
    assert RELEASE.newest == PinnedVersion(V5, BOTH)
    with pytest.raises(KeyError):
        RELEASE.version_of("shadow")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the document: `path` is dotted, with list indexes (`variants.0.name`)."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]

    return change


ONE_PROBLEM = [
    (_set("extra", 1), "extra: unknown field"),
    (_set("format", 2), "format: must be 1 (got 2)"),
    (_set("format", True), "format: must be 1 (got True)"),
    (_set("format", 1.0), "format: must be 1 (got 1.0)"),
    (_drop("format"), "format: must be 1 (got None)"),
    (_set("group", ""), "group: must be a model package group name (got '')"),
    (_set("variants", []), "variants: must be a list of 1 or 2 variants (got [])"),
    (_set("variants", "champion"), "variants: must be a list of 1 or 2 variants (got 'champion')"),
    (_set("variants.1", "challenger"), "variants[1]: must be an object (got 'challenger')"),
    (_set("variants.0.weight", 90), "variants[0].weight: unknown field"),
    (_set("variants.0.name", "a_b"), "variants[0].name: must be a variant name (letters, digits, hyphens) (got 'a_b')"),
    (_drop("variants.1.name"), "variants[1].name: must be a variant name (letters, digits, hyphens) (got None)"),
    (
        _set("variants.0.arn", f"{PREFIX}/{GROUP}"),
        f"variants[0].arn: must be a model package version ARN (got '{PREFIX}/{GROUP}')",
    ),
    (
        _set("variants.0.arn", f"{PREFIX}/{GROUP}/0"),
        f"variants[0].arn: must be a model package version ARN (got '{PREFIX}/{GROUP}/0')",
    ),
    (_set("variants.1.name", "champion"), "variants: champion listed twice"),
    (_set("variants.0.baselines", "s3://b/k"), "variants[0].baselines: must be an object or null (got 's3://b/k')"),
    (_set("variants.0.baselines.extra", "x"), "variants[0].baselines.extra: unknown field"),
    (
        _set("variants.0.baselines.data_statistics", "/local/statistics.json"),
        "variants[0].baselines.data_statistics: must be an s3:// URI (got '/local/statistics.json')",
    ),
    (
        _drop("variants.0.baselines.data_constraints"),
        "variants[0].baselines.data_constraints: must be an s3:// URI (got None)",
    ),
    (
        _set("variants.1.baselines.model_constraints", "s3://B/k"),
        "variants[1].baselines.model_constraints: must be an s3:// URI or null (got 's3://B/k')",
    ),
]


@pytest.mark.parametrize(("change", "problem"), ONE_PROBLEM, ids=[problem.split(":")[0] for _, problem in ONE_PROBLEM])
def test_each_refusal_is_one_line_naming_the_field_and_value(
    change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    doc = copy.deepcopy(document())
    change(doc)
    error = refused(json.dumps(doc))
    assert error.problems == [problem]
    assert str(error) == f"<release>: {problem}"


def test_a_version_of_another_group_is_refused() -> None:
    doc = document()
    other = f"{PREFIX}/mlexp-dev-demand-forecast/7"
    doc["variants"][1]["arn"] = other
    assert refused(json.dumps(doc)).problems == [
        f"variants[1].arn: is a version of group mlexp-dev-demand-forecast, not {GROUP} (got '{other}')"
    ]


def test_every_problem_is_reported_each_on_its_own_line() -> None:
    doc = document()
    doc["format"], doc["variants"][0]["arn"], doc["variants"][1]["baselines"] = 0, "v3", {}
    error = refused(json.dumps(doc))
    assert [line.split(":")[1].strip() for line in str(error).splitlines()] == [
        "format",
        "variants[0].arn",
        "variants[1].baselines.data_statistics",
        "variants[1].baselines.data_constraints",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{nope", "not JSON (Expecting property name enclosed in double quotes, line 1)"),
        ("[]", "must be a JSON object (got list)"),
        ('{"format": 1, "format": 1}', "format: given twice in one object"),
    ],
)
def test_a_file_that_is_not_one_json_object_is_refused(text: str, problem: str) -> None:
    assert refused(text).problems == [problem]


def test_a_field_given_twice_is_refused_not_silently_replaced() -> None:
    """json.loads keeps the last of two equal keys: the file would pin a version no one reads first."""
    text = RELEASE.to_json().replace(f'"arn": "{V3}"', f'"arn": "{V5}", "arn": "{V3}"')
    assert refused(text).problems == ["arn: given twice in one object"]


def test_names_that_are_not_strings_are_refused_without_a_crash() -> None:
    doc = document()
    doc["variants"][0]["name"] = doc["variants"][1]["name"] = ["champion"]
    assert [problem.split(":")[0] for problem in refused(json.dumps(doc)).problems] == [
        "variants[0].name",
        "variants[1].name",
    ]


def test_load_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(ReleaseError, match=rf"^{missing}: file not found$"):
        Release.load(missing)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(ReleaseError, match=rf"^{binary}: not UTF-8 text \(byte 0\)$"):
        Release.load(binary)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(RELEASE.to_json().replace('"format": 1', '"format": 2'))
    with pytest.raises(ReleaseError, match=rf"^{wrong}: format: must be 1 \(got 2\)$"):
        Release.load(wrong)
