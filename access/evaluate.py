"""Evaluate the journey catalogue over every stage of a synthesized cloud assembly.

    results = evaluate(Path("cdk.out"), load_config(Path("config/sample.yaml")))

Each (journey, stage) becomes one `JourneyResult`: PASS when the simulator decides as the
journey expects, FAIL when it decides otherwise, ERROR when the journey cannot be evaluated
exactly (a placeholder or template that does not resolve, a simulation the simulator refuses, a
context key the action ignores), PENDING when the journey waits for something the platform does
not have yet. All simulations of a run go to the simulator in one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from access.assembly import Assembly, AssemblyError, read_assembly
from access.journeys import Journey, load_catalogue
from access.model import ModelError, build_stage_model
from access.placeholders import PlaceholderError, StageValues
from access.requests import RESOURCE_TAG_PREFIX, Request, RequestError, build_request
from access.resolver import Resolver
from access.runner import run_simulations
from platform_config import PlatformConfig

Status = Literal["PASS", "FAIL", "ERROR", "PENDING"]
SAMPLE_VARIANT = "sample"


@dataclass(frozen=True)
class JourneyResult:
    journey: Journey
    stage: str
    status: Status
    principal: str
    resource: str
    decision: Literal["allowed", "denied"] | None = None
    deciding: tuple[str, ...] = ()
    detail: str = ""  # why it is an ERROR or PENDING

    @property
    def action(self) -> str:
        return self.journey.action

    @property
    def expected(self) -> str:
        return self.journey.expect


def evaluate(
    assembly_dir: Path,
    config: PlatformConfig,
    *,
    variant: str = SAMPLE_VARIANT,
    stages: Sequence[str] | None = None,
    catalogue: Sequence[Journey] | None = None,
) -> list[JourneyResult]:
    """Raises AssemblyError for an unreadable assembly or an unknown stage (bad input)."""
    assembly = read_assembly(assembly_dir)
    journeys = tuple(catalogue) if catalogue is not None else load_catalogue()
    stage_ids = _stages(assembly, stages)
    resolver = Resolver(assembly)
    results: list[JourneyResult | None] = []
    queued: list[tuple[int, Journey, str, Request]] = []
    for stage_id in stage_ids:
        applicable = [journey for journey in journeys if journey.applies_to(stage_id, variant)]
        try:
            values = StageValues.for_stage(build_stage_model(assembly, stage_id, resolver), config)
        except (ModelError, PlaceholderError) as error:
            results.extend(_error(journey, stage_id, f"stage model: {error}") for journey in applicable)
            continue
        for journey in applicable:
            if journey.pending is not None:
                results.append(
                    JourneyResult(
                        journey, stage_id, "PENDING", journey.principal.value, journey.resource, detail=journey.pending
                    )
                )
                continue
            try:
                request = build_request(journey, values)
            except RequestError as error:
                results.append(_error(journey, stage_id, str(error)))
                continue
            queued.append((len(results), journey, stage_id, request))
            results.append(None)
    verdicts = run_simulations([request.simulation for _, _, _, request in queued])
    for (position, journey, stage_id, request), verdict in zip(queued, verdicts, strict=True):
        results[position] = _judge(journey, stage_id, request, verdict)
    return [result for result in results if result is not None]


def _stages(assembly: Assembly, wanted: Sequence[str] | None) -> tuple[str, ...]:
    available = assembly.stage_ids()
    if not wanted:
        return available
    unknown = [stage for stage in wanted if stage not in available]
    if unknown:
        raise AssemblyError(f"no stage {', '.join(unknown)} in {assembly.root} (stages: {', '.join(available)})")
    return tuple(stage for stage in available if stage in wanted)


def _error(journey: Journey, stage_id: str, detail: str) -> JourneyResult:
    return JourneyResult(journey, stage_id, "ERROR", journey.principal.value, journey.resource, detail=detail)


def _judge(journey: Journey, stage_id: str, request: Request, verdict: dict[str, Any]) -> JourneyResult:
    def error(detail: str) -> JourneyResult:
        return JourneyResult(journey, stage_id, "ERROR", request.principal_label, request.resource, detail=detail)

    if verdict["resultType"] == "error":
        return error(f"the simulator refused the request: {_one_line(verdict.get('errors'))}")
    if verdict["contextErrors"]:
        return error("; ".join(verdict["contextErrors"]))
    # A key the action never sends is always absent: a condition on it cannot mean what it says.
    ignored = [
        key
        for key in verdict["ignoredContextKeys"]
        if not key.lower().startswith(RESOURCE_TAG_PREFIX) or key.lower() in request.journey_keys
    ]
    if ignored:
        return error(f"{journey.action} does not send {', '.join(ignored)} (the simulator ignored it)")
    decision: Literal["allowed", "denied"] = "allowed" if verdict["overallResult"] == "Allowed" else "denied"
    statements = verdict["allow"] if decision == "allowed" else verdict["deny"]
    return JourneyResult(
        journey,
        stage_id,
        "PASS" if decision == journey.expect else "FAIL",
        request.principal_label,
        request.resource,
        decision,
        tuple(_statement(entry, request) for entry in statements),
    )


def _statement(entry: dict[str, Any], request: Request) -> str:
    """`identity TeamvisionDefaultPolicy129B48E3#RunJobs`, `bucket policy DatasetsPolicy2DCFE328#statement 1`..."""
    kind = entry["policy"]
    # The simulator names identity policies only; the request knows the others by what they are.
    known = {
        "resource": request.resource_policy.name if request.resource_policy else None,
        "endpoint": f"endpoint {request.endpoint.policy.name}" if request.endpoint else None,
        "boundary": f"boundary {request.boundary_name}" if request.boundary_name else None,
    }
    label = known.get(kind) or (f"{kind} {entry['name']}" if entry.get("name") else kind)
    if entry.get("explicit") is False:
        return f"{label}: no statement allows"
    statement = entry.get("sid") or (f"statement {entry['index']}" if "index" in entry else None)
    return f"{label}#{statement}" if statement else label


def _one_line(errors: Any) -> str:
    if not isinstance(errors, dict):
        return str(errors)
    details = []
    for key, value in errors.items():
        if key != "message":
            details.append(f"{key}: {value}")
    return f"{errors.get('message', 'error')} ({'; '.join(details)})" if details else str(errors.get("message"))
