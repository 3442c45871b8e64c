"""Params as in Airflow: DAG < task < conf, JSON-schema checks, and Airflow's messages."""

from __future__ import annotations

from typing import Any

import pytest

from updraft import DAG, Param
from updraft.authoring.params import (
    NOTSET,
    ParamsDict,
    deserialize_params,
    resolve_params,
    serialize_params,
)
from updraft.authoring.serialization import serialize_dag
from updraft.exceptions import ParamValidationError


def test_defaults_when_nothing_overrides_them() -> None:
    dag_params = {"n": Param(5, type="integer"), "plain": "x", "nothing": None}
    assert resolve_params(dag_params, None, None) == {"n": 5, "plain": "x", "nothing": None}


def test_task_params_override_dag_params_and_conf_overrides_both() -> None:
    dag_params = {"a": Param(1, type="integer"), "b": Param(2, type="integer"), "c": 3}
    task_params = {"b": 20, "c": 30}
    conf = {"c": 300, "extra": "kept"}
    assert resolve_params(dag_params, task_params, conf) == {"a": 1, "b": 20, "c": 300, "extra": "kept"}


def test_conf_is_ignored_when_it_may_not_override_params() -> None:
    assert resolve_params({"a": 1}, None, {"a": 2}, allow_conf_override=False) == {"a": 1}


def test_a_task_param_of_a_new_kind_replaces_the_dags_param() -> None:
    # A Param (not a plain value) on the task replaces the DAG's, schema and all.
    dag_params = {"n": Param(5, type="integer")}
    assert resolve_params(dag_params, {"n": Param("five", type="string")}, None) == {"n": "five"}


@pytest.mark.parametrize(
    "dag_params, task_params, conf, message",
    [
        pytest.param(
            {"n": Param(5, type="integer")}, None, {"n": "five"},
            "Invalid input for param n: 'five' is not of type 'integer'\n\n"
            "Failed validating 'type' in schema:\n    {'type': 'integer'}\n\n"
            "On instance:\n    'five'",
            id="conf-of-wrong-type",
        ),
        pytest.param(
            {"n": Param(5, type="integer")}, {"n": "five"}, None,
            "Invalid input for param n: 'five' is not of type 'integer'\n\n"
            "Failed validating 'type' in schema:\n    {'type': 'integer'}\n\n"
            "On instance:\n    'five'",
            id="task-value-checked-against-dag-schema",
        ),
        pytest.param(
            {"name": Param(type="string")}, None, None,
            "Invalid input for param name: No value passed and Param has no default value",
            id="required-and-missing",
        ),
        pytest.param(
            {"n": Param(0, type="integer", minimum=1)}, None, None,
            "Invalid input for param n: 0 is less than the minimum of 1\n\n"
            "Failed validating 'minimum' in schema:\n    {'type': 'integer', 'minimum': 1}\n\n"
            "On instance:\n    0",
            id="invalid-default",
        ),
        pytest.param(
            {"env": Param("dev", enum=["dev", "prod"])}, None, {"env": "test"},
            "Invalid input for param env: 'test' is not one of ['dev', 'prod']\n\n"
            "Failed validating 'enum' in schema:\n    {'enum': ['dev', 'prod']}\n\n"
            "On instance:\n    'test'",
            id="enum",
        ),
        pytest.param(
            {"day": Param("2024-01-01", type="string", format="date")}, None, {"day": "2024-13-01"},
            "Invalid input for param day: '2024-13-01' is not a 'date'\n\n"
            "Failed validating 'format' in schema:\n    {'type': 'string', 'format': 'date'}\n\n"
            "On instance:\n    '2024-13-01'",
            id="format",
        ),
        pytest.param(
            {"pair": Param([1, 2], type="array", prefixItems=[{"type": "integer"}, {"type": "integer"}])},
            None, {"pair": [1, "a"]},
            "Invalid input for param pair: 'a' is not of type 'integer'\n\n"
            "Failed validating 'type' in schema['prefixItems'][1]:\n    {'type': 'integer'}\n\n"
            "On instance[1]:\n    'a'",
            id="draft-2020-12-keyword",
        ),
    ],
)
def test_invalid_values_name_the_param_and_the_reason(
    dag_params: dict[str, Any], task_params: dict[str, Any] | None, conf: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(ParamValidationError) as err:
        resolve_params(dag_params, task_params, conf)
    assert str(err.value) == message


def test_a_required_param_is_satisfied_by_conf() -> None:
    assert resolve_params({"name": Param(type="string")}, None, {"name": "ada"}) == {"name": "ada"}


def test_resolving_leaves_the_dags_params_as_they_were() -> None:
    dag_params = {"n": Param(5, type="integer")}
    assert resolve_params(dag_params, None, {"n": 7}) == {"n": 7}
    assert resolve_params(dag_params, None, None) == {"n": 5}
    assert dag_params["n"].value == 5


def test_a_default_must_be_json() -> None:
    with pytest.raises(ParamValidationError) as err:
        Param({1, 2})
    assert str(err.value) == (
        "All provided parameters must be json-serializable. The value '{1, 2}' is not serializable."
    )


def test_param_keyword_arguments_form_the_schema_unless_schema_is_given() -> None:
    by_keywords = Param(3, "how many", type="integer", minimum=1)
    whole = Param(3, schema={"type": "integer"})
    assert (by_keywords.description, by_keywords.schema) == ("how many", {"type": "integer", "minimum": 1})
    assert whole.schema == {"type": "integer"}
    assert Param().value is NOTSET and not Param().has_value


def test_params_dict_checks_values_set_on_known_params() -> None:
    params = ParamsDict({"n": Param(1, type="integer"), "plain": "x"})
    params["n"] = 2
    params["new"] = [1]
    assert dict(params) == {"n": 2, "plain": "x", "new": [1]}
    with pytest.raises(ParamValidationError) as err:
        params["n"] = "two"
    assert str(err.value).startswith("Invalid input for param n: 'two' is not of type 'integer'")
    assert params.get_param("n").schema == {"type": "integer"}


def test_params_round_trip_through_the_serialized_dag() -> None:
    with DAG(
        "with_params",
        schedule=None,
        params={"n": Param(5, "count", type="integer"), "name": Param(type="string"), "plain": 1},
    ) as d:
        pass
    serialized = serialize_dag(d, "dags/with_params.py")["params"]
    assert serialized == {
        "n": {"__class": "updraft.authoring.params.Param", "default": 5, "description": "count",
              "schema": {"type": "integer"}},
        "name": {"__class": "updraft.authoring.params.Param", "description": None,
                 "schema": {"type": "string"}},
        "plain": {"__class": "updraft.authoring.params.Param", "default": 1, "description": None,
                  "schema": {}},
    }
    assert serialized == serialize_params(d.params)
    restored = deserialize_params(serialized)
    assert resolve_params(restored, None, {"name": "ada"}) == {"n": 5, "name": "ada", "plain": 1}
    with pytest.raises(ParamValidationError) as err:
        resolve_params(restored, None, {"n": "x", "name": "ada"})
    assert str(err.value).startswith("Invalid input for param n: 'x' is not of type 'integer'")


def test_param_dump_is_airflows_api_shape() -> None:
    assert Param(type="string").dump() == {
        "__class": "updraft.authoring.params.Param", "value": None, "description": None,
        "schema": {"type": "string"},
    }
