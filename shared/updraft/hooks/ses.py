"""SesHook: send email through Amazon SES, as Airflow's (a MIME message, `send_raw_email`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from updraft.hooks.base_aws import AwsBaseHook


class SesHook(AwsBaseHook):
    """Interact with Amazon SES (`boto3.client("ses")`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "ses"
        super().__init__(*args, **kwargs)

    def send_email(
        self,
        mail_from: str,
        to: str | Iterable[str],
        subject: str,
        html_content: str,
        files: list[str] | None = None,
        cc: str | Iterable[str] | None = None,
        bcc: str | Iterable[str] | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        reply_to: str | None = None,
        return_path: str | None = None,
        custom_headers: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send an HTML email (with `files` attached) from `mail_from`, a verified SES identity;
        the response holds SES's MessageId."""
        from updraft.notifications.email import build_mime_message

        headers = dict(custom_headers or {})
        if reply_to:
            headers["Reply-To"] = reply_to
        if return_path:
            headers["Return-Path"] = return_path
        message, recipients = build_mime_message(
            mail_from=mail_from, to=to, subject=subject, html_content=html_content, files=files, cc=cc,
            bcc=bcc, mime_subtype=mime_subtype, mime_charset=mime_charset, custom_headers=headers,
        )
        return self.get_conn().send_raw_email(Source=mail_from, Destinations=recipients,
                                              RawMessage={"Data": message.as_string()})
