"""LambdaInvokeFunctionOperator: invoke an AWS Lambda function (Airflow's)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from updraft.hooks.lambda_function import LambdaHook
from updraft.operators.base_aws import AwsBaseOperator, aws_template_fields

SUCCESS_STATUS_CODES = (200, 202, 204)


class LambdaInvokeFunctionOperator(AwsBaseOperator):
    """Invoke `function_name` with `payload`; the function's response payload is the XCom
    (parsed from JSON with `deserialize_payload`). A function error (`FunctionError` in the
    response) fails the task with the function's error; `log_type="Tail"` copies the last 4 KB
    of the function's log into the task log."""

    template_fields: Sequence[str] = aws_template_fields("function_name", "payload", "qualifier", "invocation_type")
    ui_color = "#ff7300"
    aws_hook_class = LambdaHook

    def __init__(
        self,
        *,
        function_name: str,
        log_type: str | None = None,
        keep_empty_log_lines: bool = True,
        qualifier: str | None = None,
        invocation_type: str | None = None,
        client_context: str | None = None,
        payload: bytes | str | None = None,
        deserialize_payload: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.function_name = function_name
        self.payload = payload
        self.log_type = log_type
        self.keep_empty_log_lines = keep_empty_log_lines
        self.qualifier = qualifier
        self.invocation_type = invocation_type
        self.client_context = client_context
        self.deserialize_payload = deserialize_payload

    def execute(self, context: Any) -> Any:
        import logging

        log = logging.getLogger("updraft.task")
        log.info("Invoking AWS Lambda function: %s with payload: %s", self.function_name, self.payload)
        response = self.hook.invoke_lambda(
            function_name=self.function_name, invocation_type=self.invocation_type, log_type=self.log_type,
            client_context=self.client_context, payload=self.payload, qualifier=self.qualifier,
        )
        log.info("Lambda response metadata: %r", response.get("ResponseMetadata"))
        if log_result := response.get("LogResult"):
            lines = self.hook.encode_log_result(log_result, keep_empty_lines=self.keep_empty_log_lines)
            if lines:
                log.info("The last 4 KB of the Lambda execution log (keep_empty_log_lines=%s).",
                         self.keep_empty_log_lines)
                for line in lines:
                    log.info(line)
        if response.get("StatusCode") not in SUCCESS_STATUS_CODES:
            raise ValueError("Lambda function did not execute", json.dumps(response.get("ResponseMetadata")))
        payload = response["Payload"].read().decode() if response.get("Payload") is not None else ""
        if "FunctionError" in response:
            raise ValueError(
                f"Lambda function {self.function_name} execution resulted in error "
                f"({response['FunctionError']}): {_function_error(payload)}")
        log.info("Lambda function invocation succeeded: %r", response.get("ResponseMetadata"))
        if self.deserialize_payload and payload:
            return json.loads(payload)
        return payload


def _function_error(payload: str) -> str:
    """`errorType: errorMessage` from a Lambda error payload, or the payload as it is."""
    try:
        error = json.loads(payload)
    except json.JSONDecodeError:
        return payload
    if isinstance(error, dict) and ("errorMessage" in error or "errorType" in error):
        return f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}"
    return payload
