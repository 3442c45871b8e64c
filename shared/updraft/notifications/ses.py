"""SesNotifier: send an email through Amazon SES from a callback, as Airflow's."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from updraft.hooks.ses import SesHook
from updraft.notifications.base import BaseNotifier


class SesNotifier(BaseNotifier):
    """`on_failure_callback=SesNotifier(mail_from=..., to=[...], subject=..., html_content=...)`."""

    template_fields = (
        "aws_conn_id", "region_name", "mail_from", "to", "subject", "html_content", "files", "cc", "bcc",
        "mime_subtype", "mime_charset", "reply_to", "return_path", "custom_headers",
    )

    def __init__(
        self,
        *,
        aws_conn_id: str | None = SesHook.default_conn_name,
        region_name: str | None = None,
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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.mail_from = mail_from
        self.to = to
        self.subject = subject
        self.html_content = html_content
        self.files = files
        self.cc = cc
        self.bcc = bcc
        self.mime_subtype = mime_subtype
        self.mime_charset = mime_charset
        self.reply_to = reply_to
        self.return_path = return_path
        self.custom_headers = custom_headers

    @functools.cached_property
    def hook(self) -> SesHook:
        return SesHook(aws_conn_id=self.aws_conn_id, region_name=self.region_name)

    def notify(self, context: dict[str, Any]) -> None:
        kwargs = {
            "mail_from": self.mail_from, "to": self.to, "subject": self.subject,
            "html_content": self.html_content, "files": self.files, "cc": self.cc, "bcc": self.bcc,
            "mime_subtype": self.mime_subtype, "mime_charset": self.mime_charset, "reply_to": self.reply_to,
            "return_path": self.return_path, "custom_headers": self.custom_headers,
        }
        self.hook.send_email(**{k: v for k, v in kwargs.items() if v is not None})


send_ses_notification = SesNotifier
