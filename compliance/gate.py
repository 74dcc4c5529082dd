"""Turn the validation report into the app's exit status, whoever runs the app.

Run by the CDK CLI, aws-cdk-lib reports validation failures by setting the exit code of its own
Node process only, which the Python app never sees; the pinned CLI then fails only when a
violating construct is in a stack the command selected (`cdk synth` with no selection exited 0
with findings in the report). So the app reads the report itself and fails, naming each finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPORT = "validation-report.json"


@dataclass(frozen=True)
class Finding:
    plugin: str
    rule: str
    construct: str
    description: str

    def line(self) -> str:
        return f"{self.rule} on {self.construct}: {self.description} ({self.plugin})"


def unacknowledged(outdir: str | Path) -> list[Finding]:
    """Findings no construct acknowledged, from the report synthesis wrote into outdir."""
    path = Path(outdir) / REPORT
    if not path.is_file():
        return []
    report = json.loads(path.read_text())
    findings = []
    for plugin in report.get("pluginReports", []):
        error = (plugin.get("metadata") or {}).get("error")
        if plugin.get("conclusion") == "failure" and error and not plugin.get("violations"):
            # A plugin that crashed checked nothing: that is a failure, not a pass.
            findings.append(Finding(plugin["pluginName"], "PluginFailed", "(the whole app)", str(error)))
        for violation in plugin.get("violations", []):
            constructs = violation.get("violatingConstructs") or [{"constructPath": "(unknown construct)"}]
            description = " ".join(str(violation.get("description", "")).split())
            findings += [
                Finding(plugin["pluginName"], violation["ruleName"], c.get("constructPath", "?"), description)
                for c in constructs
            ]
    return findings


def fail_on_findings(outdir: str | Path, stderr: Any) -> int:
    """Print each unacknowledged finding on one line and return the app's exit code (1 if any)."""
    findings = unacknowledged(outdir)
    for finding in findings:
        print(f"error: {finding.line()}", file=stderr)
    if findings:
        print(f"{len(findings)} compliance finding(s) nobody acknowledged: synthesis failed.", file=stderr)
        return 1
    return 0
