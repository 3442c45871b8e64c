"""The operators users import: `from updraft.operators import BashOperator, PythonOperator`."""

from updraft.operators.base_aws import AwsBaseOperator
from updraft.operators.bash import BashOperator
from updraft.operators.batch import BatchOperator
from updraft.operators.branch import BaseBranchOperator, BranchPythonOperator, ShortCircuitOperator
from updraft.operators.ecs import EcsRunTaskOperator
from updraft.operators.email import EmailOperator
from updraft.operators.empty import EmptyOperator
from updraft.operators.lambda_function import LambdaInvokeFunctionOperator
from updraft.operators.python import PythonOperator
from updraft.operators.s3 import S3CopyObjectOperator, S3CreateObjectOperator, S3DeleteObjectsOperator
from updraft.operators.slack_webhook import SlackWebhookOperator
from updraft.operators.sns import SnsPublishOperator
from updraft.operators.trigger_dagrun import TriggerDagRunOperator

__all__ = [
    "AwsBaseOperator",
    "BaseBranchOperator",
    "BashOperator",
    "BatchOperator",
    "BranchPythonOperator",
    "EcsRunTaskOperator",
    "EmailOperator",
    "EmptyOperator",
    "LambdaInvokeFunctionOperator",
    "PythonOperator",
    "S3CopyObjectOperator",
    "S3CreateObjectOperator",
    "S3DeleteObjectsOperator",
    "ShortCircuitOperator",
    "SlackWebhookOperator",
    "SnsPublishOperator",
    "TriggerDagRunOperator",
]
