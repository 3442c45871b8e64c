"""AwsBaseOperator: the AWS settings every Amazon operator takes (`aws_conn_id`,
`region_name`, `verify`, `botocore_config`) and the hook they make, as Airflow's."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.hooks.base_aws import AwsBaseHook

AWS_FIELDS = ("aws_conn_id", "region_name", "verify")


def aws_template_fields(*template_fields: str) -> tuple[str, ...]:
    """The operator's template fields and the AWS ones, sorted, as Airflow's."""
    return tuple(sorted({*AWS_FIELDS, *template_fields}))


class AwsBaseOperator(BaseOperator):
    """Subclasses set `aws_hook_class`; `self.hook` is made on first use from the settings."""

    aws_hook_class: type[AwsBaseHook] = AwsBaseHook
    template_fields: Sequence[str] = aws_template_fields()

    def __init__(
        self,
        *,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    @property
    def _hook_parameters(self) -> dict[str, Any]:
        return {"aws_conn_id": self.aws_conn_id, "region_name": self.region_name, "verify": self.verify,
                "config": self.botocore_config}

    @functools.cached_property
    def hook(self) -> Any:
        return self.aws_hook_class(**self._hook_parameters)
