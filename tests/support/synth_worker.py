"""Synthesize platform configs with every gate on, in a process of its own (used by the pool).

    python -m tests.support.synth_worker

Reads one request per line on stdin, {"outdir": ..., "variant": NAME} or {"outdir": ..., "config":
FILE}, and answers each with one line, {"ok": true} or {"ok": false, "error": ...}. Every
synthesis writes the cloud assembly to its outdir, plus acknowledgments.json and findings.json
(the findings nobody acknowledged).

One process serves several syntheses: after the first, each costs a fraction of a fresh process
(no interpreter, kernel or module start, a warm JIT), and one Guard plugin, whose validation
engine takes seconds to build and about 150 MiB to hold, serves them all. Output is
byte-identical to a fresh `cdk synth` (tests/gates/test_cli_synth.py compares them). After an
error that is not a config error the process answers with "fatal": true and exits: its jsii
kernel may be unusable. Replies go to the original stdout only; anything else printed (jsii
relays Node's console output to sys.stdout) goes to stderr, so a reply line is never corrupted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from aws_cdk import CloudFormationValidatePlugin

from compliance.acknowledgments import collect
from compliance.guard import guard_plugin
from platform_config import ConfigError, parse_config
from stacks.platform_app import project_context, synthesize_platform
from tests.support.variants import RELEASES, SAMPLE_CONFIG, variant_config

CONFIG_DIR = SAMPLE_CONFIG.parent


def synthesize(request: dict[str, Any], guard: CloudFormationValidatePlugin) -> None:
    # A config written by the pool names the sample's lifecycle scripts relative to config/.
    if "variant" in request:
        config = variant_config(request["variant"])
    else:
        config = parse_config(Path(request["config"]).read_text(), request["config"], CONFIG_DIR)
    outdir = Path(request["outdir"])
    release = RELEASES.get(request.get("variant", ""))
    context = project_context({"serving_release": str(release)}) if release else None
    app, findings = synthesize_platform(config, "config/sample.yaml", outdir=str(outdir), guard=guard, context=context)
    (outdir / "acknowledgments.json").write_text(json.dumps([dataclasses.asdict(a) for a in collect(app)]))
    (outdir / "findings.json").write_text(json.dumps([dataclasses.asdict(f) for f in findings]))


def main() -> int:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    def answer(reply: dict[str, Any]) -> None:
        replies.write(json.dumps(reply) + "\n")
        replies.flush()

    guard = guard_plugin()
    for line in sys.stdin:
        try:
            synthesize(json.loads(line), guard)
        except ConfigError as error:
            answer({"ok": False, "error": str(error)})
            continue
        except Exception:  # any failure is the pool's to report, with its traceback
            answer({"ok": False, "fatal": True, "error": traceback.format_exc()})
            return 1
        answer({"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
