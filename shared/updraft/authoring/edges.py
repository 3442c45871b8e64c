"""Labels on edges: `a >> Label("when ok") >> b`, shown on the graph's edge (Airflow's EdgeModifier)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from updraft.authoring.baseoperator import DependencyMixin

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG


class EdgeModifier(DependencyMixin):
    """Holds the nodes on either side until both are known, then links each pair through
    itself, so that every edge it stands on gets its label."""

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self._upstream: list[Any] = []
        self._downstream: list[Any] = []

    def _tasks(self) -> list[Any]:
        return []  # an edge modifier is no task: `a >> label` links nothing yet

    @staticmethod
    def _as_list(nodes: Any) -> Sequence[Any]:
        return nodes if isinstance(nodes, Sequence) else [nodes]

    def _save(self, nodes: Any, stream: list[Any]) -> None:
        from updraft.authoring.baseoperator import BaseOperator
        from updraft.authoring.mapped import MappedOperator
        from updraft.authoring.taskgroup import TaskGroup
        from updraft.authoring.xcomarg import XComArg

        for node in self._as_list(nodes):
            if not isinstance(node, (BaseOperator, MappedOperator, TaskGroup, XComArg)):
                raise TypeError(
                    f"Cannot use edge labels with {type(node).__name__}, only tasks, XComArg or TaskGroups"
                )
            if node not in stream:
                stream.append(node)

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        self._save(other, self._upstream)
        for node in self._downstream:
            node.set_upstream(other, edge_modifier=self)

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        self._save(other, self._downstream)
        for node in self._upstream:
            node.set_downstream(other, edge_modifier=self)

    def update_relative(self, other: Any, upstream: bool = True) -> None:
        # `a >> label` reaches here as label.update_relative(a, upstream=True).
        self._save(other, self._upstream if upstream else self._downstream)

    def add_edge_info(self, dag: "DAG", upstream_id: str, downstream_id: str) -> None:
        dag.set_edge_info(upstream_id, downstream_id, {"label": self.label})


def Label(label: str) -> EdgeModifier:  # noqa: N802 - Airflow's name
    """An edge modifier that puts a human-readable label on the edge."""
    return EdgeModifier(label=label)
