"""The stack's S3 bucket: DAG files under `dags/`, task logs under `logs/`, large XComs under
`xcom/`. The bucket is versioned, so a run can load the exact DAG file it was created with."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from updraft.store.errors import StoreError

DAGS_PREFIX = "dags/"


def log_key(dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> str:
    """Airflow's log path: dag_id=…/run_id=…/task_id=…/[map_index=…/]attempt=N.log."""
    mapped = f"map_index={map_index}/" if map_index >= 0 else ""
    return f"logs/dag_id={dag_id}/run_id={run_id}/task_id={task_id}/{mapped}attempt={try_number}.log"


def dag_callback_log_key(dag_id: str, run_id: str) -> str:
    return f"logs/dag_id={dag_id}/run_id={run_id}/dag_callback.log"


def xcom_object_key(dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> str:
    return f"xcom/{dag_id}/{run_id}/{task_id}/{map_index}/{key}.json"


class Bucket:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def put(self, key: str, body: bytes | str, content_type: str = "text/plain") -> str | None:
        """Write an object; returns its version id (None on an unversioned bucket)."""
        data = body.encode() if isinstance(body, str) else body
        try:
            resp = self.client.put_object(Bucket=self.name, Key=key, Body=data, ContentType=content_type)
        except ClientError as err:
            raise StoreError(f"S3 put of s3://{self.name}/{key} failed: {err}") from err
        return resp.get("VersionId")

    def get(self, key: str, version_id: str | None = None) -> bytes | None:
        """An object's bytes, or None when there is no such key (or version)."""
        kwargs: dict[str, Any] = {"Bucket": self.name, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            return self.client.get_object(**kwargs)["Body"].read()
        except ClientError as err:
            if err.response["Error"]["Code"] in {"NoSuchKey", "NoSuchVersion", "404"}:
                return None
            raise StoreError(f"S3 get of s3://{self.name}/{key} failed: {err}") from err

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def latest_versions(self, prefix: str) -> dict[str, str]:
        """Every current object under `prefix` with its version id: a DAG bundle's manifest."""
        out: dict[str, str] = {}
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
            for version in page.get("Versions", []):
                if version.get("IsLatest"):
                    out[version["Key"]] = version.get("VersionId") or "null"
        return out

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)
