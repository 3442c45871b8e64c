"""moto standing in for AWS: a server on loopback, which boto3 finds through AWS_ENDPOINT_URL,
or moto answering this process's boto3 calls itself, without a server (`start_moto_in_process`)."""

from __future__ import annotations

import copy
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_REGION = "us-east-1"

# How often the moto server looks whether it is asked to stop.
SHUTDOWN_POLL_SECONDS = 0.02


def aws_environment(url: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """The settings every boto3 client in the process needs to talk to moto: its server's URL,
    or none (`url=""`) when moto answers inside the process."""
    return {
        **({"AWS_ENDPOINT_URL": url} if url else {}),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }


@dataclass
class MotoHandle:
    """A running moto server."""

    server: Any
    url: str

    def reset(self) -> None:
        """Forget every resource, as a fresh server would."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback only
            pass

    def stop(self) -> None:
        self.server.stop()


@dataclass
class InProcessMoto:
    """moto answering this process's boto3 calls itself, through its botocore stubber (what
    `moto.mock_aws` uses), with no server: the same backends as the server's, so DynamoDB, S3
    and SQS answer as they do there, without an HTTP server and a round trip over loopback
    for each request. Nothing outside this process reaches it: a task's subprocess that
    calls AWS needs the server.

    botocore copies its built-in handlers into each session it makes, so only sessions made
    after `start_moto_in_process` are answered, and those made after `stop` no longer are."""

    stubber: Any
    url: str = ""  # no endpoint: boto3's requests are answered before they leave the process

    def reset(self) -> None:
        """Forget every resource, as the server's reset does."""
        from moto.core.base_backend import BackendDict
        from moto.core.model_instances import reset_model_data

        BackendDict.reset()
        reset_model_data()

    def stop(self) -> None:
        from botocore.handlers import BUILTIN_HANDLERS

        self.stubber.enabled = False
        if ("before-send", self.stubber) in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.remove(("before-send", self.stubber))


class SerializedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time.

    DynamoDB applies each request atomically — a conditional write's check and write, an
    update's read and write, a transaction's items. moto's backend does not lock, so under a
    threaded server two concurrent updates of one item can lose one. Serializing DynamoDB's
    requests restores the atomicity that the engine's conditional writes rely on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            # Consume the whole response inside the lock: WSGI apps may work lazily.
            return list(self.app(environ, start_response))


def _serialized_stubber() -> Any:
    """moto's botocore stubber, with DynamoDB's requests one at a time (as `SerializedDynamoDB`
    does on the server: the engine's conditional writes rely on each request being atomic)."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()

    class SerializedStubber(BotocoreStubber):  # type: ignore[misc]
        def __call__(self, event_name: str, request: Any, **kwargs: Any) -> Any:
            if self.enabled and event_name.startswith("before-send.dynamodb."):
                with lock:
                    return super().__call__(event_name, request, **kwargs)
            return super().__call__(event_name, request, **kwargs)

    return SerializedStubber()


def _server_class() -> type:
    from moto.moto_server.threaded_moto_server import MotoRequestHandler, ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    class AtomicMotoServer(ThreadedMotoServer):  # type: ignore[misc]
        """moto's threaded server with DynamoDB's per-request atomicity."""

        def _server_entry(self) -> None:
            app = SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            # stop() waits for the loop to notice: werkzeug's default half second is paid by
            # every command that stops a stack (`updraft dags test`, each test).
            self._server.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)

    return AtomicMotoServer


_scope = threading.local()


def _table_backup(table: Any, memo: dict[int, Any]) -> Any:
    """What moto keeps of a table to roll a transaction back: the table with an item index of
    its own, sharing every item but those the transaction names, which are copied. Items it
    does not name it cannot change, and DynamoDB's requests run one at a time here. Anywhere
    else a table is copied whole, as before."""
    named = getattr(_scope, "named", None)
    if named is None:
        copied = table.__class__.__new__(table.__class__)
        memo[id(table)] = copied
        copied.__dict__.update(copy.deepcopy(table.__dict__, memo))
        return copied
    backup = copy.copy(table)
    backup.items = type(table.items)(dict)
    for hash_key, value in table.items.items():
        backup.items[hash_key] = dict(value) if isinstance(value, dict) else value
    for table_name, hash_key, range_key in named:
        if table_name != table.name:
            continue
        item = table.get_item(hash_key, range_key) if range_key is not None or not table.has_range_key else None
        if item is None:
            continue
        if range_key is not None:
            backup.items[hash_key][range_key] = copy.deepcopy(item, memo)
        else:
            backup.items[hash_key] = copy.deepcopy(item, memo)
    return backup


def _named_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    named = []
    for entry in transact_items:
        op = next(iter(entry.values()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key:
            continue
        range_key = key.get(table.range_key_attr) if table.range_key_attr else None
        named.append((table.name, DynamoType(key[table.hash_key_attr]),
                      DynamoType(range_key) if range_key is not None else None))
    return named


class _PrefixedKeys:
    """A bucket's keys as seen by one listing: only those under its prefix."""

    def __init__(self, keys: Any, prefix: str) -> None:
        self._keys = keys
        self._prefix = prefix

    def iterlists(self) -> Any:
        return ((name, versions) for name, versions in self._keys.iterlists() if name.startswith(self._prefix))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._keys, name)


class _PrefixedBucket:
    def __init__(self, bucket: Any, prefix: str) -> None:
        self._bucket = bucket
        self.keys = _PrefixedKeys(bucket.keys, prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bucket, name)


def _lighten_moto() -> None:
    """Three requests that moto makes cost as much as everything stored, which turns a run of a
    thousand tasks quadratic on the local stack (DynamoDB and S3 do neither):

    - TransactWriteItems deep-copies every table it touches, to roll back on failure: the
      backup copies only the items the transaction names (`_table_backup`);
    - ListObjectVersions deep-copies every version of every key in the bucket before it
      filters by prefix: the listing looks only at the keys under its prefix;
    - ReceiveMessage checks each message's retention against the queue's attributes, all
      of them, counts of the queue's messages included: it reads the retention period alone.

    And one that every request to the server makes: finding the service of a request lists
    moto's package folder and stats its two hundred entries, under the server's lock. The
    folder does not change while the process runs: it is listed once.

    What the requests return is unchanged. A moto without these internals is left as it is."""
    from updraft.local import moto_partitions

    moto_partitions.install()  # reads that cost what they return (the UI's lists and grids)
    try:
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table as MotoTable
        from moto.s3.models import S3Backend
        from moto.sqs.models import SQSBackend
    except ImportError:
        return
    if getattr(DynamoDBBackend, "_updraft_light", False) or not hasattr(DynamoDBBackend, "transact_write_items"):
        return
    transact = DynamoDBBackend.transact_write_items
    list_versions = S3Backend.list_object_versions
    get_bucket = S3Backend.get_bucket

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        _scope.named = _named_items(self, transact_items)
        try:
            return transact(self, transact_items)
        finally:
            _scope.named = None

    def list_object_versions(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        prefix = kwargs.get("prefix") or ""
        _scope.listing = (bucket_name, prefix) if prefix else None
        try:
            return list_versions(self, bucket_name, *args, **kwargs)
        finally:
            _scope.listing = None

    def get_bucket_for_listing(self: Any, bucket_name: str) -> Any:
        bucket = get_bucket(self, bucket_name)
        listing = getattr(_scope, "listing", None)
        if listing is not None and listing[0] == bucket_name:
            return _PrefixedBucket(bucket, listing[1])
        return bucket

    still_retained = SQSBackend.is_message_valid_based_on_retention_period

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = getattr(self.get_queue(queue_name), "message_retention_period", None)
        if retention is None:
            return still_retained(self, queue_name, message)
        return int(retention) + message.sent_timestamp / 1000 > time.time()

    from moto import backends

    if callable(getattr(backends, "list_of_moto_modules", None)):
        moto_modules = tuple(backends.list_of_moto_modules())
        backends.list_of_moto_modules = lambda: moto_modules  # type: ignore[assignment]
    MotoTable.__deepcopy__ = _table_backup  # type: ignore[attr-defined]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    S3Backend.list_object_versions = list_object_versions  # type: ignore[method-assign]
    S3Backend.get_bucket = get_bucket_for_listing  # type: ignore[method-assign]
    DynamoDBBackend._updraft_light = True  # type: ignore[attr-defined]


def start_moto(port: int | None = None) -> MotoHandle:
    """Start moto on 127.0.0.1, on a free port unless one is given."""
    ThreadedMotoServer = _server_class()  # the [local] extra; not needed in Lambda
    _lighten_moto()

    # One log line per AWS call drowns the stack's own logs; keep werkzeug's warnings only.
    werkzeug = logging.getLogger("werkzeug")
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port or 0, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    return MotoHandle(server, f"http://{host}:{bound_port}")


def start_moto_in_process() -> InProcessMoto:
    """moto answering, inside this process, the boto3 sessions made from now on."""
    from botocore.handlers import BUILTIN_HANDLERS

    stubber = _serialized_stubber()  # the [local] extra, as for the server
    _lighten_moto()
    stubber.enabled = True
    BUILTIN_HANDLERS.append(("before-send", stubber))
    return InProcessMoto(stubber)
