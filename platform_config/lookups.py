"""The context lookups every (account, region) of a platform needs, and how to add a missing one.

Synthesis is offline: availability zones and the S3 managed prefix list id come from
`cdk.context.json`, committed. Without an entry CDK would quietly use placeholders (`dummy1a`,
`pl-xxxxxxxx`) when the app runs on its own, or try to reach AWS under the CLI; the platform
refuses instead, with one line per missing entry saying how to add it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from platform_config.schema import PlatformConfig

HOW_TO_ADD = (
    "run `make synth` once with credentials for that account (the CLI records the lookup), "
    "or add the key to cdk.context.json by hand"
)


def availability_zones_key(account: str, region: str) -> str:
    return f"availability-zones:account={account}:region={region}"


def s3_prefix_list_name(region: str) -> str:
    return f"com.amazonaws.{region}.s3"


def s3_prefix_list_key(account: str, region: str) -> str:
    """The key `ec2.PrefixList.from_lookup` (the Cloud Control lookup provider) reads."""
    return (
        f"cc-api-provider:account={account}:expectedMatchCount=exactly-one:propertiesToReturn.0=PrefixListId:"
        f"propertyMatch.PrefixListName={s3_prefix_list_name(region)}:region={region}"
        ":typeName=AWS$:$:EC2$:$:PrefixList"
    )


def missing_lookups(config: PlatformConfig, get: Callable[[str], Any]) -> list[str]:
    """One problem line per (account, region) lookup that `get` (the app's context) lacks."""
    problems = []
    for e, environment in enumerate(config.environments):
        for r, region in enumerate(environment.regions):
            where = f"environments[{e}].regions[{r}].name"
            for what, key in (
                ("availability zones", availability_zones_key(environment.account, region.name)),
                ("the S3 prefix list", s3_prefix_list_key(environment.account, region.name)),
            ):
                if not get(key):
                    problems.append(
                        f"{where}: no lookup of {what} for account {environment.account} in cdk.context.json "
                        f"(key {key!r}); {HOW_TO_ADD} (got {region.name!r})"
                    )
    return problems
