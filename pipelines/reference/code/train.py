"""Reference pipeline, step 2: train a logistic regression on the train set.

SageMaker passes hyperparameters as strings in /opt/ml/input/config/hyperparameters.json and
collects /opt/ml/model as model.tar.gz.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression


def load(directory: str) -> tuple[np.ndarray, np.ndarray]:
    files = sorted(Path(directory).glob("*.csv"))
    data = np.vstack([np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2) for f in files])
    return data[:, :-1], data[:, -1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", default="/opt/ml/input/data/train")
    parser.add_argument("--hyperparameters", default="/opt/ml/input/config/hyperparameters.json")
    parser.add_argument("--model-dir", default="/opt/ml/model")
    args = parser.parse_args()

    path = Path(args.hyperparameters)
    hyperparameters = json.loads(path.read_text()) if path.exists() else {}
    regularization = float(hyperparameters.get("regularization", "1.0"))
    iterations = int(hyperparameters.get("max-iterations", "200"))

    features, labels = load(args.train)
    model = LogisticRegression(C=1.0 / regularization, max_iter=iterations, random_state=0)
    model.fit(features, labels)
    Path(args.model_dir).mkdir(parents=True, exist_ok=True)
    joblib.dump(model, Path(args.model_dir) / "model.joblib")
    print(f"train: {len(labels)} rows, regularization {regularization}, {iterations} iterations")


if __name__ == "__main__":
    main()
