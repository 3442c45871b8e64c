"""SlackWebhookOperator: post a message to Slack through an incoming webhook (Airflow's Slack
provider's operator)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.hooks.slack_webhook import SlackWebhookHook


class SlackWebhookOperator(BaseOperator):
    """Post `message` (the fallback text when `blocks` are given), `blocks` and `attachments`
    to the webhook of the connection `slack_webhook_conn_id`. `channel`, `username`,
    `icon_emoji` and `icon_url` only apply to Slack's legacy webhooks."""

    template_fields: Sequence[str] = (
        "message", "attachments", "blocks", "channel", "username", "proxy", "slack_webhook_conn_id")

    def __init__(
        self,
        *,
        slack_webhook_conn_id: str,
        message: str = "",
        attachments: list[dict[str, Any]] | None = None,
        blocks: list[dict[str, Any]] | None = None,
        channel: str | None = None,
        username: str | None = None,
        icon_emoji: str | None = None,
        icon_url: str | None = None,
        proxy: str | None = None,
        timeout: int | None = None,
        retry_handlers: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.slack_webhook_conn_id = slack_webhook_conn_id
        self.proxy = proxy
        self.message = message
        self.attachments = attachments
        self.blocks = blocks
        self.channel = channel
        self.username = username
        self.icon_emoji = icon_emoji
        self.icon_url = icon_url
        self.timeout = timeout
        self.retry_handlers = retry_handlers

    @functools.cached_property
    def hook(self) -> SlackWebhookHook:
        return SlackWebhookHook(slack_webhook_conn_id=self.slack_webhook_conn_id, proxy=self.proxy,
                                timeout=self.timeout)

    def execute(self, context: Any) -> None:
        self.hook.send(
            text=self.message, attachments=self.attachments, blocks=self.blocks,
            channel=self.channel, username=self.username, icon_emoji=self.icon_emoji, icon_url=self.icon_url,
        )
