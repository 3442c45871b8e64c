"""SlackWebhookHook: post to a Slack incoming webhook, as Airflow's Slack provider does, with
the standard library (urllib) instead of slack_sdk.

The connection (type `slackwebhook`) holds the webhook's token in its password —
`T000/B000/XXX`, or the whole `https://hooks.slack.com/services/…` URL — and, optionally, a
host other than `hooks.slack.com/services` (its scheme in `schema`, https by default). The
extra may give `timeout` and `proxy`."""

from __future__ import annotations

import json
import warnings
from typing import Any

from updraft.exceptions import AirflowException, AirflowNotFoundException
from updraft.hooks.base import BaseHook

LEGACY_INTEGRATION_PARAMS = ("channel", "username", "icon_emoji", "icon_url")
DEFAULT_TIMEOUT_SECONDS = 30


class WebhookResponse:
    """What Slack answered: status code and body (slack_sdk's WebhookResponse's fields)."""

    def __init__(self, url: str, status_code: int, body: str) -> None:
        self.api_url = url
        self.status_code = status_code
        self.body = body


class SlackWebhookHook(BaseHook):
    """Post messages to Slack with an incoming webhook."""

    conn_name_attr = "slack_webhook_conn_id"
    default_conn_name = "slack_default"
    conn_type = "slackwebhook"
    hook_name = "Slack Incoming Webhook"

    def __init__(self, *, slack_webhook_conn_id: str = default_conn_name, timeout: int | None = None,
                 proxy: str | None = None, **extra_client_args: Any) -> None:
        super().__init__()
        self.slack_webhook_conn_id = slack_webhook_conn_id
        self.timeout = timeout
        self.proxy = proxy
        extra_client_args.pop("retry_handlers", None)  # slack_sdk's; urllib has none
        self.extra_client_args = extra_client_args

    def _get_conn_params(self) -> dict[str, Any]:
        """The webhook URL, timeout and proxy, from the connection and the hook's arguments."""
        conn = self.get_connection(self.slack_webhook_conn_id)
        if not conn.password or not conn.password.strip():
            raise AirflowNotFoundException(
                f"Connection ID {self.slack_webhook_conn_id!r} does not contain password (Slack Webhook Token).")
        token = conn.password.strip()
        if "://" in token:
            url = token
        else:
            base = conn.host
            if not base or "://" not in base:
                base = f"{conn.schema or 'https'}://{conn.host or 'hooks.slack.com/services'}"
            url = (base.rstrip("/") + "/" + token.lstrip("/")).rstrip("/")
        extra = conn.extra_dejson
        timeout = self.timeout or (int(extra["timeout"]) if extra.get("timeout") not in (None, "") else None)
        return {"url": url, "timeout": timeout, "proxy": self.proxy or extra.get("proxy") or None}

    def get_conn(self) -> dict[str, Any]:
        return self._get_conn_params()

    def send_dict(self, body: dict[str, Any] | str, *, headers: dict[str, str] | None = None) -> WebhookResponse:
        """POST a JSON message; an error unless Slack answers 200."""
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except json.JSONDecodeError as err:
                raise AirflowException(f"Body expected valid JSON string, got {body!r}. Original error:\n * {err}") \
                    from None
        if not isinstance(body, dict):
            raise TypeError(f"Body expected dictionary, got {type(body).__name__}.")
        if any(attr in body for attr in LEGACY_INTEGRATION_PARAMS):
            warnings.warn(
                "You cannot override the default channel (chosen by the user who installed your app), "
                "username, or icon when you're using Incoming Webhooks to post messages. Instead, these "
                "values will always inherit from the associated Slack app configuration. It is possible to "
                "change this values only in Legacy Slack Integration Incoming Webhook.",
                UserWarning, stacklevel=2,
            )
        import urllib.error
        import urllib.request

        params = self._get_conn_params()
        request = urllib.request.Request(
            params["url"], data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json;charset=utf-8", **(headers or {})},
        )
        handlers: list[Any] = []
        if params["proxy"]:
            handlers.append(urllib.request.ProxyHandler({"http": params["proxy"], "https": params["proxy"]}))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=params["timeout"] or DEFAULT_TIMEOUT_SECONDS) as reply:
                response = WebhookResponse(params["url"], reply.status, reply.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            response = WebhookResponse(params["url"], err.code, err.read().decode("utf-8", "replace"))
        except urllib.error.URLError as err:
            raise AirflowException(f"Slack Incoming Webhook could not be reached: {err.reason}") from None
        if response.status_code != 200:
            raise AirflowException(
                f"Response body: {response.body!r}, Status Code: {response.status_code}. "
                "See: https://api.slack.com/messaging/webhooks#handling_errors")
        return response

    def send(
        self,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        headers: dict[str, str] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> WebhookResponse:
        """Post a message: text (the fallback when there are blocks), blocks, attachments, and
        the legacy integration's channel/username/icon_emoji/icon_url."""
        body = {
            "text": text,
            "attachments": attachments,
            "blocks": blocks,
            "response_type": response_type,
            "replace_original": replace_original,
            "delete_original": delete_original,
            "unfurl_links": unfurl_links,
            "unfurl_media": unfurl_media,
            **kwargs,
        }
        return self.send_dict({k: v for k, v in body.items() if v is not None}, headers=headers)

    def send_text(self, text: str, *, unfurl_links: bool | None = None, unfurl_media: bool | None = None,
                  headers: dict[str, str] | None = None) -> WebhookResponse:
        return self.send(text=text, unfurl_links=unfurl_links, unfurl_media=unfurl_media, headers=headers)
