"""S3KeySensor: wait for one or more keys in S3 (Airflow's), poking in a worker or, in
`mode="reschedule"`, without holding one."""

from __future__ import annotations

import fnmatch
import functools
import inspect
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from updraft.hooks.s3 import S3Hook
from updraft.operators.base_aws import aws_template_fields
from updraft.sensors.base import BaseSensorOperator

log = logging.getLogger("updraft.task")


class S3KeySensor(BaseSensorOperator):
    """Waits until every key of `bucket_key` exists (relative keys in `bucket_name`, or full
    `s3://` URLs). With `wildcard_match` a key is an fnmatch pattern; with `use_regex` a
    regular expression. `check_fn(files)` (or `check_fn(files, **context)`) decides on the
    matching objects' metadata (`metadata_keys`, by default Size and Key).
    `deferrable=True` waits in reschedule mode: Updraft has no triggerer, and reschedule
    mode holds no worker either."""

    template_fields: Sequence[str] = aws_template_fields("bucket_key", "bucket_name")

    def __init__(
        self,
        *,
        bucket_key: str | list[str],
        bucket_name: str | None = None,
        wildcard_match: bool = False,
        check_fn: Callable[..., bool] | None = None,
        verify: str | bool | None = None,
        deferrable: bool = False,
        use_regex: bool = False,
        metadata_keys: list[str] | None = None,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        botocore_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if deferrable:
            kwargs["mode"] = "reschedule"
        super().__init__(**kwargs)
        self.bucket_name = bucket_name
        self.bucket_key = bucket_key
        self.wildcard_match = wildcard_match
        self.check_fn = check_fn
        self.verify = verify
        self.deferrable = deferrable
        self.use_regex = use_regex
        self.metadata_keys = metadata_keys if metadata_keys else ["Size", "Key"]
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.botocore_config = botocore_config

    @functools.cached_property
    def hook(self) -> S3Hook:
        return S3Hook(aws_conn_id=self.aws_conn_id, region_name=self.region_name, verify=self.verify,
                      config=self.botocore_config)

    def poke(self, context: Any) -> bool:
        if isinstance(self.bucket_key, str):
            return self._check_key(self.bucket_key, context)
        return all(self._check_key(key, context) for key in self.bucket_key)

    def _check_key(self, key: str, context: Any) -> bool:
        bucket_name, key = self.hook.get_s3_bucket_key(self.bucket_name, key, "bucket_name", "bucket_key")
        log.info("Poking for key : s3://%s/%s", bucket_name, key)
        if self.wildcard_match:
            prefix = re.split(r"[\[*?]", key, maxsplit=1)[0]
            matches = []
            for obj in self.hook.iter_file_metadata(prefix, bucket_name):
                if fnmatch.fnmatch(obj["Key"], key):
                    if self.check_fn is None:
                        return True
                    matches.append(obj)
            if not matches:
                return False
            files = [self._metadata(obj, bucket_name) for obj in matches]
        elif self.use_regex:
            return any(re.match(key, obj["Key"]) for obj in self.hook.iter_file_metadata("", bucket_name))
        else:
            head = self.hook.head_object(key, bucket_name)
            if head is None:
                return False
            if "*" in self.metadata_keys:
                files = [head]
            else:
                found = {**head, "Size": head.get("ContentLength"), "Key": key}
                files = [{name: found.get(name) for name in self.metadata_keys}]
        if self.check_fn is None:
            return True
        takes_context = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(self.check_fn).parameters.values())
        return bool(self.check_fn(files, **context) if takes_context else self.check_fn(files))

    def _metadata(self, obj: dict[str, Any], bucket_name: str) -> dict[str, Any]:
        if "*" in self.metadata_keys:
            return self.hook.head_object(obj["Key"], bucket_name) or {}
        out: dict[str, Any] = {}
        for name in self.metadata_keys:
            if name in obj:
                out[name] = obj[name]
            else:
                out[name] = (self.hook.head_object(obj["Key"], bucket_name) or {}).get(name)
        return out
