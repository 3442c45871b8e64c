"""What the UI's grid and graph show, from serialized DAG versions and task instance items:
the rows (the task-group tree, flattened), one cell per task and run, and the graph's nodes,
groups and edges. Pure functions: the route reads, these shape.

A mapped task has one cell: its instances' states counted, and the most pressing of them as
the cell's state (`STATE_PRIORITY`, as Airflow's grid picks a mapped task's or a group's
state): something failed, then something still to do or doing, then unknown, then done."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

# Most pressing first. A state not listed sorts after these.
STATE_PRIORITY = (
    "failed", "upstream_failed", "up_for_retry", "up_for_reschedule", "running", "queued",
    "scheduled", None, "success", "skipped", "removed",
)
_RANK = {state: n for n, state in enumerate(STATE_PRIORITY)}


def aggregate_state(states: Iterable[str | None]) -> str | None:
    """The state a cell standing for several task instances shows."""
    found = list(states)
    if not found:
        return None
    return min(found, key=lambda s: _RANK.get(s, len(STATE_PRIORITY)))


def _state(item: dict[str, Any]) -> str | None:
    state = item.get("state")
    return None if state in (None, "none") else str(state)


# -- rows -----------------------------------------------------------------------------
def _label(node_id: str, group_id: str | None) -> str:
    prefix = f"{group_id}."
    return node_id[len(prefix):] if group_id and node_id.startswith(prefix) else node_id


class _Tree:
    """The task-group tree of one or more versions: a group's children, in display order."""

    def __init__(self) -> None:
        self.children: dict[str | None, list[tuple[str, str]]] = {None: []}  # group → [(kind, id)]
        self.groups: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.parent: dict[str, str | None] = {}

    def merge(self, serialized: dict[str, Any]) -> None:
        """Add what this version has and the tree lacks, each under its own group, after
        what is there: the first version merged decides the order."""
        position = {t["task_id"]: n for n, t in enumerate(serialized["tasks"])}
        tasks = {t["task_id"]: t for t in serialized["tasks"]}
        self._merge_group(serialized["task_group"], None, position, tasks)
        for task_id, task in tasks.items():  # a task its version's group tree does not hold
            if task_id not in self.tasks:
                self._add(task.get("task_group_id") if task.get("task_group_id") in self.groups else None,
                          ("task", task_id))
                self.tasks[task_id] = task

    def _merge_group(
        self, group: dict[str, Any], group_id: str | None, position: dict[str, int],
        tasks: dict[str, dict[str, Any]],
    ) -> int:
        """Merge the group's children in topological order; returns its first task's position."""
        members: list[tuple[int, str, Any]] = [
            (position[t], "task", t) for t in group.get("task_ids") or [] if t in position
        ]
        for child in group.get("groups") or []:
            members.append((_first_position(child, position), "group", child))
        members.sort(key=lambda m: m[0])
        for _, kind, member in members:
            if kind == "task":
                if member not in self.tasks:
                    self.tasks[member] = tasks[member]
                    self._add(group_id, ("task", member))
            else:
                child_id = member["group_id"]
                if child_id not in self.groups:
                    self.groups[child_id] = member
                    self.children[child_id] = []
                    self._add(group_id, ("group", child_id))
                self._merge_group(member, child_id, position, tasks)
        return members[0][0] if members else len(position)

    def _add(self, group_id: str | None, node: tuple[str, str]) -> None:
        self.children[group_id].append(node)
        self.parent[node[1]] = group_id

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        self._rows(None, 0, out)
        return out

    def _rows(self, group_id: str | None, depth: int, out: list[dict[str, Any]]) -> None:
        for kind, node_id in self.children[group_id]:
            if kind == "group":
                group = self.groups[node_id]
                out.append({"task_id": node_id, "label": group.get("label") or _label(node_id, group_id),
                            "group_id": group_id, "depth": depth, "operator": None,
                            "is_mapped": False, "is_group": True})
                self._rows(node_id, depth + 1, out)
            else:
                task = self.tasks[node_id]
                out.append({"task_id": node_id, "label": _label(node_id, group_id), "group_id": group_id,
                            "depth": depth, "operator": task.get("task_type"),
                            "is_mapped": bool(task.get("is_mapped")), "is_group": False})


def _first_position(group: dict[str, Any], position: dict[str, int]) -> int:
    found = [position[t] for t in group.get("task_ids") or [] if t in position]
    found += [_first_position(g, position) for g in group.get("groups") or []]
    return min(found, default=len(position))


def task_rows(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The grid's rows: the first version's group tree (each group followed by its members,
    in topological order), with what only the later versions have merged into it."""
    tree = _Tree()
    for serialized in versions:
        tree.merge(serialized)
    return tree.rows()


# -- cells ----------------------------------------------------------------------------
def cells(items: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One run's cells by task id (and group id) from its task instance items (`sk`, `state`,
    `try_number`, `map_length`). A task without an item has no cell; a group has one when
    any task below it has."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        task_id, _, map_index = item["sk"].rpartition("#")
        by_task.setdefault(task_id, []).append({**item, "map_index": int(map_index)})
    mapped = {r["task_id"] for r in rows if r["is_mapped"]}
    out: dict[str, dict[str, Any]] = {}
    for task_id, found in by_task.items():
        instances = [i for i in found if i["map_index"] >= 0]
        if task_id in mapped or instances:
            out[task_id] = _mapped_cell(found, instances)
        else:
            item = found[0]
            out[task_id] = {"state": _state(item), "try_number": int(item.get("try_number") or 0),
                            "map_count": None, "states": None}
    for row in reversed(rows):  # deepest groups first: a group's cell counts its members'
        if row["is_group"]:
            members = [out[r["task_id"]] for r in rows if r["group_id"] == row["task_id"] and r["task_id"] in out]
            if members:
                out[row["task_id"]] = _group_cell(members)
    return out


def _mapped_cell(found: list[dict[str, Any]], instances: list[dict[str, Any]]) -> dict[str, Any]:
    decision = next((i for i in found if i["map_index"] < 0), None)
    length = decision.get("map_length") if decision else None
    if instances:
        states = Counter(_state(i) for i in instances)
        state = aggregate_state(states)
    else:  # not expanded yet, or expanded to nothing, or failed to expand
        states = Counter()
        state = _state(decision) if decision else None
    return {
        "state": state,
        "try_number": max((int(i.get("try_number") or 0) for i in instances or found), default=0),
        "map_count": int(length) if length is not None else (len(instances) or None),
        "states": {_key(s): n for s, n in sorted(states.items(), key=lambda kv: _key(kv[0]))},
    }


def _group_cell(members: list[dict[str, Any]]) -> dict[str, Any]:
    states: Counter[str | None] = Counter()
    for member in members:
        if member["states"]:
            states.update({(None if s == "no_status" else s): n for s, n in member["states"].items()})
        else:
            states[member["state"]] += 1
    return {"state": aggregate_state(states), "try_number": max(m["try_number"] for m in members),
            "map_count": None, "states": {_key(s): n for s, n in sorted(states.items(), key=lambda kv: _key(kv[0]))}}


def _key(state: str | None) -> str:
    """A state as a JSON key: Airflow's `no_status` for a task instance without one."""
    return "no_status" if state is None else state


def state_counts(items: list[dict[str, Any]]) -> dict[str, int]:
    """A run's task instances by state (each mapped instance counted, not its task's decision)."""
    expanded = {i["sk"].rpartition("#")[0] for i in items if not i["sk"].endswith("#-1")}
    counts = Counter(
        _key(_state(i)) for i in items
        if not (i["sk"].endswith("#-1") and i["sk"].rpartition("#")[0] in expanded)
    )
    return dict(sorted(counts.items()))


# -- graph ----------------------------------------------------------------------------
def structure(serialized: dict[str, Any]) -> dict[str, Any]:
    """The graph of one version: tasks, groups (parents first) and edges (with their `Label`)."""
    nodes = [
        {"id": t["task_id"], "label": _label(t["task_id"], t.get("task_group_id")),
         "operator": t.get("task_type"), "group_id": t.get("task_group_id"),
         "is_mapped": bool(t.get("is_mapped")), "trigger_rule": t.get("trigger_rule")}
        for t in serialized["tasks"]
    ]
    groups: list[dict[str, Any]] = []

    def walk(group: dict[str, Any], parent_id: str | None) -> None:
        for child in group.get("groups") or []:
            groups.append({"id": child["group_id"], "label": child.get("label") or child["group_id"],
                           "parent_id": parent_id, "tooltip": child.get("tooltip") or ""})
            walk(child, child["group_id"])

    walk(serialized["task_group"], None)
    info = serialized.get("edge_info") or {}
    edges = [{"source_id": t["task_id"], "target_id": down,
              **({"label": label} if (label := info.get(t["task_id"], {}).get(down, {}).get("label")) else {})}
             for t in serialized["tasks"] for down in t.get("downstream") or []]
    return {"version": serialized["version_hash"], "nodes": nodes, "groups": groups, "edges": edges}
