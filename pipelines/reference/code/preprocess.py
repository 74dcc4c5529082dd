"""Reference pipeline, step 1: split the raw CSV data into train and test sets.

Input: CSV files with a header; the last column is the label. The split is seeded, so the same
input always gives the same sets (a rerun of a pipeline execution reproduces its data).
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

SEED = 20240601
TEST_FRACTION = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", default="/opt/ml/processing/input")
    parser.add_argument("--train", default="/opt/ml/processing/train")
    parser.add_argument("--test", default="/opt/ml/processing/test")
    args = parser.parse_args()

    header: list[str] | None = None
    rows: list[list[str]] = []
    for path in sorted(Path(args.input).rglob("*.csv")):
        with path.open(newline="") as handle:
            reader = csv.reader(handle)
            file_header = next(reader)
            if header is None:
                header = file_header
            elif file_header != header:
                raise SystemExit(f"{path}: header {file_header} differs from {header}")
            rows += [row for row in reader if row]
    if header is None or not rows:
        raise SystemExit(f"no CSV rows under {args.input}")

    random.Random(SEED).shuffle(rows)  # noqa: S311 - a seeded split for reproducibility, not a secret
    cut = max(1, int(len(rows) * TEST_FRACTION))
    for directory, part in ((args.test, rows[:cut]), (args.train, rows[cut:])):
        Path(directory).mkdir(parents=True, exist_ok=True)
        with (Path(directory) / f"{Path(directory).name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(part)
    print(f"preprocess: {len(rows) - cut} train rows, {cut} test rows (seed {SEED})")


if __name__ == "__main__":
    main()
