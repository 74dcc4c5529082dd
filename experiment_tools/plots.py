"""Pictures of a comparison: a parameter against a metric across runs, and a metric over steps.

The format follows the file's extension (.png or .svg). Each run's point, and each run's curve,
is an SVG group with an id (`runs`, `curve-<n>`), so the picture can be checked, not only seen.
matplotlib is the `plot` extra; it is drawn without pyplot, so nothing global changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiment_tools.errors import UsageError
from experiment_tools.leaderboard import RunRow, Stat
from experiment_tools.optional import require
from experiment_tools.series import Series

FORMATS = (".png", ".svg")
SIZE = (7.0, 4.5)  # inches
DPI = 120


@dataclass
class Drawn:
    path: Path
    runs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def plot_path(flag: str, path: str) -> Path:
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise UsageError(f"{flag}: {path!r} must end in .png or .svg (the format follows the extension)")
    if not target.parent.is_dir():
        raise UsageError(f"{flag}: the folder of {path!r} does not exist")
    return target


def _figure() -> Any:
    figure_module = require("matplotlib.figure", "drawing a plot", "plot")
    return figure_module.Figure(figsize=SIZE, dpi=DPI, layout="constrained")


def _save(figure: Any, path: Path) -> None:
    # No creation date in the file: the same runs draw the same picture.
    metadata = {"Date": None} if path.suffix.lower() == ".svg" else {"Software": None}
    partial = path.with_name(f".{path.name}.partial")
    try:
        figure.savefig(partial, format=path.suffix.lower().lstrip("."), metadata=metadata)
        partial.replace(path)  # a failed drawing leaves no half-written picture behind
    finally:
        partial.unlink(missing_ok=True)


def scatter(rows: Sequence[RunRow], parameter: str, metric: str, stat: Stat, path: Path, experiment: str) -> Drawn:
    """One point per run that has both values: the parameter across, the metric's `stat` up."""
    drawn = Drawn(path)
    points: list[tuple[str | float, float, str]] = []
    for row in rows:
        x, y = row.parameters.get(parameter), row.metrics.get(metric, {}).get(stat)
        if x is None or y is None:
            drawn.skipped.append(row.run)
            continue
        points.append((x, y, row.run))
    if not points:
        raise UsageError(f"--plot: no run has both {parameter!r} and {metric!r}; nothing drawn")
    if not all(isinstance(x, float) for x, _, _ in points):
        points = [(str(x), y, run) for x, y, run in points]  # text or mixed values: one category each
    figure = _figure()
    axes = figure.add_subplot()
    xs = [x for x, _, _ in points]
    ys = [y for _, y, _ in points]
    collection = axes.scatter(xs, ys, s=36, zorder=3)
    collection.set_gid("runs")
    for x, y, run in points:
        axes.annotate(run, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7)
        drawn.runs.append(run)
    axes.margins(x=0.12, y=0.1)  # room for the run names beside the outermost points
    axes.set_xlabel(parameter)
    axes.set_ylabel(f"{metric} ({stat.lower()})")
    axes.set_title(f"{experiment}: {metric} against {parameter}, {len(points)} runs")
    axes.grid(True, alpha=0.3)
    _save(figure, path)
    return drawn


def curves(series: Sequence[Series], rows: Sequence[RunRow], metric: str, path: Path, experiment: str) -> Drawn:
    """One line per run: the metric at each step it was logged at."""
    drawn = Drawn(path)
    if not series:
        raise UsageError(f"--curves: no run logged {metric!r} with steps; nothing drawn")
    with_steps = {line.run for line in series}
    drawn.skipped = [row.run for row in rows if row.run not in with_steps]
    figure = _figure()
    axes = figure.add_subplot()
    for index, line in enumerate(series):
        (drawn_line,) = axes.plot(line.steps, line.values, marker="o", markersize=3, label=line.run)
        drawn_line.set_gid(f"curve-{index}")
        drawn.runs.append(line.run)
    ticker = require("matplotlib.ticker", "drawing a plot", "plot")
    axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # steps are whole numbers
    axes.set_xlabel("step")
    axes.set_ylabel(metric)
    axes.set_title(f"{experiment}: {metric} by step, {len(series)} runs")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, loc="best")
    _save(figure, path)
    return drawn
