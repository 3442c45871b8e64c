"""DynamoDB and S3 access. The only package that speaks boto3's data shapes and errors."""

from updraft.store.errors import ConditionFailed, StoreError

__all__ = ["ConditionFailed", "StoreError"]
