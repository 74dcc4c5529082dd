"""One synthesis with the compliance packs for the whole construct tier.

Most of a packs synthesis is a fixed cost: CloudFormation Validate (the Guard rules) starts its
WebAssembly engine once per synthesized app, about as long as the rest of the construct tier
together; more probe stacks in the same app add little. So every module that needs the packs
registers its probes here when it is imported (collection imports every module before any test
runs), and the session fixture `pack_findings` (tests/constructs/conftest.py) synthesizes them
all in one app, once. A module reads only its own probes' findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import aws_cdk as cdk

Build = Callable[[cdk.Stack], object]
_PROBES: dict[str, Build] = {}


def register(probes: Mapping[str, Build]) -> tuple[str, ...]:
    """Add probes (stack name -> build function) to the shared app; returns their names."""
    taken = sorted(set(probes) & set(_PROBES))
    if taken:
        raise ValueError(f"probe names already registered by another module: {taken}")
    _PROBES.update(probes)
    return tuple(probes)


def registered() -> dict[str, Build]:
    return dict(_PROBES)
