"""Email through Amazon SES: Airflow's `send_email` with its SES backend, the MIME message it
builds, and the email a task sends when a try fails or is retried (`email_on_failure`,
`email_on_retry`, with `email=[...]`).

As Airflow's SES email backend: the sender is the `from_email` setting
(`UPDRAFT_EMAIL_FROM_EMAIL`, or Airflow's `AIRFLOW__EMAIL__FROM_EMAIL`), which must be an
identity verified in SES; the AWS connection is the `email_conn_id` setting
(`UPDRAFT_EMAIL_CONN_ID` / `AIRFLOW__EMAIL__EMAIL_CONN_ID`), `aws_default` when unset (and
with no such connection, the worker's own role)."""

from __future__ import annotations

import html
import logging
import os
import re
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.mime.multipart import MIMEMultipart

log = logging.getLogger("updraft.task")

FROM_EMAIL_SETTINGS = ("UPDRAFT_EMAIL_FROM_EMAIL", "AIRFLOW__EMAIL__FROM_EMAIL")
CONN_ID_SETTINGS = ("UPDRAFT_EMAIL_CONN_ID", "AIRFLOW__EMAIL__EMAIL_CONN_ID")
DEFAULT_EMAIL_CONN_ID = "aws_default"


def _setting(names: Iterable[str]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def get_email_address_list(addresses: str | Iterable[str] | None) -> list[str]:
    """A list of addresses from a list, or a string separated by commas or semicolons."""
    if not addresses:
        return []
    if isinstance(addresses, str):
        return [a.strip() for a in re.split(r"[,;]", addresses) if a.strip()]
    return [a.strip() for a in addresses if a and a.strip()]


def build_mime_message(
    mail_from: str | None,
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: list[str] | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    custom_headers: dict[str, Any] | None = None,
) -> tuple["MIMEMultipart", list[str]]:
    """Airflow's MIME email: the HTML part, each file attached under its name, and every
    recipient (to, cc and bcc — bcc is not a header) for the envelope."""
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import formatdate

    to_list = get_email_address_list(to)
    message = MIMEMultipart(mime_subtype)
    message["Subject"] = subject
    if mail_from:
        message["From"] = mail_from
    message["To"] = ", ".join(to_list)
    recipients = list(to_list)
    if cc:
        cc_list = get_email_address_list(cc)
        message["CC"] = ", ".join(cc_list)
        recipients += cc_list
    if bcc:
        recipients += get_email_address_list(bcc)
    message["Date"] = formatdate(localtime=True)
    message.attach(MIMEText(html_content, "html", mime_charset))
    for path in files or []:
        name = os.path.basename(path)
        with open(path, "rb") as handle:
            part = MIMEApplication(handle.read(), Name=name)
        part["Content-Disposition"] = f'attachment; filename="{name}"'
        part["Content-ID"] = f"<{name}>"
        message.attach(part)
    for header, value in (custom_headers or {}).items():
        message[header] = value
    return message, recipients


def send_email(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: list[str] | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    conn_id: str | None = None,
    from_email: str | None = None,
    custom_headers: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Airflow's `send_email` with its SES backend; SES's response (MessageId)."""
    from updraft.hooks.ses import SesHook

    from_email = from_email or _setting(FROM_EMAIL_SETTINGS)
    if not from_email:
        raise RuntimeError(
            "The `from_email' configuration has to be set for the SES emailer "
            f"(the {FROM_EMAIL_SETTINGS[0]} setting, or the operator's from_email).")
    hook = SesHook(aws_conn_id=conn_id or _setting(CONN_ID_SETTINGS) or DEFAULT_EMAIL_CONN_ID)
    response = hook.send_email(
        mail_from=from_email, to=to, subject=subject, html_content=html_content, files=files, cc=cc, bcc=bcc,
        mime_subtype=mime_subtype, mime_charset=mime_charset, custom_headers=custom_headers,
    )
    log.info("Sent an email to %s through SES (message id %s)", get_email_address_list(to),
             response.get("MessageId"))
    return response


# ------------------------------------------------------------------ task emails


def email_alert(task: Any, context: dict[str, Any], error: str | None, *, retry: bool) -> None:
    """The email of a failed (or, with `retry`, a retried) try, to the task's `email`, if it
    has one and its `email_on_failure` (`email_on_retry`) says so. Sending is best effort: a
    failure to send is logged in the try's log and changes nothing."""
    wanted = task.email_on_retry if retry else task.email_on_failure
    recipients = get_email_address_list(task.email)
    if not (wanted and recipients):
        return
    subject, content = email_subject_content(context, error, "up_for_retry" if retry else "failed")
    try:
        send_email(recipients, subject, content)
    except Exception:  # noqa: BLE001 - as in Airflow, the task's state stands
        log.exception("Failed to send email to: %s", recipients)


def email_subject_content(context: dict[str, Any], error: str | None, state: str) -> tuple[str, str]:
    """Airflow's default subject and body of a task's failure email."""
    ti = context["ti"]
    logical_date = context.get("logical_date")
    subject = f"Airflow alert: <TaskInstance: {ti.dag_id}.{ti.task_id} {ti.run_id} [{state}]>"
    exception_html = html.escape(error or "").replace("\n", "<br>")
    content = (
        f"Try {ti.try_number} out of {ti.max_tries + 1}<br>"
        f"Exception:<br>{exception_html}<br>"
        f"Log: {html.escape(_log_location(ti))}<br>"
        f"Host: {html.escape(socket.gethostname())}<br>"
        f"Logical date: {html.escape(str(logical_date))}<br>"
    )
    return subject, content


def _log_location(ti: Any) -> str:
    """Where the try's log will be: the API's logs route names it too."""
    from updraft.store.bucket import log_key

    bucket = os.environ.get("UPDRAFT_BUCKET", "")
    return f"s3://{bucket}/{log_key(ti.dag_id, ti.run_id, ti.task_id, ti.map_index, ti.try_number)}"
