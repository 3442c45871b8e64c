"""S3Hook: Amazon S3 with Airflow's methods and its way of naming objects (a bucket and a key,
or one `s3://bucket/key` URL in the key)."""

from __future__ import annotations

import fnmatch
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from updraft.exceptions import AirflowException
from updraft.hooks.base_aws import AwsBaseHook

# Most keys one DeleteObjects request takes.
DELETE_BATCH = 1000
NO_ACL = "no-acl"


class S3HookUriParseFailure(AirflowException):
    """A key was meant to be an S3 URL and is not one."""


def provide_bucket_name(func: Callable[..., Any]) -> Callable[..., Any]:
    """A missing `bucket_name` comes from the connection's `service_config.s3.bucket_name`."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        if not bound.arguments.get("bucket_name"):
            hook = args[0]
            configured = hook.service_config.get("bucket_name")
            if configured:
                bound.arguments["bucket_name"] = configured
        return func(*bound.args, **bound.kwargs)

    return wrapper


def unify_bucket_name_and_key(func: Callable[..., Any]) -> Callable[..., Any]:
    """With no `bucket_name`, a key that is an `s3://bucket/key` URL gives both."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        key_name = "wildcard_key" if "wildcard_key" in bound.arguments else "key"
        if key_name not in bound.arguments:
            raise ValueError("Missing key parameter!")
        if not bound.arguments.get("bucket_name"):
            try:
                bound.arguments["bucket_name"], bound.arguments[key_name] = S3Hook.parse_s3_url(
                    bound.arguments[key_name])
            except S3HookUriParseFailure:
                pass
        return func(*bound.args, **bound.kwargs)

    return wrapper


class S3Hook(AwsBaseHook):
    """Interact with Amazon S3 (`boto3.client("s3")`)."""

    def __init__(self, aws_conn_id: str | None = AwsBaseHook.default_conn_name,
                 transfer_config_args: dict[str, Any] | None = None,
                 extra_args: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "s3"
        kwargs["aws_conn_id"] = aws_conn_id
        if transfer_config_args and not isinstance(transfer_config_args, dict):
            raise TypeError(f"transfer_config_args expected dict, got {type(transfer_config_args).__name__}.")
        if extra_args and not isinstance(extra_args, dict):
            raise TypeError(f"extra_args expected dict, got {type(extra_args).__name__}.")
        self.transfer_config_args = dict(transfer_config_args or {})
        self._extra_args = dict(extra_args or {})
        super().__init__(*args, **kwargs)

    @property
    def extra_args(self) -> dict[str, Any]:
        return dict(self._extra_args)

    @functools.cached_property
    def resource(self) -> Any:
        return self.get_session().resource(
            "s3", endpoint_url=self.conn_config.get_service_endpoint_url("s3"),
            config=self.config, verify=self.verify,
        )

    # -------------------------------------------------------------- naming
    @staticmethod
    def parse_s3_url(s3url: str) -> tuple[str, str]:
        """(bucket, key) of `s3://bucket/key` (also `s3a://`, `s3n://`) or of an S3 https URL,
        path-style or virtual-hosted."""
        valid = "S3://bucket-name/key-name"
        valid_hosted = "https://bucket-name.s3.region-code.amazonaws.com/key-name"
        parts = s3url.split("//")
        if re.match(r"s3[na]?:", parts[0], re.IGNORECASE):
            parsed = urlsplit(s3url, allow_fragments=False)
            if not parsed.netloc:
                raise S3HookUriParseFailure(
                    f'Please provide a bucket name using a valid format of the form: {valid} or '
                    f'{valid_hosted} but provided: "{s3url}"')
            return parsed.netloc, parsed.path.lstrip("/")
        if parts[0] == "https:" and len(parts) > 1:
            host_parts = parts[1].split(".")
            if host_parts[0] == "s3":
                _, bucket, key = parts[1].split("/", 2)
                return bucket, key
            if len(host_parts) > 1 and host_parts[1] == "s3":
                return host_parts[0], parts[1].partition("/")[-1]
            raise S3HookUriParseFailure(
                "Please provide a bucket name using a valid virtually hosted format which should be of "
                f'the form: {valid_hosted} but provided: "{s3url}"')
        raise S3HookUriParseFailure(
            f'Please provide a bucket name using a valid format of the form: {valid} or {valid_hosted} '
            f'but provided: "{s3url}"')

    @staticmethod
    def get_s3_bucket_key(bucket: str | None, key: str, bucket_param_name: str,
                          key_param_name: str) -> tuple[str, str]:
        """A bucket and a relative key, or (with no bucket) a full `s3://` URL in the key."""
        if bucket is None:
            return S3Hook.parse_s3_url(key)
        parsed = urlsplit(key)
        if parsed.scheme != "" or parsed.netloc != "":
            raise TypeError(
                f"If `{bucket_param_name}` is provided, {key_param_name} should be a relative path "
                "from root level, rather than a full s3:// url")
        return bucket, key

    # -------------------------------------------------------------- buckets and listings
    @provide_bucket_name
    def check_for_bucket(self, bucket_name: str | None = None) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.get_conn().head_bucket(Bucket=bucket_name)
            return True
        except ClientError as err:
            self.log.info('Bucket "%s" does not exist or is not accessible: %s', bucket_name,
                          err.response["Error"]["Code"])
            return False

    @provide_bucket_name
    def create_bucket(self, bucket_name: str | None = None, region_name: str | None = None) -> None:
        region = region_name or self.conn_region_name
        kwargs: dict[str, Any] = {"Bucket": bucket_name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.get_conn().create_bucket(**kwargs)

    def _pages(self, **params: Any) -> Iterator[dict[str, Any]]:
        paginator = self.get_conn().get_paginator("list_objects_v2")
        yield from paginator.paginate(**{k: v for k, v in params.items() if v is not None})

    @provide_bucket_name
    def list_prefixes(self, bucket_name: str | None = None, prefix: str | None = None,
                      delimiter: str | None = None, page_size: int | None = None,
                      max_items: int | None = None) -> list[str]:
        """The common prefixes under `prefix` up to `delimiter`."""
        prefixes: list[str] = []
        for page in self._pages(Bucket=bucket_name, Prefix=prefix or "", Delimiter=delimiter or "",
                                PaginationConfig={"PageSize": page_size, "MaxItems": max_items}):
            prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        return prefixes

    @provide_bucket_name
    def check_for_prefix(self, prefix: str, delimiter: str, bucket_name: str | None = None) -> bool:
        if not prefix.endswith(delimiter):
            prefix += delimiter
        previous_level = re.split(rf"(\w+[{delimiter}])$", prefix, maxsplit=1)[0]
        return prefix in self.list_prefixes(bucket_name, previous_level, delimiter)

    @provide_bucket_name
    def list_keys(
        self,
        bucket_name: str | None = None,
        prefix: str | None = None,
        delimiter: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        start_after_key: str | None = None,
        from_datetime: datetime | None = None,
        to_datetime: datetime | None = None,
        object_filter: Callable[..., list[str]] | None = None,
        apply_wildcard: bool = False,
    ) -> list[str]:
        """The keys under `prefix` (not past `delimiter`), optionally by LastModified
        (`from_datetime` < t <= `to_datetime`) or by `object_filter(objects, from, to)`; with
        `apply_wildcard`, a `*` in the prefix matches as in fnmatch."""
        original = prefix or ""
        wildcard = bool(apply_wildcard and "*" in original)
        objects: list[dict[str, Any]] = []
        for page in self._pages(Bucket=bucket_name, Prefix=original.split("*", 1)[0] if wildcard else original,
                                Delimiter=delimiter or "", StartAfter=start_after_key or "",
                                PaginationConfig={"PageSize": page_size, "MaxItems": max_items}):
            for obj in page.get("Contents", []):
                if not wildcard or fnmatch.fnmatch(obj["Key"], original):
                    objects.append(obj)
        if object_filter is not None:
            return object_filter(objects, from_datetime, to_datetime)

        def in_period(when: datetime) -> bool:
            if from_datetime is not None and when <= from_datetime:
                return False
            return not (to_datetime is not None and when > to_datetime)

        return [obj["Key"] for obj in objects if in_period(obj["LastModified"])]

    @provide_bucket_name
    def iter_file_metadata(self, prefix: str, bucket_name: str | None = None, page_size: int | None = None,
                           max_items: int | None = None) -> Iterator[dict[str, Any]]:
        """Each object's listing entry (Key, Size, LastModified, ETag …) under `prefix`."""
        for page in self._pages(Bucket=bucket_name, Prefix=prefix,
                                PaginationConfig={"PageSize": page_size, "MaxItems": max_items}):
            yield from page.get("Contents", [])

    # -------------------------------------------------------------- one object
    @unify_bucket_name_and_key
    @provide_bucket_name
    def head_object(self, key: str, bucket_name: str | None = None) -> dict[str, Any] | None:
        """The object's metadata, or None when there is no such object."""
        from botocore.exceptions import ClientError

        try:
            return self.get_conn().head_object(Bucket=bucket_name, Key=key)
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return None
            raise

    @unify_bucket_name_and_key
    @provide_bucket_name
    def check_for_key(self, key: str, bucket_name: str | None = None) -> bool:
        return self.head_object(key, bucket_name) is not None

    @unify_bucket_name_and_key
    @provide_bucket_name
    def get_key(self, key: str, bucket_name: str | None = None) -> Any:
        """The boto3 `S3.Object`, loaded (an error when it does not exist)."""
        obj = self.resource.Object(bucket_name, key)
        obj.load()
        return obj

    @unify_bucket_name_and_key
    @provide_bucket_name
    def read_key(self, key: str, bucket_name: str | None = None) -> str:
        """The object's content as UTF-8 text."""
        body = self.get_conn().get_object(Bucket=bucket_name, Key=key)["Body"]
        return body.read().decode("utf-8")

    @unify_bucket_name_and_key
    @provide_bucket_name
    def get_wildcard_key(self, wildcard_key: str, bucket_name: str | None = None, delimiter: str = "") -> Any:
        """The first object whose key matches the fnmatch pattern, or None."""
        prefix = re.split(r"[\[*?]", wildcard_key, maxsplit=1)[0]
        matches = [k for k in self.list_keys(bucket_name, prefix=prefix, delimiter=delimiter)
                   if fnmatch.fnmatch(k, wildcard_key)]
        return self.get_key(matches[0], bucket_name) if matches else None

    @unify_bucket_name_and_key
    @provide_bucket_name
    def check_for_wildcard_key(self, wildcard_key: str, bucket_name: str | None = None, delimiter: str = "") -> bool:
        return self.get_wildcard_key(wildcard_key=wildcard_key, bucket_name=bucket_name,
                                     delimiter=delimiter) is not None

    # -------------------------------------------------------------- writing
    @unify_bucket_name_and_key
    @provide_bucket_name
    def load_string(self, string_data: str, key: str, bucket_name: str | None = None, replace: bool = False,
                    encrypt: bool = False, encoding: str | None = None, acl_policy: str | None = None,
                    compression: str | None = None) -> None:
        """Write text to an object; an error if it exists, unless `replace`."""
        data = string_data.encode(encoding or "utf-8")
        if compression is not None and compression != "gzip":
            raise NotImplementedError(
                f"Received {compression} compression type. String can currently be compressed in ['gzip'] only.")
        if compression == "gzip":
            import gzip

            data = gzip.compress(data)
        self._upload(data, key, bucket_name, replace, encrypt, acl_policy)

    @unify_bucket_name_and_key
    @provide_bucket_name
    def load_bytes(self, bytes_data: bytes, key: str, bucket_name: str | None = None, replace: bool = False,
                   encrypt: bool = False, acl_policy: str | None = None) -> None:
        self._upload(bytes_data, key, bucket_name, replace, encrypt, acl_policy)

    @unify_bucket_name_and_key
    @provide_bucket_name
    def load_file(self, filename: str, key: str, bucket_name: str | None = None, replace: bool = False,
                  encrypt: bool = False, gzip: bool = False, acl_policy: str | None = None) -> None:
        with open(filename, "rb") as handle:
            data = handle.read()
        if gzip:
            import gzip as gz

            data = gz.compress(data)
        self._upload(data, key, bucket_name, replace, encrypt, acl_policy)

    def _upload(self, data: bytes, key: str, bucket_name: str | None, replace: bool, encrypt: bool,
                acl_policy: str | None) -> None:
        if not replace and self.check_for_key(key, bucket_name):
            raise ValueError(f"The key {key} already exists.")
        extra = self.extra_args
        if encrypt:
            extra["ServerSideEncryption"] = "AES256"
        if acl_policy:
            extra["ACL"] = acl_policy
        from boto3.s3.transfer import TransferConfig

        self.get_conn().upload_fileobj(BytesIO(data), bucket_name, key, ExtraArgs=extra,
                                       Config=TransferConfig(**self.transfer_config_args))

    def copy_object(
        self,
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
    ) -> dict[str, Any]:
        """Copy an object; either key may be an `s3://` URL (then leave its bucket out)."""
        acl_policy = acl_policy or "private"
        if acl_policy != NO_ACL:
            kwargs["ACL"] = acl_policy
        if meta_data_directive:
            kwargs["MetadataDirective"] = meta_data_directive
        if bool(kms_key_id) != bool(kms_encryption_type):
            raise ValueError("kms_key_id and kms_encryption_type must both be specified. Only one was provided.")
        if kms_key_id:
            kwargs["SSEKMSKeyId"] = kms_key_id
            kwargs["ServerSideEncryption"] = kms_encryption_type
        dest_bucket_name, dest_bucket_key = self.get_s3_bucket_key(
            dest_bucket_name, dest_bucket_key, "dest_bucket_name", "dest_bucket_key")
        source_bucket_name, source_bucket_key = self.get_s3_bucket_key(
            source_bucket_name, source_bucket_key, "source_bucket_name", "source_bucket_key")
        source = {"Bucket": source_bucket_name, "Key": source_bucket_key}
        if source_version_id:
            source["VersionId"] = source_version_id
        return self.get_conn().copy_object(Bucket=dest_bucket_name, Key=dest_bucket_key, CopySource=source,
                                           **kwargs)

    def delete_objects(self, bucket: str, keys: str | list[str]) -> None:
        """Delete one key or a list of keys (1,000 per request); an error names any key S3
        could not delete."""
        keys = [keys] if isinstance(keys, str) else list(keys)
        for start in range(0, len(keys), DELETE_BATCH):
            chunk = keys[start:start + DELETE_BATCH]
            response = self.get_conn().delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
            self.log.info("Deleted: %s", [d["Key"] for d in response.get("Deleted", [])])
            if response.get("Errors"):
                raise AirflowException(f"Errors when deleting: {[e['Key'] for e in response['Errors']]}")
