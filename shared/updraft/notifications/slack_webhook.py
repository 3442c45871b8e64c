"""SlackWebhookNotifier: post to a Slack incoming webhook from a callback, as Airflow's."""

from __future__ import annotations

import functools
from typing import Any

from updraft.hooks.slack_webhook import SlackWebhookHook
from updraft.notifications.base import BaseNotifier


class SlackWebhookNotifier(BaseNotifier):
    """`on_failure_callback=SlackWebhookNotifier(text="{{ ti.task_id }} failed")`."""

    template_fields = ("slack_webhook_conn_id", "text", "attachments", "blocks", "proxy", "timeout")

    def __init__(
        self,
        *,
        slack_webhook_conn_id: str = SlackWebhookHook.default_conn_name,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        proxy: str | None = None,
        timeout: int | None = None,
        attachments: list[dict[str, Any]] | None = None,
        retry_handlers: list[Any] | None = None,
    ) -> None:
        super().__init__()
        self.slack_webhook_conn_id = slack_webhook_conn_id
        self.text = text
        self.attachments = attachments
        self.blocks = blocks
        self.unfurl_links = unfurl_links
        self.unfurl_media = unfurl_media
        self.timeout = timeout
        self.proxy = proxy
        self.retry_handlers = retry_handlers

    @functools.cached_property
    def hook(self) -> SlackWebhookHook:
        return SlackWebhookHook(slack_webhook_conn_id=self.slack_webhook_conn_id, proxy=self.proxy,
                                timeout=self.timeout)

    def notify(self, context: dict[str, Any]) -> None:
        response = self.hook.send(text=self.text, blocks=self.blocks, unfurl_links=self.unfurl_links,
                                  unfurl_media=self.unfurl_media, attachments=self.attachments)
        self.log.debug("Slack webhook notification sent: %s %s", response.status_code, response.api_url)


send_slack_webhook_notification = SlackWebhookNotifier
