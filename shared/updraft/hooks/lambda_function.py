"""LambdaHook: invoke an AWS Lambda function, as Airflow's."""

from __future__ import annotations

import base64
from typing import Any

from updraft.hooks.base_aws import AwsBaseHook, trim_none_values


class LambdaHook(AwsBaseHook):
    """Interact with AWS Lambda (`boto3.client("lambda")`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "lambda"
        super().__init__(*args, **kwargs)

    def invoke_lambda(
        self,
        *,
        function_name: str,
        invocation_type: str | None = None,
        log_type: str | None = None,
        client_context: str | None = None,
        payload: bytes | str | None = None,
        qualifier: str | None = None,
    ) -> dict[str, Any]:
        """Invoke the function (`RequestResponse`, `Event` or `DryRun`); the response as boto3's."""
        if isinstance(payload, str):
            payload = payload.encode()
        return self.get_conn().invoke(**trim_none_values({
            "FunctionName": function_name,
            "InvocationType": invocation_type,
            "LogType": log_type,
            "ClientContext": client_context,
            "Payload": payload,
            "Qualifier": qualifier,
        }))

    @staticmethod
    def encode_log_result(log_result: str, *, keep_empty_lines: bool = True) -> list[str] | None:
        """The lines of a base64 `LogResult` (the execution log's last 4 KB), or None if it
        cannot be decoded."""
        try:
            text = base64.b64decode(log_result).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        lines = text.splitlines()
        return lines if keep_empty_lines else [line for line in lines if line]
