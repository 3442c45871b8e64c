"""Hooks: clients for external systems, made from a connection id (Airflow's `BaseHook`)."""

from updraft.hooks.base import BaseHook
from updraft.hooks.base_aws import AwsBaseHook
from updraft.hooks.batch_client import BatchClientHook
from updraft.hooks.ecs import EcsHook
from updraft.hooks.lambda_function import LambdaHook
from updraft.hooks.logs import AwsLogsHook
from updraft.hooks.s3 import S3Hook
from updraft.hooks.ses import SesHook
from updraft.hooks.slack_webhook import SlackWebhookHook
from updraft.hooks.sns import SnsHook

__all__ = [
    "AwsBaseHook",
    "AwsLogsHook",
    "BaseHook",
    "BatchClientHook",
    "EcsHook",
    "LambdaHook",
    "S3Hook",
    "SesHook",
    "SlackWebhookHook",
    "SnsHook",
]
