"""Read one platform YAML file into a validated `PlatformConfig`, or fail with every problem.

Errors are collected, never raised one at a time: a platform team fixing a config wants the
whole list, one line per problem, each naming the field path and the bad value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from platform_config.checks import cross_field_problems
from platform_config.schema import MAX_SCRIPT_BYTES, PlatformConfig

_MAX_SHOWN = 60
# A platform config holds hundreds of values; aliases that expand past this are an alias bomb
# ("billion laughs"), refused before anything walks the expanded document.
MAX_EXPANDED_VALUES = 100_000


class ConfigError(Exception):
    """Invalid configuration. `problems` holds one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a config must not."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded, counted without
    expanding (each node's size once), so an alias bomb is measured in linear time."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise yaml.YAMLError("a YAML alias refers to a node that contains it (a recursive document)")
        in_progress.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1 + sum(size(child) for child in children)
        in_progress.discard(key)
        sizes[key] = min(total, MAX_EXPANDED_VALUES + 1)
        return sizes[key]

    return size(root)


def _load_yaml(text: str) -> Any:
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_VALUES:
            raise yaml.YAMLError(
                f"its aliases expand to more than {MAX_EXPANDED_VALUES} values (an alias bomb?); "
                "a platform config needs far fewer"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _path(location: tuple[str | int, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not re.fullmatch(r"[A-Za-z0-9_-]+", part):
            path += f"[{part!r}]"  # a key with spaces or control characters stays on one line
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def _pydantic_problems(error: ValidationError) -> list[str]:
    items = error.errors(include_url=False)
    # A list whose items failed also reports "too short ... not 0": noise next to the real cause.
    failed_below = {item["loc"][:n] for item in items for n in range(len(item["loc"]))}
    problems = []
    for item in items:
        if item["type"] == "too_short" and item["loc"] in failed_below:
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "too_short":
            message = f"must have at least {item.get('ctx', {}).get('min_length', 1)} item(s)"
        elif item["type"] == "missing":
            problems.append(f"{_path(item['loc'])}: is required")
            continue
        problems.append(f"{_path(item['loc'])}: {message} (got {_shown(item['input'])})")
    return problems


def _load_scripts(config: PlatformConfig, base_dir: Path) -> list[str]:
    """Read every lifecycle script into its spec, relative to the config file's folder."""
    problems = []
    for c, spec in enumerate(config.studio.lifecycle_configs):
        path = base_dir / spec.script
        where = f"studio.lifecycle_configs[{c}].script"
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(f"{where}: file not found at {path} (got {spec.script!r})")
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{where}: cannot be read as UTF-8 text ({error}) (got {spec.script!r})")
            continue
        size = len(content.encode("utf-8"))
        if not content.strip():
            problems.append(f"{where}: the script is empty (got {spec.script!r})")
        elif size > MAX_SCRIPT_BYTES:
            problems.append(f"{where}: the script is {size} bytes, over {MAX_SCRIPT_BYTES} (got {spec.script!r})")
        else:
            spec._content = content
    return problems


def parse_config(text: str, source: str = "<config>", base_dir: Path | None = None) -> PlatformConfig:
    if not text.strip():
        raise ConfigError(source, ["the file is empty; see config/sample.yaml"])
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(source, [f"not valid YAML: {reason}{where}"]) from None
    except RecursionError:
        raise ConfigError(source, ["not valid YAML: nested too deeply for a platform config"]) from None
    if data is None:  # only comments
        raise ConfigError(source, ["the file is empty; see config/sample.yaml"])
    if not isinstance(data, dict):
        raise ConfigError(source, [f"the top level must be a mapping of keys (got {type(data).__name__})"])
    try:
        config = PlatformConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(source, _pydantic_problems(error)) from None
    problems = [f"{path}: {message} (got {_shown(value)})" for path, message, value in cross_field_problems(config)]
    problems += _load_scripts(config, base_dir if base_dir is not None else Path.cwd())
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: str | Path) -> PlatformConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), [f"cannot be read ({error})"]) from None
    return parse_config(text, str(path), path.parent)
