"""The operators users import: `from updraft.operators import BashOperator, PythonOperator`."""

from updraft.operators.base_aws import AwsBaseOperator
from updraft.operators.bash import BashOperator
from updraft.operators.batch import BatchOperator
from updraft.operators.branch import BaseBranchOperator, BranchPythonOperator, ShortCircuitOperator
from updraft.operators.datetime import BranchDateTimeOperator
from updraft.operators.ecs import EcsRunTaskOperator
from updraft.operators.email import EmailOperator
from updraft.operators.empty import EmptyOperator, SmoothOperator
from updraft.operators.http import HttpOperator
from updraft.operators.lambda_function import LambdaInvokeFunctionOperator
from updraft.operators.latest_only import LatestOnlyOperator
from updraft.operators.python import PythonOperator
from updraft.operators.s3 import S3CopyObjectOperator, S3CreateObjectOperator, S3DeleteObjectsOperator
from updraft.operators.sftp import SFTPOperation, SFTPOperator
from updraft.operators.slack_webhook import SlackWebhookOperator
from updraft.operators.sns import SnsPublishOperator
from updraft.operators.sql import BaseSQLOperator, SQLExecuteQueryOperator
from updraft.operators.trigger_dagrun import TriggerDagRunOperator
from updraft.operators.weekday import BranchDayOfWeekOperator

__all__ = [
    "AwsBaseOperator",
    "BaseBranchOperator",
    "BaseSQLOperator",
    "BashOperator",
    "BatchOperator",
    "BranchDateTimeOperator",
    "BranchDayOfWeekOperator",
    "BranchPythonOperator",
    "EcsRunTaskOperator",
    "EmailOperator",
    "EmptyOperator",
    "HttpOperator",
    "LambdaInvokeFunctionOperator",
    "LatestOnlyOperator",
    "PythonOperator",
    "S3CopyObjectOperator",
    "S3CreateObjectOperator",
    "S3DeleteObjectsOperator",
    "SFTPOperation",
    "SFTPOperator",
    "SQLExecuteQueryOperator",
    "ShortCircuitOperator",
    "SlackWebhookOperator",
    "SmoothOperator",
    "SnsPublishOperator",
    "TriggerDagRunOperator",
]
