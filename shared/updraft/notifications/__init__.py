"""Notifiers for callbacks, and email: `from updraft.notifications import SlackWebhookNotifier`.

A notifier is a callback object: `on_failure_callback=SnsNotifier(target_arn=..., message=...)`
renders its template fields with the callback's context, then sends (Airflow's BaseNotifier)."""

from updraft.notifications.base import BaseNotifier
from updraft.notifications.email import send_email
from updraft.notifications.ses import SesNotifier, send_ses_notification
from updraft.notifications.slack_webhook import SlackWebhookNotifier, send_slack_webhook_notification
from updraft.notifications.sns import SnsNotifier, send_sns_notification

__all__ = [
    "BaseNotifier",
    "SesNotifier",
    "SlackWebhookNotifier",
    "SnsNotifier",
    "send_email",
    "send_ses_notification",
    "send_slack_webhook_notification",
    "send_sns_notification",
]
