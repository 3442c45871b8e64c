"""Hooks: clients for external systems, made from a connection id (Airflow's `BaseHook`)."""

from updraft.hooks.base import BaseHook
from updraft.hooks.base_aws import AwsBaseHook
from updraft.hooks.batch_client import BatchClientHook
from updraft.hooks.ecs import EcsHook
from updraft.hooks.filesystem import FSHook
from updraft.hooks.http import HttpHook
from updraft.hooks.lambda_function import LambdaHook
from updraft.hooks.logs import AwsLogsHook
from updraft.hooks.postgres import PostgresHook
from updraft.hooks.s3 import S3Hook
from updraft.hooks.ses import SesHook
from updraft.hooks.sftp import SFTPHook
from updraft.hooks.slack_webhook import SlackWebhookHook
from updraft.hooks.sns import SnsHook
from updraft.hooks.sql import DbApiHook
from updraft.hooks.sqlite import SqliteHook
from updraft.hooks.ssh import SSHHook

__all__ = [
    "AwsBaseHook",
    "AwsLogsHook",
    "BaseHook",
    "BatchClientHook",
    "DbApiHook",
    "EcsHook",
    "FSHook",
    "HttpHook",
    "LambdaHook",
    "PostgresHook",
    "S3Hook",
    "SFTPHook",
    "SSHHook",
    "SesHook",
    "SlackWebhookHook",
    "SnsHook",
    "SqliteHook",
]
