"""The operators users import: `from updraft.operators import BashOperator, PythonOperator`."""

from updraft.operators.base_aws import AwsBaseOperator
from updraft.operators.bash import BashOperator
from updraft.operators.batch import BatchOperator
from updraft.operators.branch import BaseBranchOperator, BranchPythonOperator, ShortCircuitOperator
from updraft.operators.ecs import EcsRunTaskOperator
from updraft.operators.email import EmailOperator
from updraft.operators.empty import EmptyOperator
from updraft.operators.http import HttpOperator
from updraft.operators.lambda_function import LambdaInvokeFunctionOperator
from updraft.operators.python import PythonOperator
from updraft.operators.s3 import S3CopyObjectOperator, S3CreateObjectOperator, S3DeleteObjectsOperator
from updraft.operators.sftp import SFTPOperation, SFTPOperator
from updraft.operators.slack_webhook import SlackWebhookOperator
from updraft.operators.sns import SnsPublishOperator
from updraft.operators.sql import BaseSQLOperator, SQLExecuteQueryOperator
from updraft.operators.trigger_dagrun import TriggerDagRunOperator

__all__ = [
    "AwsBaseOperator",
    "BaseBranchOperator",
    "BaseSQLOperator",
    "BashOperator",
    "BatchOperator",
    "BranchPythonOperator",
    "EcsRunTaskOperator",
    "EmailOperator",
    "EmptyOperator",
    "HttpOperator",
    "LambdaInvokeFunctionOperator",
    "PythonOperator",
    "S3CopyObjectOperator",
    "S3CreateObjectOperator",
    "S3DeleteObjectsOperator",
    "SFTPOperation",
    "SFTPOperator",
    "SQLExecuteQueryOperator",
    "ShortCircuitOperator",
    "SlackWebhookOperator",
    "SnsPublishOperator",
    "TriggerDagRunOperator",
]
