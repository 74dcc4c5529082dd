"""What a deploy pins: one approved model version per endpoint variant, and the drift baselines
the monitor compares live traffic with.

The deploy pipeline's Release step writes it (`serving/pin_version.py`) after checking each
version again (Approved, in the right group); the serving app reads it (`-c release=<file>`) and
synthesizes the serving stacks from it offline, so the template names the exact versions it
serves and `cdk diff` shows what a deploy changes. A file that is not exactly right is refused,
one line per problem naming the field and the value. Pure Python: the build reads it without CDK.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
VERSION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"model-package/(?P<group>[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})/(?P<version>[1-9]\d*)"
)
S3_URI = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\S+")
VARIANT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


class ReleaseError(ValueError):
    """A release file that is not exactly right: one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


@dataclass(frozen=True)
class Baselines:
    """A version's DriftCheckBaselines (issue 15's QualityCheck steps registered them)."""

    data_statistics: str
    data_constraints: str
    model_statistics: str | None = None
    model_constraints: str | None = None


@dataclass(frozen=True)
class PinnedVersion:
    arn: str
    baselines: Baselines | None

    @property
    def group(self) -> str:
        return _arn(self.arn)["group"]

    @property
    def number(self) -> int:
        return int(_arn(self.arn)["version"])


@dataclass(frozen=True)
class Release:
    """`variants`: (variant name, pinned version), in the config's order (the first is the champion)."""

    group: str
    variants: tuple[tuple[str, PinnedVersion], ...]

    @property
    def newest(self) -> PinnedVersion:
        """The highest version number: its baselines are what the monitor compares with."""
        return max((version for _, version in self.variants), key=lambda version: version.number)

    def version_of(self, variant: str) -> PinnedVersion:
        for name, version in self.variants:
            if name == variant:
                return version
        raise KeyError(variant)

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "group": self.group,
            "variants": [{"name": name, **asdict(version)} for name, version in self.variants],
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "<release>") -> Release:
        try:
            document = json.loads(text, object_pairs_hook=_object)
        except json.JSONDecodeError as error:
            raise ReleaseError(source, [f"not JSON ({error.msg}, line {error.lineno})"]) from None
        except _DuplicateField as error:
            raise ReleaseError(source, [f"{error.field}: given twice in one object"]) from None
        problems = _document_problems(document)
        if problems:
            raise ReleaseError(source, problems)
        return cls(
            group=document["group"],
            variants=tuple(
                (item["name"], PinnedVersion(item["arn"], _baselines(item.get("baselines"))))
                for item in document["variants"]
            ),
        )

    @classmethod
    def load(cls, path: str | Path) -> Release:
        path = Path(path)
        if not path.is_file():
            raise ReleaseError(str(path), ["file not found"])
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ReleaseError(str(path), [f"not UTF-8 text (byte {error.start})"]) from None
        return cls.from_json(text, str(path))


class _DuplicateField(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice is refused (json.loads would keep the last one silently)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateField(key)
        document[key] = value
    return document


def _arn(value: str) -> dict[str, str]:
    match = VERSION_ARN.fullmatch(value)
    if not match:
        raise ValueError(f"not a model package version ARN: {value!r}")
    return match.groupdict()


def _baselines(value: dict[str, Any] | None) -> Baselines | None:
    return Baselines(**value) if value else None


def _baseline_problems(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"{where}: must be an object or null (got {value!r})"]
    problems = [f"{where}.{key}: unknown field" for key in sorted(set(value) - set(Baselines.__annotations__))]
    for key in ("data_statistics", "data_constraints"):
        if not isinstance(value.get(key), str) or not S3_URI.fullmatch(value[key]):
            problems.append(f"{where}.{key}: must be an s3:// URI (got {value.get(key)!r})")
    for key in ("model_statistics", "model_constraints"):
        if value.get(key) is not None and not (isinstance(value[key], str) and S3_URI.fullmatch(value[key])):
            problems.append(f"{where}.{key}: must be an s3:// URI or null (got {value[key]!r})")
    return problems


def _variant_problems(index: int, item: Any, group: Any) -> list[str]:
    where = f"variants[{index}]"
    if not isinstance(item, dict):
        return [f"{where}: must be an object (got {item!r})"]
    problems = [f"{where}.{key}: unknown field" for key in sorted(set(item) - {"name", "arn", "baselines"})]
    if not isinstance(item.get("name"), str) or not VARIANT_NAME.fullmatch(item["name"]):
        problems.append(f"{where}.name: must be a variant name (letters, digits, hyphens) (got {item.get('name')!r})")
    arn = item.get("arn")
    match = VERSION_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        problems.append(f"{where}.arn: must be a model package version ARN (got {arn!r})")
    elif isinstance(group, str) and group and match["group"] != group:  # a bad group is reported once
        problems.append(f"{where}.arn: is a version of group {match['group']}, not {group} (got {arn!r})")
    return problems + _baseline_problems(f"{where}.baselines", item.get("baselines"))


def _document_problems(document: Any) -> list[str]:
    if not isinstance(document, dict):
        return [f"must be a JSON object (got {type(document).__name__})"]
    problems = [f"{key}: unknown field" for key in sorted(set(document) - {"format", "group", "variants"})]
    if type(document.get("format")) is not int or document["format"] != FORMAT:  # not true, not 1.0
        problems.append(f"format: must be {FORMAT} (got {document.get('format')!r})")
    group = document.get("group")
    if not isinstance(group, str) or not group:
        problems.append(f"group: must be a model package group name (got {group!r})")
    variants = document.get("variants")
    if not isinstance(variants, list) or not 1 <= len(variants) <= 2:
        return [*problems, f"variants: must be a list of 1 or 2 variants (got {variants!r})"]
    for index, item in enumerate(variants):
        problems += _variant_problems(index, item, group)
    names = [item["name"] for item in variants if isinstance(item, dict) and isinstance(item.get("name"), str)]
    problems += [f"variants: {name} listed twice" for name in sorted({n for n in names if names.count(n) > 1})]
    return problems
