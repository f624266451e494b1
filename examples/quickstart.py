"""A small training pipeline: load, split, fan out over hyper-parameters, pick the best model.

Run it with ``flow run examples/quickstart.py:training_pipeline`` (or ``python
examples/quickstart.py``), and lint it with ``flow check examples``.
"""

from __future__ import annotations

import random
from typing import Annotated

from flowplan import pipeline, step

Rows = list[list[float]]


@step
def load_data(n: int = 200, seed: int = 7) -> Annotated[dict[str, list], "dataset"]:
    """Points around two centres, labelled by the centre they came from."""
    rng = random.Random(seed)
    features, labels = [], []
    for i in range(n):
        label = i % 2
        centre = 2.0 if label else -2.0
        features.append([centre + rng.gauss(0, 1.2), centre + rng.gauss(0, 1.2)])
        labels.append(label)
    return {"features": features, "labels": labels}


@step
def split(
    dataset: dict[str, list], test_fraction: float = 0.25
) -> tuple[Annotated[dict[str, list], "train"], Annotated[dict[str, list], "test"]]:
    cut = int(len(dataset["labels"]) * (1 - test_fraction))
    train = {k: v[:cut] for k, v in dataset.items()}
    test = {k: v[cut:] for k, v in dataset.items()}
    return train, test


def _predict(weights: list[float], row: list[float]) -> int:
    score = weights[0] + sum(w * x for w, x in zip(weights[1:], row))
    return 1 if score > 0 else 0


@step
def train_perceptron(train: dict[str, list], learning_rate: float, epochs: int = 20) -> list[float]:
    weights = [0.0, 0.0, 0.0]
    for _ in range(epochs):
        for row, label in zip(train["features"], train["labels"]):
            error = label - _predict(weights, row)
            weights[0] += learning_rate * error
            for j, x in enumerate(row):
                weights[j + 1] += learning_rate * error * x
    return weights


@step
def evaluate(model: list[float], test: dict[str, list]) -> float:
    hits = sum(_predict(model, r) == y for r, y in zip(test["features"], test["labels"]))
    accuracy = hits / len(test["labels"])
    print(f"model {[round(w, 2) for w in model]} accuracy {accuracy:.3f}")
    return accuracy


@step
def pick_best(accuracies: list[float]) -> Annotated[float, "best_accuracy"]:
    best = max(accuracies)
    print(f"best accuracy of {len(accuracies)} models: {best:.3f}")
    return best


@pipeline
def training_pipeline(learning_rates: list[float] = [0.001, 0.01, 0.1]) -> None:  # noqa: B006
    dataset = load_data()
    train, test = split(dataset)
    accuracies = []
    for rate in learning_rates:
        model = train_perceptron(train, learning_rate=rate)
        accuracies.append(evaluate(model, test))
    pick_best(accuracies)


if __name__ == "__main__":
    training_pipeline()
