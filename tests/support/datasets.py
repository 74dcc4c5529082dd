"""Small labelled CSV data for running the reference pipeline's steps, the same on every run."""

from __future__ import annotations

import csv
import random
from pathlib import Path


def write_dataset(path: Path, *, rows: int = 400, seed: int = 7, weight: float = 0.5, offset: float = 0.0) -> None:
    """Two features in [-1, 1] and the label `x1 + weight * x2 > offset`, in path/data.csv."""
    generator = random.Random(seed)  # noqa: S311 - test data, reproducible on purpose
    path.mkdir(parents=True)
    with (path / "data.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "label"])
        for _ in range(rows):
            x1, x2 = generator.uniform(-1, 1), generator.uniform(-1, 1)
            writer.writerow([f"{x1:.5f}", f"{x2:.5f}", int(x1 + weight * x2 > offset)])
