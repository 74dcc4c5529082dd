"""One import for platform-tier tests: the assembly types, the variants, and a blocking synth of
any other config (prefer a named variant in tests/support/variants.py: the pool runs those in the
background and shares them)."""

from __future__ import annotations

import itertools
from pathlib import Path

from platform_config import PlatformConfig
from tests.support.assembly import StackOutput, Synthesized, Template, only, read_assembly, resources
from tests.support.pool import SynthFailed, SynthPool
from tests.support.variants import ROOT, SAMPLE_CONFIG, config_variant, sample_data

__all__ = [
    "ROOT",
    "SAMPLE_CONFIG",
    "StackOutput",
    "SynthFailed",
    "Synthesized",
    "Template",
    "config_variant",
    "only",
    "read_assembly",
    "resources",
    "sample_data",
    "synthesize",
]

_ONE_OFF = SynthPool(workers=1)
_NAMES = itertools.count()


def synthesize(config: PlatformConfig, outdir: Path | None = None) -> Synthesized:
    """Synthesize `config` with every gate on, in a process of its own, and wait for it."""
    del outdir  # the pool keeps its own folders
    return _ONE_OFF.get(f"one-off-{next(_NAMES)}", config)
