"""default_args as Airflow's operators apply them: each class of the hierarchy fills the
keywords it names, so a subclass may pass its parent a value default_args also holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from updraft import DAG, BaseOperator


class PushesMany(BaseOperator):
    def __init__(self, *, payload: str = "x", **kwargs: Any) -> None:
        super().__init__(multiple_outputs=True, **kwargs)
        self.payload = payload


class NeedsValue(BaseOperator):
    def __init__(self, *, value: int, other: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = value


def test_a_subclass_passes_its_parent_a_keyword_default_args_also_sets() -> None:
    with DAG("defaults", schedule=None, start_date=datetime(2024, 1, 1),
             default_args={"multiple_outputs": False, "retries": 3, "payload": "from defaults"}):
        task = PushesMany(task_id="t")

    assert task.multiple_outputs is True
    assert task.retries == 3
    assert task.payload == "from defaults"


def test_default_args_fill_a_required_keyword() -> None:
    with DAG("required", schedule=None, start_date=datetime(2024, 1, 1), default_args={"value": 1, "other": 2}):
        task = NeedsValue(task_id="t")

    assert task.value == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"value": 1}, "missing keyword argument 'other'", id="one"),
        pytest.param({}, "missing keyword arguments 'other', 'value'", id="two"),
    ],
)
def test_a_missing_keyword_is_named(kwargs: dict[str, Any], message: str) -> None:
    with DAG("missing", schedule=None, start_date=datetime(2024, 1, 1)):
        with pytest.raises(TypeError, match=message):
            NeedsValue(task_id="t", **kwargs)


def test_operators_take_keywords_only() -> None:
    with pytest.raises(TypeError, match="Use keyword arguments when initializing operators"):
        BaseOperator("t")  # type: ignore[misc]


def test_an_unknown_keyword_is_refused_as_airflow_refuses_it() -> None:
    with DAG("unknown", schedule=None, start_date=datetime(2024, 1, 1)):
        with pytest.raises(TypeError, match=r"Invalid arguments were passed to BaseOperator \(task_id: t\)"):
            BaseOperator(task_id="t", no_such_argument=1)
