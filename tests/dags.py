"""Random DAGs turned into real pipelines through the public API (shared by property tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from flowplan import pipeline, step


@dataclass(frozen=True)
class Dag:
    """Node i reads the outputs of ``data[i]`` and runs after ``order[i]`` (earlier nodes)."""

    data: tuple[tuple[int, ...], ...]
    order: tuple[tuple[int, ...], ...]

    @property
    def size(self) -> int:
        return len(self.data)

    def edges(self) -> set[tuple[str, str]]:
        return {
            (node_id(p), node_id(i))
            for i in range(self.size)
            for p in (*self.data[i], *self.order[i])
        }

    def values(self) -> list[int]:
        """What each node computes, evaluated directly."""
        out: list[int] = []
        for i in range(self.size):
            out.append(arithmetic(i, [out[p] for p in self.data[i]]))
        return out


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 8) -> Dag:
    n = draw(st.integers(1, max_nodes))
    data, order = [], []
    for i in range(n):
        parents = draw(st.lists(st.integers(0, i - 1), unique=True, max_size=3)) if i else []
        split = draw(st.integers(0, len(parents)))
        data.append(tuple(sorted(parents[:split])))
        order.append(tuple(sorted(parents[split:])))
    return Dag(tuple(data), tuple(order))


def node_id(i: int) -> str:
    return f"n{i}"


def arithmetic(k: int, values: list[int]) -> int:
    return (k * 7 + sum(v * (j + 2) for j, v in enumerate(values))) % 1009


@step
def source(k: int) -> int:
    return (k * 7) % 1009


@step
def combine(values: list[int], k: int) -> int:
    return (k * 7 + sum(v * (j + 2) for j, v in enumerate(values))) % 1009


def build_pipeline(dag: Dag, name: str = "random_dag") -> Any:
    def body() -> None:
        outs: list[Any] = []
        for i in range(dag.size):
            after = [outs[p] for p in dag.order[i]]
            if dag.data[i]:
                out = combine([outs[p] for p in dag.data[i]], k=i, id=node_id(i), after=after)
            else:
                out = source(k=i, id=node_id(i), after=after)
            outs.append(out)

    body.__name__ = name
    return pipeline(body)
