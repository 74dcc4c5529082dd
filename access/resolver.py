"""Turn a template's intrinsic functions into the concrete values of one deployment.

The account and region are the stack's own (from the cloud assembly), the partition is `aws`.
Physical names and ids that CloudFormation or AWS would choose are deterministic stand-ins
(`physical_names`), so that a journey resolves to the same ARN on every run. Anything the
resolver does not model raises `ResolutionError` naming the stack, the logical id and the JSON
path: a policy the harness cannot read exactly is a broken proof, never a placeholder.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from access.assembly import Assembly, Stack
from access.physical_names import fake_id, fake_uuid, generated_name
from access.resource_types import TYPES, TypeSpec

Path = tuple[str | int, ...]


class _NoValue:
    """`Ref: AWS::NoValue`: the property or list element is absent."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()


class ResolutionError(Exception):
    """An intrinsic the harness cannot resolve; the message names stack, logical id and JSON path."""


def json_path(path: Path) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def describe(stack: Stack, path: Path) -> str:
    """`dev-us-east-1/Studio TeamvisionDefaultPolicy $.Resources...`: where a value sits."""
    logical_id = str(path[1]) if len(path) > 1 and path[0] in ("Resources", "Outputs", "Conditions") else "-"
    return f"{stack.display_name} {logical_id} {json_path(path)}"


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_PSEUDO_WITHOUT_VALUE = {"AWS::NoValue"}


def _where(stack: Stack) -> str:
    return f"{stack.account}/{stack.region}"


@dataclass
class _Resource:
    """A resource as `resource_types` sees it: its physical name and properties, resolved on demand."""

    resolver: Resolver
    stack: Stack
    logical_id: str
    spec: TypeSpec
    partition: str
    account: str
    region: str

    @property
    def name(self) -> str:
        return self.resolver.physical_name(self.stack, self.logical_id)

    def prop(self, key: str) -> str:
        value = self.resolver.resource_property(self.stack, self.logical_id, key)
        if value is NO_VALUE or not isinstance(value, str):
            path = ("Resources", self.logical_id, "Properties", key)
            raise ResolutionError(f"{describe(self.stack, path)}: needs the string property {key}")
        return value

    def optional_prop(self, key: str, default: str) -> str:
        properties = self.stack.resources()[self.logical_id].get("Properties", {})
        return self.prop(key) if key in properties else default

    def fake_id(self, prefix: str, *, length: int = 17, alphabet: str = "hex") -> str:
        return fake_id(
            prefix, self.stack.stack_name, self.logical_id, where=_where(self.stack), length=length, alphabet=alphabet
        )

    def fake_uuid(self) -> str:
        return fake_uuid(self.stack.stack_name, self.logical_id, where=_where(self.stack))


class Resolver:
    """Resolves values of any stack of one cloud assembly (cross-stack references stay inside it)."""

    def __init__(self, assembly: Assembly, *, partition: str = "aws") -> None:
        self.assembly = assembly
        self.partition = partition
        self._in_progress: set[tuple[str, str, str]] = set()

    # -- public entry points -------------------------------------------------------------------

    def resolve(self, stack: Stack, value: Any, path: Path) -> Any:
        """`value` sits at `path` in `stack`'s template; returns it with every intrinsic resolved."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key, argument), *_ = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(stack, key, argument, (*path, key))
            resolved = {key: self.resolve(stack, item, (*path, key)) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(stack, item, (*path, index)) for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def resource_property(self, stack: Stack, logical_id: str, key: str) -> Any:
        resource = self._resource(stack, logical_id, ("Resources", logical_id))
        properties = resource.get("Properties", {})
        path: Path = ("Resources", logical_id, "Properties", key)
        if key not in properties:
            raise ResolutionError(f"{describe(stack, path)}: the property {key} is not set")
        with self._guard(stack, logical_id, f"property {key}", path):
            return self.resolve(stack, properties[key], path)

    def physical_name(self, stack: Stack, logical_id: str) -> str:
        resource = self._resource(stack, logical_id, ("Resources", logical_id))
        spec = self._spec(stack, logical_id, resource)
        if spec.name_property and spec.name_property in resource.get("Properties", {}):
            name = self.resource_property(stack, logical_id, spec.name_property)
            if name is not NO_VALUE:
                if not isinstance(name, str):
                    path = ("Resources", logical_id, "Properties", spec.name_property)
                    raise ResolutionError(f"{describe(stack, path)}: the name is not a string ({name!r})")
                return name
        return generated_name(
            stack.stack_name, logical_id, where=_where(stack), max_length=spec.name_max, lowercase=spec.lowercase_name
        )

    def ref(self, stack: Stack, target: str, path: Path) -> Any:
        pseudo = self._pseudo_parameter(stack, target)
        if pseudo is not None:
            return pseudo
        if target in _PSEUDO_WITHOUT_VALUE:
            return NO_VALUE
        parameters = stack.template.get("Parameters", {})
        if target in parameters:
            if "Default" not in parameters[target]:
                raise ResolutionError(f"{describe(stack, path)}: the parameter {target} has no Default to resolve with")
            return parameters[target]["Default"]
        resource = self._resource(stack, target, path)
        spec = self._spec(stack, target, resource, path)
        if spec.ref is None:
            raise ResolutionError(f"{describe(stack, path)}: Ref of {resource['Type']} ({target}) is not modeled")
        with self._guard(stack, target, "Ref", path):
            return spec.ref(self._physical(stack, target, spec))

    def get_att(self, stack: Stack, logical_id: str, attribute: str, path: Path) -> Any:
        resource = self._resource(stack, logical_id, path)
        spec = self._spec(stack, logical_id, resource, path)
        builder = spec.attributes.get(attribute)
        if builder is None:
            raise ResolutionError(
                f"{describe(stack, path)}: Fn::GetAtt {attribute} of {resource['Type']} ({logical_id}) is not modeled"
            )
        with self._guard(stack, logical_id, attribute, path):
            return builder(self._physical(stack, logical_id, spec))

    def output(self, stack: Stack, output_name: str, path: Path | None = None) -> Any:
        outputs = stack.template.get("Outputs", {})
        if output_name not in outputs:
            where = describe(stack, path) if path else stack.display_name
            raise ResolutionError(f"{where}: {stack.display_name} has no output {output_name}")
        output_path: Path = ("Outputs", output_name, "Value")
        with self._guard(stack, f"Outputs.{output_name}", "Value", output_path):
            return self.resolve(stack, outputs[output_name]["Value"], output_path)

    def condition(self, stack: Stack, name: str, path: Path) -> bool:
        conditions = stack.template.get("Conditions", {})
        if name not in conditions:
            raise ResolutionError(f"{describe(stack, path)}: no condition named {name}")
        condition_path: Path = ("Conditions", name)
        with self._guard(stack, f"Conditions.{name}", "value", condition_path):
            return self._truth(stack, conditions[name], condition_path)

    def resource_exists(self, stack: Stack, logical_id: str) -> bool:
        """False for a resource whose `Condition` is false: CloudFormation does not create it."""
        resource = self._resource(stack, logical_id, ("Resources", logical_id))
        condition = resource.get("Condition")
        return condition is None or self.condition(stack, condition, ("Resources", logical_id, "Condition"))

    # -- intrinsics ------------------------------------------------------------------------------

    def _intrinsic(self, stack: Stack, key: str, argument: Any, path: Path) -> Any:
        handlers = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::ImportValue": self._import_value,
            "Fn::GetStackOutput": self._get_stack_output,
            "Fn::Base64": self._base64,
            "Fn::FindInMap": self._find_in_map,
        }
        handler = handlers.get(key)
        if handler is None:
            raise ResolutionError(f"{describe(stack, path)}: the intrinsic {key} is not modeled")
        return handler(stack, argument, path)

    def _ref(self, stack: Stack, argument: Any, path: Path) -> Any:
        if not isinstance(argument, str):
            raise ResolutionError(f"{describe(stack, path)}: Ref takes a name, got {argument!r}")
        return self.ref(stack, argument, path)

    def _get_att(self, stack: Stack, argument: Any, path: Path) -> Any:
        if isinstance(argument, str) and "." in argument:
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise ResolutionError(f"{describe(stack, path)}: Fn::GetAtt takes [LogicalId, Attribute], got {argument!r}")
        attribute = self._string(stack, argument[1], (*path, 1))
        return self.get_att(stack, self._string(stack, argument[0], (*path, 0)), attribute, path)

    def _join(self, stack: Stack, argument: Any, path: Path) -> str:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            raise ResolutionError(f"{describe(stack, path)}: Fn::Join takes [delimiter, list], got {argument!r}")
        items = self.resolve(stack, argument[1], (*path, 1))
        if not isinstance(items, list):
            raise ResolutionError(f"{describe(stack, path)}: Fn::Join needs a list, got {items!r}")
        return argument[0].join(self._scalar_text(stack, item, (*path, 1, index)) for index, item in enumerate(items))

    def _sub(self, stack: Stack, argument: Any, path: Path) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            text = argument[0]
            variables = {
                name: self._scalar_text(stack, self.resolve(stack, value, (*path, 1, name)), (*path, 1, name))
                for name, value in dict(argument[1]).items()
            }
        else:
            raise ResolutionError(f"{describe(stack, path)}: Fn::Sub takes a string or [string, map], got {argument!r}")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} writes ${Literal}
            if name in variables:
                return variables[name]
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self._scalar_text(stack, self.get_att(stack, logical_id, attribute, path), path)
            return self._scalar_text(stack, self.ref(stack, name, path), path)

        return _SUB_VARIABLE.sub(substitute, text)

    def _select(self, stack: Stack, argument: Any, path: Path) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise ResolutionError(f"{describe(stack, path)}: Fn::Select takes [index, list], got {argument!r}")
        index = self.resolve(stack, argument[0], (*path, 0))
        items = self.resolve(stack, argument[1], (*path, 1))
        try:
            position = int(index)
        except (TypeError, ValueError) as error:
            raise ResolutionError(f"{describe(stack, path)}: Fn::Select index {index!r} is not a number") from error
        if not isinstance(items, list) or not 0 <= position < len(items):
            raise ResolutionError(f"{describe(stack, path)}: Fn::Select index {position} is outside {items!r}")
        return items[position]

    def _split(self, stack: Stack, argument: Any, path: Path) -> list[str]:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            raise ResolutionError(f"{describe(stack, path)}: Fn::Split takes [delimiter, string], got {argument!r}")
        source = self._string(stack, argument[1], (*path, 1))
        return source.split(argument[0])

    def _if(self, stack: Stack, argument: Any, path: Path) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            raise ResolutionError(f"{describe(stack, path)}: Fn::If takes [condition, then, else], got {argument!r}")
        chosen = 1 if self.condition(stack, argument[0], path) else 2
        return self.resolve(stack, argument[chosen], (*path, chosen))

    def _import_value(self, stack: Stack, argument: Any, path: Path) -> Any:
        export = self._string(stack, argument, path)
        for producer in self.assembly.stacks:
            if (producer.account, producer.region) != (stack.account, stack.region):
                continue
            for name, output in producer.template.get("Outputs", {}).items():
                exported = output.get("Export", {}).get("Name")
                if (
                    exported is not None
                    and self.resolve(producer, exported, ("Outputs", name, "Export", "Name")) == export
                ):
                    return self.output(producer, name)
        raise ResolutionError(f"{describe(stack, path)}: no stack of this assembly exports {export!r}")

    def _get_stack_output(self, stack: Stack, argument: Any, path: Path) -> Any:
        # CDK's weak cross-stack reference: read at deploy time from the producer's outputs.
        if not isinstance(argument, Mapping) or not {"StackName", "OutputName"} <= set(argument):
            raise ResolutionError(f"{describe(stack, path)}: Fn::GetStackOutput needs StackName and OutputName")
        stack_name = self._string(stack, argument["StackName"], (*path, "StackName"))
        region = self._string(stack, argument.get("Region", stack.region), (*path, "Region"))
        account = stack.account
        if "RoleArn" in argument:
            role_arn = self._string(stack, argument["RoleArn"], (*path, "RoleArn"))
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else account
        output_name = self._string(stack, argument["OutputName"], (*path, "OutputName"))
        for producer in self.assembly.stacks:
            if (producer.stack_name, producer.region, producer.account) == (stack_name, region, account):
                return self.output(producer, output_name, path)
        raise ResolutionError(
            f"{describe(stack, path)}: no stack {stack_name} in {account}/{region} in this assembly for {output_name}"
        )

    def _base64(self, stack: Stack, argument: Any, path: Path) -> str:
        return base64.b64encode(self._string(stack, argument, path).encode()).decode()

    def _find_in_map(self, stack: Stack, argument: Any, path: Path) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise ResolutionError(f"{describe(stack, path)}: Fn::FindInMap takes [map, key, key], got {argument!r}")
        map_name, first, second = (self._string(stack, item, (*path, i)) for i, item in enumerate(argument))
        try:
            return stack.template["Mappings"][map_name][first][second]
        except KeyError as error:
            raise ResolutionError(f"{describe(stack, path)}: no mapping {map_name}.{first}.{second}") from error

    # -- conditions ------------------------------------------------------------------------------

    def _truth(self, stack: Stack, value: Any, path: Path) -> bool:
        if not (isinstance(value, Mapping) and len(value) == 1):
            raise ResolutionError(f"{describe(stack, path)}: a condition must be one function, got {value!r}")
        (key, argument), *_ = value.items()
        if key == "Condition":
            return self.condition(stack, self._string(stack, argument, path), path)
        if key == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
            left, right = (self.resolve(stack, item, (*path, key, i)) for i, item in enumerate(argument))
            return bool(left == right)
        if key in ("Fn::And", "Fn::Or") and isinstance(argument, list):
            results = [self._truth(stack, item, (*path, key, i)) for i, item in enumerate(argument)]
            return all(results) if key == "Fn::And" else any(results)
        if key == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
            return not self._truth(stack, argument[0], (*path, key, 0))
        raise ResolutionError(f"{describe(stack, path)}: the condition function {key} is not modeled")

    # -- helpers ---------------------------------------------------------------------------------

    def _pseudo_parameter(self, stack: Stack, name: str) -> Any:
        values: dict[str, Any] = {
            "AWS::AccountId": stack.account,
            "AWS::Region": stack.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{stack.region}:{stack.account}:stack/"
                f"{stack.stack_name}/{fake_uuid(stack.stack_name, 'AWS::StackId', where=_where(stack))}"
            ),
            "AWS::NotificationARNs": [],
        }
        return values.get(name)

    def _resource(self, stack: Stack, logical_id: str, path: Path) -> Mapping[str, Any]:
        resource = stack.resources().get(logical_id)
        if resource is None:
            raise ResolutionError(f"{describe(stack, path)}: no resource {logical_id} in {stack.display_name}")
        return resource

    def _spec(self, stack: Stack, logical_id: str, resource: Mapping[str, Any], path: Path | None = None) -> TypeSpec:
        spec = TYPES.get(resource.get("Type", ""))
        if spec is None:
            where = describe(stack, path or ("Resources", logical_id))
            raise ResolutionError(f"{where}: the resource type {resource.get('Type')} ({logical_id}) is not modeled")
        return spec

    def _physical(self, stack: Stack, logical_id: str, spec: TypeSpec) -> _Resource:
        return _Resource(self, stack, logical_id, spec, self.partition, stack.account, stack.region)

    def _string(self, stack: Stack, value: Any, path: Path) -> str:
        resolved = self.resolve(stack, value, path)
        if not isinstance(resolved, str):
            raise ResolutionError(f"{describe(stack, path)}: expected a string, got {resolved!r}")
        return resolved

    def _scalar_text(self, stack: Stack, value: Any, path: Path) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ResolutionError(f"{describe(stack, path)}: expected a string, got {value!r}")
        return str(value)

    @contextmanager
    def _guard(self, stack: Stack, logical_id: str, what: str, path: Path) -> Iterator[None]:
        # A reference cycle (a name that refers to itself through other resources) would recurse forever.
        key = (stack.display_name, logical_id, what)
        if key in self._in_progress:
            raise ResolutionError(f"{describe(stack, path)}: {logical_id} {what} refers to itself")
        self._in_progress.add(key)
        try:
            yield
        finally:
            self._in_progress.discard(key)
