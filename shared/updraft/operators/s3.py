"""S3 operators: create, copy and delete objects (Airflow's S3CreateObjectOperator,
S3CopyObjectOperator, S3DeleteObjectsOperator)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.s3 import S3Hook
from updraft.operators.base_aws import AwsBaseOperator, aws_template_fields


class S3CreateObjectOperator(AwsBaseOperator):
    """Write `data` (text or bytes) to `s3_key` (a key in `s3_bucket`, or an `s3://` URL)."""

    template_fields: Sequence[str] = aws_template_fields("s3_bucket", "s3_key", "data")
    aws_hook_class = S3Hook

    def __init__(
        self,
        *,
        s3_bucket: str | None = None,
        s3_key: str,
        data: str | bytes,
        replace: bool = False,
        encrypt: bool = False,
        acl_policy: str | None = None,
        encoding: str | None = None,
        compression: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.s3_bucket = s3_bucket
        self.s3_key = s3_key
        self.data = data
        self.replace = replace
        self.encrypt = encrypt
        self.acl_policy = acl_policy
        self.encoding = encoding
        self.compression = compression

    def execute(self, context: Any) -> None:
        bucket, key = self.hook.get_s3_bucket_key(self.s3_bucket, self.s3_key, "dest_bucket", "dest_key")
        if isinstance(self.data, str):
            self.hook.load_string(self.data, key, bucket, self.replace, self.encrypt, self.encoding,
                                  self.acl_policy, self.compression)
        else:
            self.hook.load_bytes(self.data, key, bucket, self.replace, self.encrypt, self.acl_policy)


class S3CopyObjectOperator(AwsBaseOperator):
    """Copy one object; each key is relative to its bucket, or a full `s3://` URL."""

    template_fields: Sequence[str] = aws_template_fields(
        "source_bucket_key", "dest_bucket_key", "source_bucket_name", "dest_bucket_name")
    aws_hook_class = S3Hook

    def __init__(
        self,
        *,
        source_bucket_key: str,
        dest_bucket_key: str,
        source_bucket_name: str | None = None,
        dest_bucket_name: str | None = None,
        source_version_id: str | None = None,
        acl_policy: str | None = None,
        meta_data_directive: str | None = None,
        kms_key_id: str | None = None,
        kms_encryption_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_bucket_key = source_bucket_key
        self.dest_bucket_key = dest_bucket_key
        self.source_bucket_name = source_bucket_name
        self.dest_bucket_name = dest_bucket_name
        self.source_version_id = source_version_id
        self.acl_policy = acl_policy
        self.meta_data_directive = meta_data_directive
        self.kms_key_id = kms_key_id
        self.kms_encryption_type = kms_encryption_type

    def execute(self, context: Any) -> None:
        self.hook.copy_object(
            self.source_bucket_key, self.dest_bucket_key, self.source_bucket_name, self.dest_bucket_name,
            self.source_version_id, self.acl_policy, self.meta_data_directive, self.kms_key_id,
            self.kms_encryption_type,
        )


class S3DeleteObjectsOperator(AwsBaseOperator):
    """Delete `keys` (one or a list), or every object under `prefix` and/or last modified
    between `from_datetime` and `to_datetime`."""

    template_fields: Sequence[str] = aws_template_fields("keys", "bucket", "prefix", "from_datetime", "to_datetime")
    aws_hook_class = S3Hook

    def __init__(
        self,
        *,
        bucket: str,
        keys: str | list[str] | None = None,
        prefix: str | None = None,
        from_datetime: datetime | str | None = None,
        to_datetime: datetime | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.keys = keys
        self.prefix = prefix
        self.from_datetime = from_datetime
        self.to_datetime = to_datetime
        self._check_selection()

    def _check_selection(self) -> None:
        by_keys = self.keys is not None
        by_filter = any(v is not None for v in (self.prefix, self.from_datetime, self.to_datetime))
        if by_keys == by_filter:
            raise AirflowException("Either keys or at least one of prefix, from_datetime, to_datetime should be set.")

    def execute(self, context: Any) -> None:
        self._check_selection()
        if isinstance(self.keys, (list, str)) and not self.keys:
            return
        keys = self.keys or self.hook.list_keys(
            bucket_name=self.bucket, prefix=self.prefix,
            from_datetime=_utc(self.from_datetime), to_datetime=_utc(self.to_datetime),
        )
        if keys:
            self.hook.delete_objects(bucket=self.bucket, keys=keys)


def _utc(value: datetime | str | None) -> datetime | None:
    """A templated date (a string) read as ISO 8601, UTC when it names no zone."""
    from updraft.timeutil import coerce_datetime

    return coerce_datetime(value) if isinstance(value, str) else value
