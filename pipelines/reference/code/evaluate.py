"""Reference pipeline, step 3: score the model on the test set; write evaluation.json.

The pipeline's condition step reads metrics.accuracy.value from this file (a property file),
and the registered model version links to it as its model-quality statistics.
"""

from __future__ import annotations

import argparse
import json
import tarfile
from pathlib import Path

import joblib
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="/opt/ml/processing/model")
    parser.add_argument("--test", default="/opt/ml/processing/test")
    parser.add_argument("--output", default="/opt/ml/processing/evaluation")
    args = parser.parse_args()

    archive = Path(args.model) / "model.tar.gz"
    with tarfile.open(archive) as tar:
        tar.extractall(args.model, filter="data")
    model = joblib.load(Path(args.model) / "model.joblib")

    files = sorted(Path(args.test).glob("*.csv"))
    data = np.vstack([np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2) for f in files])
    features, labels = data[:, :-1], data[:, -1]
    accuracy = float((model.predict(features) == labels).mean())

    Path(args.output).mkdir(parents=True, exist_ok=True)
    report = {"metrics": {"accuracy": {"value": accuracy}, "test_rows": {"value": len(labels)}}}
    (Path(args.output) / "evaluation.json").write_text(json.dumps(report, indent=2))
    print(f"evaluate: accuracy {accuracy:.4f} on {len(labels)} rows")


if __name__ == "__main__":
    main()
