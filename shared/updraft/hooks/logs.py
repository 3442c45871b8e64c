"""AwsLogsHook: read CloudWatch Logs events, as Airflow's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from updraft.hooks.base_aws import AwsBaseHook


class AwsLogsHook(AwsBaseHook):
    """Interact with CloudWatch Logs (`boto3.client("logs")`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "logs"
        super().__init__(*args, **kwargs)

    def get_log_events(
        self,
        log_group: str,
        log_stream_name: str,
        start_time: int = 0,
        skip: int = 0,
        start_from_head: bool = True,
        continuation_token: "ContinuationToken | None" = None,
    ) -> Iterator[dict[str, Any]]:
        """The stream's events from the oldest, page after page, until a page brings nothing
        new. `continuation_token.value` is left at the token to pass next time, so a later
        call yields only what was written since."""
        token = continuation_token if continuation_token is not None else ContinuationToken()
        skipped = 0
        while True:
            kwargs: dict[str, Any] = {"logGroupName": log_group, "logStreamName": log_stream_name,
                                      "startFromHead": start_from_head}
            if token.value:
                kwargs["nextToken"] = token.value
            elif start_time:
                kwargs["startTime"] = start_time
            response = self.get_conn().get_log_events(**kwargs)
            events = response.get("events", [])
            for event in events:
                if skipped < skip:
                    skipped += 1
                    continue
                yield event
            following = response.get("nextForwardToken")
            if not events or following is None or following == token.value:
                if following is not None:
                    token.value = following
                return
            token.value = following


class ContinuationToken:
    """Where a reading of a log stream stopped."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value
