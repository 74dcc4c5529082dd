"""`compare --plot` and `--curves`: real PNG and SVG files with one mark per run; the optional
extras fail in one line when missing; `compare` says when no run matches."""

from __future__ import annotations

import itertools
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from experiment_tools.analytics import dataframe
from experiment_tools.errors import UsageError
from experiment_tools.tracking import RunTracker
from tests.support.tooling import moto_clients, run_cli, unique

pytestmark = pytest.mark.usefixtures("fake_aws_env")
SVG = "{http://www.w3.org/2000/svg}"
# n_estimators -> RMSE by step; the last value is the one compared.
CURVES = {10: [0.9, 0.7, 0.6], 20: [0.8, 0.5], 40: [0.7, 0.45, 0.4, 0.35]}


@pytest.fixture(scope="module")
def forest(moto_endpoint: str) -> str:
    """Three runs with RMSE by step, and one run that logged RMSE once, without a step."""
    clients = moto_clients(moto_endpoint)
    experiment = unique("forest")
    for n_estimators, values in CURVES.items():
        tracker = RunTracker(clients, experiment=experiment, run=f"n-{n_estimators}").start()
        tracker.log_parameters({"n_estimators": n_estimators, "max_depth": 6})
        for step, value in enumerate(values, start=1):
            tracker.log_metric("RMSE", value, step=step)
        tracker.finish()
    tracker = RunTracker(clients, experiment=experiment, run="n-80").start()
    tracker.log_parameters({"n_estimators": 80, "max_depth": 8})
    tracker.log_metric("RMSE", 0.5)
    tracker.finish()
    return experiment


def marks(svg: Path, group: str) -> list[tuple[float, float]]:
    """(x, y) of each marker drawn in the SVG group with this id."""
    found = ET.parse(svg).getroot().find(f".//{SVG}g[@id='{group}']")  # noqa: S314 (the file this test just drew)
    assert found is not None, f"no group {group!r} in {svg}"
    return [(float(use.attrib["x"]), float(use.attrib["y"])) for use in found.iter(f"{SVG}use")]


def test_a_scatter_plot_has_one_point_per_run_where_it_belongs(moto_endpoint: str, forest: str, tmp_path: Path) -> None:
    picture = tmp_path / "rmse.svg"
    result = run_cli(moto_endpoint, "compare", forest, "--plot", "n_estimators", "RMSE", "--plot-file", str(picture))
    assert result.code == 0, result.err
    assert result.err == f"wrote {picture}: 4 runs\n"
    assert result.out.splitlines()[0].split() == ["rank", "run", "status", "max_depth", "n_estimators", "RMSE"]
    points = sorted(marks(picture, "runs"))  # left to right: n_estimators 10, 20, 40, 80
    assert len(points) == 4
    lasts = [CURVES[10][-1], CURVES[20][-1], CURVES[40][-1], 0.5]
    # SVG y grows downwards: a higher RMSE is drawn higher up, at a smaller y.
    assert sorted(range(4), key=lambda index: points[index][1]) == sorted(range(4), key=lambda index: -lasts[index])
    spacing = [b[0] - a[0] for a, b in itertools.pairwise(points)]
    assert spacing[0] == pytest.approx(spacing[1] / 2, rel=1e-3)  # 10 -> 20 is half of 20 -> 40


def test_the_plot_shows_only_the_runs_compare_shows(moto_endpoint: str, forest: str, tmp_path: Path) -> None:
    picture = tmp_path / "deep.svg"
    result = run_cli(
        moto_endpoint, "compare", forest, "--where", "max_depth=6", "--stat", "min",
        "--plot", "n_estimators", "RMSE", "--plot-file", str(picture),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert len(marks(picture, "runs")) == 3


def test_a_png_plot_is_a_real_png(moto_endpoint: str, forest: str, tmp_path: Path) -> None:
    from matplotlib.image import imread

    picture = tmp_path / "rmse.png"
    result = run_cli(moto_endpoint, "compare", forest, "--plot", "n_estimators", "RMSE", "--plot-file", str(picture))
    assert result.code == 0, result.err
    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    assert (width, height) == (840, 540)
    pixels = imread(picture)
    assert pixels.shape[:2] == (540, 840)
    assert pixels.std() > 0.05  # drawn on, not a blank canvas


def test_curves_draw_each_runs_steps(moto_endpoint: str, forest: str, tmp_path: Path) -> None:
    picture = tmp_path / "curves.svg"
    result = run_cli(
        moto_endpoint, "compare", forest, "--sort-by", "n_estimators", "--ascending",
        "--curves", "RMSE", "--plot-file", str(picture),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.err == f"wrote {picture}: 3 runs; without it: n-80\n"
    lines = [marks(picture, f"curve-{index}") for index in range(3)]
    assert [len(line) for line in lines] == [len(values) for values in CURVES.values()]
    longest = lines[2]
    assert [x for x, _ in longest] == sorted(x for x, _ in longest)  # steps left to right
    assert [y for _, y in longest] == sorted(y for _, y in longest)  # RMSE falls: y grows


def test_the_default_plot_file_is_named_after_what_it_shows(
    moto_endpoint: str, forest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(moto_endpoint, "compare", forest, "--plot", "n_estimators", "RMSE")
    assert result.code == 0, result.err
    assert (tmp_path / f"{forest}-RMSE-vs-n_estimators.png").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--plot", "n_estimators", "RMSE", "--plot-file", "x.jpg"], "--plot-file: 'x.jpg' must end in .png or .svg"),
        (["--curves", "RMSE", "--plot-file", "/nonexistent/c.png"], "--plot-file: the folder of '/nonexistent/c.png'"),
        (["--plot-file", "x.png"], "--plot-file: draws nothing without --plot PARAM METRIC or --curves METRIC"),
        (["--plot", "n_estimators", "accuracy"], "no run has a parameter or metric named 'accuracy'"),
        (["--plot", "a", "b", "--curves", "RMSE"], "argument --curves: not allowed with argument --plot"),
    ],
)
def test_bad_plot_arguments_are_one_line_and_draw_nothing(
    moto_endpoint: str, forest: str, arguments: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(moto_endpoint, "compare", forest, *arguments)
    assert (result.code, result.out, result.err.count("\n")) == (2, "", 1)
    assert message in result.err
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_the_plot_fails_in_one_line(
    moto_endpoint: str, forest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # importing it now raises ImportError
    picture = tmp_path / "rmse.png"
    result = run_cli(moto_endpoint, "compare", forest, "--plot", "n_estimators", "RMSE", "--plot-file", str(picture))
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "error: drawing a plot needs matplotlib, which is not installed: "
        "pip install 'sagemaker-experiment-platform[plot]'"
    )
    assert not picture.exists()


def test_without_pandas_the_dataframe_fails_in_one_line(
    moto_endpoint: str, forest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError, match=r"needs pandas, which is not installed: .*\[analytics\]'$"):
        dataframe(moto_clients(moto_endpoint), forest)


def test_the_dataframe_has_a_row_per_run_and_the_analytics_columns(moto_endpoint: str, forest: str) -> None:
    frame = dataframe(moto_clients(moto_endpoint), forest)
    assert sorted(frame.index) == ["n-10", "n-20", "n-40", "n-80"]
    stats = ["Min", "Max", "Avg", "StdDev", "Last", "Count"]
    assert list(frame.columns) == [
        "TrialComponentName", "DisplayName", "max_depth", "n_estimators",
        *(f"RMSE - {stat}" for stat in stats), "Trials", "Experiments",
    ]  # fmt: skip
    assert frame.loc["n-40", "RMSE - Last"] == CURVES[40][-1]
    assert frame.loc["n-40", "RMSE - Count"] == 4


def test_when_no_run_matches_compare_says_so(moto_endpoint: str, forest: str) -> None:
    table = run_cli(moto_endpoint, "compare", forest, "--where", "n_estimators>1000")
    assert (table.code, table.out) == (0, f"0 runs match (experiment {forest} has 4)\n")
    as_json = run_cli(moto_endpoint, "compare", forest, "--where", "n_estimators>1000", "-o", "json")
    assert as_json.code == 0
    assert '"runs": []' in as_json.out
    assert as_json.err == f"0 runs match (experiment {forest} has 4)\n"
