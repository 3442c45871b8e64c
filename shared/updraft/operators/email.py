"""EmailOperator: send an email through Amazon SES (Airflow's EmailOperator with its SES email
backend)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator


class EmailOperator(BaseOperator):
    """Send `html_content` (a template, or a `.html` template file) to `to`, `cc` and `bcc`,
    with `files` attached, from `from_email` (default: the `UPDRAFT_EMAIL_FROM_EMAIL`
    setting), through SES with the AWS connection `conn_id` (default: the
    `UPDRAFT_EMAIL_CONN_ID` setting, else `aws_default`)."""

    template_fields: Sequence[str] = ("to", "from_email", "subject", "html_content", "files", "cc", "bcc")
    template_fields_renderers = {"html_content": "html"}
    template_ext: Sequence[str] = (".html",)
    ui_color = "#e6faf9"

    def __init__(
        self,
        *,
        to: list[str] | str,
        subject: str,
        html_content: str,
        files: list[str] | None = None,
        cc: list[str] | str | None = None,
        bcc: list[str] | str | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        conn_id: str | None = None,
        custom_headers: dict[str, Any] | None = None,
        from_email: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = to
        self.subject = subject
        self.html_content = html_content
        self.files = files or []
        self.cc = cc
        self.bcc = bcc
        self.mime_subtype = mime_subtype
        self.mime_charset = mime_charset
        self.conn_id = conn_id
        self.custom_headers = custom_headers
        self.from_email = from_email

    def execute(self, context: Any) -> None:
        from updraft.notifications.email import send_email

        send_email(
            self.to, self.subject, self.html_content, files=self.files, cc=self.cc, bcc=self.bcc,
            mime_subtype=self.mime_subtype, mime_charset=self.mime_charset, conn_id=self.conn_id,
            from_email=self.from_email, custom_headers=self.custom_headers,
        )
