"""The two views of a run: the full table `make access` prints, and the README's "Who can do what"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from access.evaluate import JourneyResult

_COLUMNS = (
    "journey",
    "stage",
    "principal",
    "action",
    "resource",
    "expected",
    "decision",
    "result",
    "deciding statement",
)


def _row(result: JourneyResult) -> tuple[str, ...]:
    deciding = "; ".join(result.deciding) if result.deciding else result.detail
    return (
        result.journey.id,
        result.stage,
        result.principal,
        result.action,
        result.resource,
        result.expected,
        result.decision or "-",
        result.status,
        deciding,
    )


def table(results: Sequence[JourneyResult]) -> str:
    """One row per (journey, stage); the last column is not padded (it is the longest)."""
    rows = [_COLUMNS, *(_row(result) for result in results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_COLUMNS) - 1)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]) for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def summary(results: Sequence[JourneyResult]) -> str:
    statuses = Counter(result.status for result in results)
    expected = Counter(result.expected for result in results)
    journeys = len({result.journey.id for result in results})
    stages = len({result.stage for result in results})
    return (
        f"{len(results)} evaluations ({journeys} journeys x {stages} stages): "
        f"{expected['allowed']} expect allowed, {expected['denied']} expect denied; "
        f"{statuses['PASS']} passed, {statuses['FAIL']} failed, {statuses['ERROR']} errors, "
        f"{statuses['PENDING']} pending"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _who(result: JourneyResult) -> str:
    details = []
    identity = result.journey.context.get("aws:SourceIdentity")
    if identity:
        details.append(f"as {identity}")
    if result.journey.via:
        details.append(f"through the {result.journey.via} endpoint")
    return f"{result.principal} ({', '.join(str(detail) for detail in details)})" if details else result.principal


def markdown(results: Sequence[JourneyResult]) -> str:
    """One row per journey: who, may / may not, what, on which resource, why, and whether it holds in every stage."""
    lines = [
        "| who | may | what | on which resource | why | holds |",
        "|---|---|---|---|---|---|",
    ]
    by_journey: dict[str, list[JourneyResult]] = {}
    for result in results:
        by_journey.setdefault(result.journey.id, []).append(result)
    for journey_results in by_journey.values():
        first = journey_results[0]
        journey = first.journey
        statuses = {result.status for result in journey_results}
        if statuses == {"PASS"}:
            holds, why = "yes", "; ".join(first.deciding)
        elif "PENDING" in statuses:
            holds, why = "pending", journey.pending or ""
        else:
            failing = next(result for result in journey_results if result.status != "PASS")
            reason = "; ".join(failing.deciding) if failing.deciding else failing.detail
            decided = f"{failing.decision} today" if failing.decision else "error"
            holds, why = f"**no** ({failing.stage})", f"{decided}: {reason}"
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    _who(first),
                    "may" if journey.expect == "allowed" else "may not",
                    f"{journey.title} (`{journey.action}`)",
                    f"`{journey.resource}`",
                    why,
                    holds,
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"
