"""The placeholders journeys use to name principals, resources and context values of a stage.

    {account} {region} {partition} {stage}      the stage's account, region, partition, stage id
    {project} {environment}                     the config's project and the stage's environment
    {foreign_account}                           a fixed account that is none of the platform's
    {output:Studio/ExecutionRoleArnvision}      a stack output of the stage, resolved
    {arn:Studio/Team-vision}                    the ARN of the resource at that construct path
    {name:Data/Datasets}                        its physical name (explicit, or generated)
    {ref:Studio/Domain}                         what Ref returns (a domain id, a VPC id...)
    {endpoint:sagemaker-api}                    the id of the stage's VPC endpoint of that catalog name
    {consumer_account:demand-forecast}          the first consumer account of a model group
    {approver:0}                                the first configured approver ARN
    {source_connection:vision}                  the CodeConnections ARN of a team's model-build source
    {published_repository:model-monitor}        the ECR repository ARN of an AWS-published image in the
                                                stage's region (platform_config/image_uris.json)

A construct path is relative to the stage and ends at the construct (`Studio/Team-vision`);
trailing `Resource` segments may be written or left out. Two filters may follow a placeholder:
`|head:N` keeps its first N characters (CodePipeline writes artifacts under the first 20
characters of the pipeline's name), and `|list`, for a placeholder that fills a whole context
value, splits it on commas into a list (`{output:Network/IsolatedSubnetIds|list}`).
Anything unknown or unresolvable raises PlaceholderError: a journey never runs on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from access.model import ModelError, StageModel, resource_arn
from access.resolver import ResolutionError
from platform_config import PlatformConfig
from platform_config.image_uris import published_image, repository_arn
from platform_config.naming import Naming

# Documentation accounts of AWS are 111122223333 and friends; this one is used by no config here.
FOREIGN_ACCOUNT = "777788889999"
_TOKEN = re.compile(r"\{([a-z_]+)(?::([^}|]+))?((?:\|[a-z]+(?::\d+)?)*)\}")


class PlaceholderError(Exception):
    """A placeholder that names nothing in this stage or config."""


@dataclass(frozen=True)
class StageValues:
    """Everything placeholders resolve against: one synthesized stage and the config it came from."""

    model: StageModel
    config: PlatformConfig
    environment: str

    @classmethod
    def for_stage(cls, model: StageModel, config: PlatformConfig) -> StageValues:
        platform_accounts = {environment.account for environment in config.environments}
        platform_accounts |= {account for group in config.model_groups for account in group.consumer_accounts}
        if config.delivery is not None:
            platform_accounts.add(config.delivery.account)
        if FOREIGN_ACCOUNT in platform_accounts:
            # A journey's outsider must be one: otherwise "another account" would be trusted by design.
            raise PlaceholderError(f"the config uses {FOREIGN_ACCOUNT}, the account journeys use as a foreign one")
        for environment in config.environments:
            naming = Naming(config.project, environment.name)
            if any(naming.stage_id(region.name) == model.stage_id for region in environment.regions):
                return cls(model, config, environment.name)
        raise PlaceholderError(f"the config has no environment-region for the stage {model.stage_id}")

    def fill(self, text: str) -> str:
        """`text` with every placeholder replaced; a `|list` placeholder is refused here."""
        value = self.fill_value(text)
        if isinstance(value, list):
            raise PlaceholderError(f"{text!r}: |list fills a whole context value, not part of a string")
        return value

    def fill_value(self, text: str) -> str | list[str]:
        whole = _TOKEN.fullmatch(text)
        if whole and whole.group(3).endswith("|list"):
            value = self._filtered(whole.group(1), whole.group(2), whole.group(3).removesuffix("|list"), text)
            return [item for item in value.split(",") if item]

        def substitute(match: re.Match[str]) -> str:
            return self._filtered(match.group(1), match.group(2), match.group(3), text)

        filled = _TOKEN.sub(substitute, text)
        if "{" in filled or "}" in filled:
            raise PlaceholderError(f"{text!r}: a brace that is no placeholder of access/placeholders.py")
        return filled

    def _filtered(self, kind: str, argument: str | None, filters: str, text: str) -> str:
        value = self._token(kind, argument)
        for name in filter(None, filters.split("|")):
            if name.startswith("head:"):
                value = value[: int(name.removeprefix("head:"))]
            elif name == "list":
                raise PlaceholderError(f"{text!r}: |list fills a whole context value, last, not part of a string")
            else:
                raise PlaceholderError(f"{text!r}: no filter |{name} (known: |head:N, |list)")
        return value

    def _token(self, kind: str, argument: str | None) -> str:
        handlers: dict[str, Callable[[str | None], str]] = {
            "account": lambda _: self.model.account,
            "region": lambda _: self.model.region,
            "partition": lambda _: self.model.partition,
            "stage": lambda _: self.model.stage_id,
            "project": lambda _: self.config.project,
            "environment": lambda _: self.environment,
            "foreign_account": lambda _: FOREIGN_ACCOUNT,
            "output": self._output,
            "arn": self._arn,
            "name": self._name,
            "ref": self._ref,
            "endpoint": self._endpoint,
            "consumer_account": self._consumer_account,
            "approver": self._approver,
            "source_connection": self._source_connection,
            "published_repository": self._published_repository,
        }
        handler = handlers.get(kind)
        if handler is None:
            raise PlaceholderError(f"{{{kind}}} is no placeholder (known: {', '.join(sorted(handlers))})")
        takes_argument = kind not in (
            "account",
            "region",
            "partition",
            "stage",
            "project",
            "environment",
            "foreign_account",
        )
        if takes_argument != (argument is not None):
            raise PlaceholderError(f"{{{kind}}} {'needs' if takes_argument else 'takes no'} argument")
        try:
            return handler(argument)
        except (ModelError, ResolutionError) as error:
            raise PlaceholderError(f"{{{kind}:{argument}}}: {error}") from error

    # -- the placeholders with an argument ----------------------------------------------------------

    def _output(self, argument: str | None) -> str:
        stack_id, _, output = str(argument).rpartition("/")
        value = self.model.resolver.output(self.model.stack(stack_id), output)
        return _text(value, f"output {argument}")

    def _arn(self, argument: str | None) -> str:
        located = self.model.locate(str(argument))
        arn = resource_arn(self.model.resolver, located.stack, located.logical_id, located.resource_type)
        if arn is None:
            raise PlaceholderError(f"{{arn:{argument}}}: the harness knows no ARN of {located.resource_type}")
        return arn

    def _name(self, argument: str | None) -> str:
        located = self.model.locate(str(argument))
        return self.model.resolver.physical_name(located.stack, located.logical_id)

    def _ref(self, argument: str | None) -> str:
        located = self.model.locate(str(argument))
        value = self.model.resolver.ref(located.stack, located.logical_id, ("Resources", located.logical_id))
        return _text(value, f"ref {argument}")

    def _endpoint(self, argument: str | None) -> str:
        endpoint = self.model.endpoints.get(str(argument))
        if endpoint is None:
            raise PlaceholderError(
                f"{{endpoint:{argument}}}: the stage {self.model.stage_id} has no such endpoint "
                f"(it has {', '.join(sorted(self.model.endpoints))})"
            )
        return endpoint.endpoint_id

    def _consumer_account(self, argument: str | None) -> str:
        for group in self.config.model_groups:
            if group.name == argument:
                if not group.consumer_accounts:
                    raise PlaceholderError(f"{{consumer_account:{argument}}}: the model group has no consumer account")
                return group.consumer_accounts[0]
        raise PlaceholderError(f"{{consumer_account:{argument}}}: no model group {argument!r} in the config")

    def _approver(self, argument: str | None) -> str:
        approvers = self.config.registry.approvers
        if not str(argument).isdigit() or int(str(argument)) >= len(approvers):
            raise PlaceholderError(f"{{approver:{argument}}}: the config lists {len(approvers)} approver(s)")
        return approvers[int(str(argument))]

    def _source_connection(self, argument: str | None) -> str:
        for team in self.config.teams:
            if team.name == argument:
                if team.model_build_source is None:
                    raise PlaceholderError(
                        f"{{source_connection:{argument}}}: the team builds from the S3 source object"
                    )
                return team.model_build_source.connection_arn
        raise PlaceholderError(f"{{source_connection:{argument}}}: no team {argument!r} in the config")

    def _published_repository(self, argument: str | None) -> str:
        try:
            image = published_image(str(argument), self.model.region)
        except ValueError as error:
            raise PlaceholderError(f"{{published_repository:{argument}}}: {error}") from error
        return repository_arn(image, self.model.partition)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise PlaceholderError(f"{what} is not a string ({value!r})")
    return value
