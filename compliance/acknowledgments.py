"""Every acknowledged finding of a synthesized app, for review (`make acknowledgments`) and tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the records are read without a jsii kernel (test processes, tools): see collect()
    from constructs import IConstruct

PACK_PREFIXES = ("AwsSolutions-", "NIST.800.53.R5-", "HIPAA.Security-")


@dataclass(frozen=True)
class Acknowledged:
    path: str
    rule_id: str
    reason: str
    on_stack_or_stage: bool

    @property
    def rule(self) -> str:
        """The rule without its per-finding suffix: `AwsSolutions-IAM5[Resource::x]` -> `AwsSolutions-IAM5`."""
        return self.rule_id.split("[")[0]


def _without_namespace(rule_id: str) -> str:
    """'Annotation::AwsSolutions-IAM5[Resource::x]' -> 'AwsSolutions-IAM5[Resource::x]'."""
    namespace, separator, rest = rule_id.partition("::")
    return rest if separator and "[" not in namespace else rule_id


def collect(root: IConstruct) -> list[Acknowledged]:
    """The packs' acknowledgments on every construct of `root`, sorted by rule and path."""
    import aws_cdk as cdk  # here, not above: importing it starts a jsii kernel

    found = []
    for node in [root, *root.node.find_all()]:
        for entry in node.node.metadata:
            if entry.type != cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                continue
            broad = isinstance(node, cdk.Stack | cdk.Stage)
            found += [
                Acknowledged(node.node.path, _without_namespace(rule), reason, broad)
                for rule, reason in entry.data.items()
            ]
    own = [a for a in found if a.rule_id.startswith(PACK_PREFIXES)]
    return sorted(own, key=lambda a: (a.rule_id, a.path))


def count_by_rule(acknowledged: list[Acknowledged]) -> Counter[str]:
    return Counter(a.rule for a in acknowledged)
