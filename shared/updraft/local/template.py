"""Read template.yaml as CloudFormation does, and resolve its intrinsic functions locally.

The local stack is built from the same template that `sam deploy` uses, so the template needs
a YAML loader that understands CloudFormation's short tags (`!Ref`, `!Sub`, ...) and a resolver
that turns `{"Ref": ...}` and friends into values: parameters (their defaults unless given),
pseudo parameters, and the names, ARNs and URLs of the resources created on the moto server.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import yaml

ACCOUNT_ID = "123456789012"  # moto's default account, so ARNs agree with the ones it makes
DEFAULT_REGION = "us-east-1"

# Short tag -> long form. Ref and Condition keep their names; the others are `Fn::<name>`.
_SHORT_TAGS = (
    "Ref", "Condition", "GetAtt", "Sub", "Select", "Join", "Split", "If", "Equals", "And",
    "Or", "Not", "FindInMap", "Base64", "Cidr", "GetAZs", "ImportValue", "Transform",
    "Length", "ToJsonString",
)  # fmt: skip


class TemplateError(ValueError):
    """The template asks for something the local resolver cannot give."""


class NoValue:
    """`AWS::NoValue`: the key or list item holding it disappears."""


NO_VALUE = NoValue()


class ResourceAttributes(Protocol):
    """What the resolver asks of the created resources."""

    def ref(self, logical_id: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str) -> Any: ...


# ------------------------------------------------------------------ loading


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader plus the short tags; timestamps stay strings ("2010-09-09"), as in CloudFormation."""


CloudFormationLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _short_tag_constructor(tag: str) -> Callable[[yaml.Loader, yaml.Node], dict[str, Any]]:
    key = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"

    def construct(loader: yaml.Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":  # !GetAtt Res.Attr -> ["Res", "Attr"]
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {key: value}

    return construct


for _tag in _SHORT_TAGS:
    CloudFormationLoader.add_constructor(f"!{_tag}", _short_tag_constructor(_tag))


def load_template(path: str | Path) -> dict[str, Any]:
    """The template as a plain dict, short tags in their long form."""
    with open(path, encoding="utf-8") as handle:
        return loads_template(handle.read())


def loads_template(text: str) -> dict[str, Any]:
    return yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - SafeLoader subclass


# ------------------------------------------------------------------ resolving


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Each parameter's value, as CloudFormation hands it out: a string (lists for list types).

    Overrides must respect AllowedValues, as `sam deploy --parameter-overrides` does."""
    overrides = dict(overrides or {})
    declared = template.get("Parameters") or {}
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"Unknown template parameters: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            raw = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"Parameter '{name}' has no default and no value was given")
        allowed = spec.get("AllowedValues")
        if allowed is not None and as_string(raw) not in {as_string(a) for a in allowed}:
            raise TemplateError(f"Parameter '{name}' must be one of {allowed}, not {raw!r}")
        if str(spec.get("Type", "String")).startswith(("List<", "CommaDelimitedList")):
            values[name] = raw if isinstance(raw, list) else [p.strip() for p in str(raw).split(",")]
        else:
            values[name] = as_string(raw)
    return values


def as_string(value: Any) -> str:
    """A scalar the way CloudFormation prints it (booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Resolves intrinsic functions against parameters, pseudo parameters and resources."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        parameters: Mapping[str, Any] | None = None,
        stack_name: str = "updraft-local",
        region: str = DEFAULT_REGION,
        account_id: str = ACCOUNT_ID,
        resources: ResourceAttributes | None = None,
    ) -> None:
        self.template = template
        self.parameters = parameter_values(template, parameters)
        self.resources = resources
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic function replaced by its result."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._function(key, argument)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.template.get("Resources") or {}) and self.resources is not None:
            return self.resources.ref(name)
        raise TemplateError(f"Cannot resolve Ref to '{name}' locally")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if self.resources is None or logical_id not in (self.template.get("Resources") or {}):
            raise TemplateError(f"Cannot resolve GetAtt {logical_id}.{attribute} locally")
        return self.resources.get_att(logical_id, attribute)

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise TemplateError(f"Unknown condition '{name}'")
        return bool(self.resolve(conditions[name]))

    # One method per function keeps each rule next to its name.
    def _function(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(self.resolve(arg))
        name = key[len("Fn::") :]
        method = getattr(self, f"_fn_{name.lower()}", None)
        if method is None:
            raise TemplateError(f"{key} is not supported by the local stack")
        return method(arg)

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = (self.resolve(part) for part in arg)
        return self.get_att(logical_id, attribute)

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return as_string(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return as_string(self.get_att(*name.split(".", 1)))
            return as_string(self.ref(name))

        return _SUB_VARIABLE.sub(substitute, text)

    def _fn_join(self, arg: Any) -> str:
        delimiter, items = arg
        return as_string(delimiter).join(as_string(i) for i in self.resolve(items))

    def _fn_split(self, arg: Any) -> list[str]:
        delimiter, text = arg
        return str(self.resolve(text)).split(delimiter)

    def _fn_select(self, arg: Any) -> Any:
        index, items = arg
        return self.resolve(items)[int(self.resolve(index))]

    def _fn_if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, arg: Any) -> bool:
        left, right = (self.resolve(a) for a in arg)
        return as_string(left) == as_string(right)

    def _fn_and(self, arg: Any) -> bool:
        return all(self._truth(a) for a in arg)

    def _fn_or(self, arg: Any) -> bool:
        return any(self._truth(a) for a in arg)

    def _fn_not(self, arg: Any) -> bool:
        return not self._truth(arg[0])

    def _truth(self, value: Any) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        return bool(self.resolve(value))

    def _fn_findinmap(self, arg: Any) -> Any:
        mapping, top, second = (self.resolve(a) for a in arg[:3])
        try:
            return self.template["Mappings"][mapping][top][second]
        except KeyError as err:
            raise TemplateError(f"Fn::FindInMap: no {mapping}/{top}/{second}") from err

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(str(self.resolve(arg)).encode()).decode()

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_length(self, arg: Any) -> int:
        return len(self.resolve(arg))

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))


def references(value: Any) -> set[str]:
    """Names that Ref, GetAtt or Sub mention in value: what a resource depends on."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add((arg.split(".", 1) if isinstance(arg, str) else arg)[0])
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                names = {m.group(1).split(".", 1)[0].strip() for m in _SUB_VARIABLE.finditer(text)}
                found |= {n for n in names if not n.startswith("!")}
                if isinstance(arg, list):
                    found |= references(arg[1:])
            else:
                found |= references(arg)
    return found
