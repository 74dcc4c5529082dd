"""Reference pipeline, step 3: score the model on the test set; write evaluation.json and predictions.

The pipeline's condition step reads metrics.accuracy.value from evaluation.json (a property
file). predictions.csv (columns `prediction,label`) is what the model-quality baseline reads
(platform_constructs/pipeline_baselines.py names the same columns).
"""

from __future__ import annotations

import argparse
import json
import tarfile
from pathlib import Path

import joblib
import numpy as np


def _check_members(tar: tarfile.TarFile) -> None:
    for member in tar.getmembers():
        if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in member.name.split("/"):
            raise SystemExit(f"model.tar.gz: refusing member {member.name}")


def _label(value: float) -> str:
    """Class labels as the data wrote them: 1 rather than 1.0."""
    return str(int(value)) if float(value).is_integer() else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="/opt/ml/processing/model")
    parser.add_argument("--test", default="/opt/ml/processing/test")
    parser.add_argument("--output", default="/opt/ml/processing/evaluation")
    parser.add_argument("--predictions", default="/opt/ml/processing/predictions")
    args = parser.parse_args()

    archive = Path(args.model) / "model.tar.gz"
    with tarfile.open(archive) as tar:
        # Refuse links and paths outside the folder where Python can (3.12, and 3.8.17+/3.9.17+
        # backports); the image's Python may be older: its members are then checked here.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(args.model, filter="data")
        else:
            _check_members(tar)
            tar.extractall(args.model)  # noqa: S202 - every member checked above
    model = joblib.load(Path(args.model) / "model.joblib")

    files = sorted(Path(args.test).glob("*.csv"))
    data = np.vstack([np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2) for f in files])
    features, labels = data[:, :-1], data[:, -1]
    predicted = model.predict(features)
    accuracy = float((predicted == labels).mean())

    Path(args.output).mkdir(parents=True, exist_ok=True)
    report = {"metrics": {"accuracy": {"value": accuracy}, "test_rows": {"value": len(labels)}}}
    (Path(args.output) / "evaluation.json").write_text(json.dumps(report, indent=2))
    Path(args.predictions).mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{_label(predicted[i])},{_label(labels[i])}\n" for i in range(len(labels)))
    (Path(args.predictions) / "predictions.csv").write_text("prediction,label\n" + rows)
    print(f"evaluate: accuracy {accuracy:.4f} on {len(labels)} rows")


if __name__ == "__main__":
    main()
