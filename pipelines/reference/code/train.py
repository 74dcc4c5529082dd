"""Reference pipeline, step 2: train a logistic regression on the train set.

SageMaker passes hyperparameters as strings in /opt/ml/input/config/hyperparameters.json and
collects /opt/ml/model as model.tar.gz. In a tuning job the image's training toolkit starts this
script (script mode) and also passes the hyperparameters as `--name value` arguments: they are
read from the file either way, and unknown arguments are ignored.

A seeded fifth of the train set is held out for validation. The metrics are printed once, as
`<name>=<value>;`, for the job's metric definitions (platform_config/reference_training.py): a
tuning job ranks its training jobs by one of them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

SEED = 20240601
VALIDATION_FRACTION = 0.2


def load(directory: str) -> tuple[np.ndarray, np.ndarray]:
    files = sorted(Path(directory).glob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files in {directory}")
    data = np.vstack([np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2) for f in files])
    return data[:, :-1], data[:, -1]


def split(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.random.default_rng(SEED).permutation(len(labels))
    cut = max(1, int(len(labels) * VALIDATION_FRACTION))
    held, kept = order[:cut], order[cut:]
    return features[kept], labels[kept], features[held], labels[held]


def read_hyperparameters(path: Path) -> tuple[float, int, str]:
    values = json.loads(path.read_text()) if path.exists() else {}
    regularization = float(values.get("regularization", "1.0"))
    iterations = int(float(values.get("max-iterations", "200")))
    solver = str(values.get("solver", "lbfgs")).strip('"')
    if regularization <= 0 or iterations < 1:
        raise SystemExit(f"regularization must be > 0 and max-iterations >= 1, got {regularization}, {iterations}")
    return regularization, iterations, solver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", default="/opt/ml/input/data/train")
    parser.add_argument("--hyperparameters", default="/opt/ml/input/config/hyperparameters.json")
    parser.add_argument("--model-dir", default="/opt/ml/model")
    args, _ = parser.parse_known_args()

    regularization, iterations, solver = read_hyperparameters(Path(args.hyperparameters))
    features, labels = load(args.train)
    train_x, train_y, valid_x, valid_y = split(features, labels)
    model = LogisticRegression(C=1.0 / regularization, max_iter=iterations, solver=solver, random_state=0)
    model.fit(train_x, train_y)
    train_accuracy = float((model.predict(train_x) == train_y).mean())
    valid_accuracy = float((model.predict(valid_x) == valid_y).mean())
    valid_loss = float(log_loss(valid_y, model.predict_proba(valid_x), labels=model.classes_))
    Path(args.model_dir).mkdir(parents=True, exist_ok=True)
    joblib.dump(model, Path(args.model_dir) / "model.joblib")
    print(
        f"train: {len(train_y)} rows, {len(valid_y)} held out; regularization {regularization}, "
        f"{iterations} iterations, solver {solver}"
    )
    print(f"train:accuracy={train_accuracy:.6f};")
    print(f"validation:accuracy={valid_accuracy:.6f};")
    print(f"validation:log_loss={valid_loss:.6f};")


if __name__ == "__main__":
    main()
