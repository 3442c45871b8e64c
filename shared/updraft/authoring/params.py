"""Params: a DAG's and a task's named inputs, with defaults and JSON-schema rules, as in Airflow.

`params={"n": Param(5, type="integer", minimum=1)}` on a DAG or a task; a run's `conf`
overrides them. `resolve_params` merges the three (DAG < task < conf) and validates every
value against its schema (JSON Schema, Draft 2020-12 unless the schema names another), with
Airflow's messages. `jsonschema` is imported only when a value is validated.
"""

from __future__ import annotations

import copy
import json
from collections.abc import ItemsView, Iterator, Mapping, MutableMapping, ValuesView
from typing import Any, ClassVar

from updraft.exceptions import ParamValidationError

PARAM_CLASS = "updraft.authoring.params.Param"


class ArgNotSet:
    """The type of NOTSET: no value given, which is not the same as None."""

    _instance: ClassVar["ArgNotSet | None"] = None

    def __new__(cls) -> "ArgNotSet":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOTSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> "ArgNotSet":
        return self

    def __deepcopy__(self, memo: Any) -> "ArgNotSet":
        return self


NOTSET = ArgNotSet()


class Param:
    """A default value and the JSON schema a value must satisfy. Keyword arguments other than
    `default` and `description` form the schema (or pass `schema=` whole)."""

    CLASS_IDENTIFIER = "__class"

    def __init__(self, default: Any = NOTSET, description: str | None = None, **kwargs: Any) -> None:
        if default is not NOTSET:
            self._check_json(default)
        self.value = default
        self.description = description
        self.schema: dict[str, Any] = kwargs.pop("schema") if "schema" in kwargs else kwargs

    def __copy__(self) -> "Param":
        return Param(self.value, self.description, schema=self.schema)

    def __repr__(self) -> str:
        return f"Param({self.value!r}, description={self.description!r}, schema={self.schema!r})"

    @staticmethod
    def _check_json(value: Any) -> None:
        try:
            json.dumps(value)
        except Exception:
            raise ParamValidationError(
                "All provided parameters must be json-serializable. "
                f"The value '{value}' is not serializable."
            ) from None

    def resolve(self, value: Any = NOTSET, suppress_exception: bool = False) -> Any:
        """Validate `value` (or the default) against the schema and keep it as the value.
        Without a value and without a default it fails; with suppress_exception it returns
        None instead of raising."""
        import jsonschema
        from jsonschema import FormatChecker
        from jsonschema.exceptions import ValidationError

        if value is not NOTSET:
            self._check_json(value)
        final_val = self.value if value is NOTSET else value
        if final_val is NOTSET:
            if suppress_exception:
                return None
            raise ParamValidationError("No value passed and Param has no default value")
        try:
            jsonschema.validate(final_val, self.schema, format_checker=FormatChecker())
        except ValidationError as err:
            if suppress_exception:
                return None
            raise ParamValidationError(err) from None
        self.value = final_val
        return final_val

    @property
    def has_value(self) -> bool:
        return self.value is not NOTSET and self.value is not None

    def dump(self) -> dict[str, Any]:
        """Airflow's shape for the REST API: the class, value (None when unset), description
        and schema."""
        return {
            self.CLASS_IDENTIFIER: PARAM_CLASS,
            "value": None if self.value is NOTSET else self.value,
            "description": self.description,
            "schema": self.schema,
        }

    def serialize(self) -> dict[str, Any]:
        """The param in a serialized DAG; `default` is absent when the param has none."""
        out: dict[str, Any] = {self.CLASS_IDENTIFIER: PARAM_CLASS}
        if self.value is not NOTSET:
            out["default"] = self.value
        out["description"] = self.description
        out["schema"] = self.schema
        return out

    @staticmethod
    def deserialize(data: Mapping[str, Any]) -> "Param":
        return Param(data.get("default", NOTSET), data.get("description"), schema=data.get("schema") or {})


class ParamsDict(MutableMapping[str, Any]):
    """A mapping of names to Params: plain values become Params, and setting a value on a
    name that has a Param validates it against that Param's schema."""

    def __init__(
        self, dict_obj: Mapping[str, Any] | None = None, suppress_exception: bool = False
    ) -> None:
        self._dict: dict[str, Param] = {
            k: v if isinstance(v, Param) else Param(v) for k, v in (dict_obj or {}).items()
        }
        self.suppress_exception = suppress_exception

    def __bool__(self) -> bool:
        return bool(self._dict)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ParamsDict):
            return self.dump() == other.dump()
        if isinstance(other, dict):
            return self.dump() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> "ParamsDict":
        return ParamsDict(self._dict, self.suppress_exception)

    def __deepcopy__(self, memo: dict[int, Any] | None) -> "ParamsDict":
        return ParamsDict(copy.deepcopy(self._dict, memo), self.suppress_exception)

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __len__(self) -> int:
        return len(self._dict)

    def __delitem__(self, key: str) -> None:
        del self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __repr__(self) -> str:
        return repr(self.dump())

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, Param):
            param = value
        elif key in self._dict:
            param = self._dict[key]
            try:
                param.resolve(value=value, suppress_exception=self.suppress_exception)
            except ParamValidationError as err:
                raise ParamValidationError(f"Invalid input for param {key}: {err}") from None
        else:
            param = Param(value)
        self._dict[key] = param

    def __getitem__(self, key: str) -> Any:
        return self._dict[key].resolve(suppress_exception=self.suppress_exception)

    def get_param(self, key: str) -> Param:
        return self._dict[key]

    def items(self) -> ItemsView[str, Param]:  # type: ignore[override]
        return ItemsView(self._dict)  # type: ignore[arg-type]

    def values(self) -> ValuesView[Param]:  # type: ignore[override]
        return ValuesView(self._dict)  # type: ignore[arg-type]

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if len(args) == 1 and not kwargs and isinstance(args[0], ParamsDict):
            return super().update(args[0]._dict)
        return super().update(*args, **kwargs)

    def dump(self) -> dict[str, Any]:
        """The values, None where a value is missing or invalid."""
        return {k: v.resolve(suppress_exception=True) for k, v in self._dict.items()}

    def validate(self) -> dict[str, Any]:
        """Every value, validated; the first failure names its param."""
        resolved: dict[str, Any] = {}
        for key, param in self._dict.items():
            try:
                resolved[key] = param.resolve(suppress_exception=self.suppress_exception)
            except ParamValidationError as err:
                raise ParamValidationError(f"Invalid input for param {key}: {err}") from None
        return resolved


def resolve_params(
    dag_params: Mapping[str, Any] | None,
    task_params: Mapping[str, Any] | None,
    conf: Mapping[str, Any] | None,
    *,
    allow_conf_override: bool = True,
) -> dict[str, Any]:
    """The params a task instance runs with: the DAG's, then the task's, then the run's conf
    (unless allow_conf_override is off: Airflow's `core.dag_run_conf_overrides_params`), each
    value checked against the schema of the Param it replaces; raises ParamValidationError
    ("Invalid input for param <name>: <reason>")."""
    params = ParamsDict()
    params.update(_copied(dag_params))
    params.update(_copied(task_params))
    if allow_conf_override and conf:
        params.update(conf)
    return params.validate()


def _copied(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The entries with each Param copied: resolving sets a Param's value, and the DAG's own
    Params (a DAG may stay loaded between runs) must keep their defaults."""
    source = params._dict if isinstance(params, ParamsDict) else dict(params or {})
    return {k: copy.copy(v) if isinstance(v, Param) else v for k, v in source.items()}


def serialize_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """A DAG's or task's params for a serialized DAG: every entry in Param's serialized shape
    (a plain value is a Param with that default and no schema)."""
    source = params._dict if isinstance(params, ParamsDict) else dict(params or {})
    return {
        key: value.serialize()
        if isinstance(value, Param)
        else {Param.CLASS_IDENTIFIER: PARAM_CLASS, "default": value, "description": None, "schema": {}}
        for key, value in source.items()
    }


def deserialize_params(data: Mapping[str, Any] | None) -> dict[str, Param]:
    """What `serialize_params` wrote, as Params again (for code that never imports the DAG
    file: validating a trigger's conf, the API)."""
    return {key: Param.deserialize(value) for key, value in (data or {}).items()}
