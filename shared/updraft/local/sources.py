"""The event sources SAM declares, emulated: each turns what it sees into an AWS-shaped event
and calls `invoke(event)`, which runs the real handler.

Every source can be driven one step at a time (`poll_once()`, for tests that want no timing)
or left running in background threads (`start()` / `stop()`, for `updraft standalone`).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from updraft.local.events import http_api_event, s3_event, schedule_event, sqs_event

logger = logging.getLogger(__name__)

Invoke = Callable[[Any], Any]


class EventSource:
    """Polling, in the foreground or in `workers` background threads."""

    workers = 1
    idle_wait = 0.2  # seconds a background thread rests after a poll that found nothing

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def poll_once(self) -> int:
        """Deliver what is there now; the number of records delivered."""
        return self._step()

    def _step(self) -> int:
        raise NotImplementedError

    def _rest(self) -> float:
        return self.idle_wait

    def start(self) -> None:
        self._stopping.clear()
        for n in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"{type(self).__name__}-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                delivered = self._step()
            except Exception:  # a source must outlive a bad poll, as AWS's pollers do
                logger.exception("%s: poll failed", type(self).__name__)
                delivered = 0
            if not delivered:
                self._stopping.wait(self._rest())


# ------------------------------------------------------------------ SQS


class SqsEventSource(EventSource):
    """Lambda's SQS poller. A batch whose invocation raises stays in the queue and comes back
    once its visibility timeout has passed; with ReportBatchItemFailures only the messages the
    response names stay. Nothing is deleted before the handler returns."""

    def __init__(
        self,
        client: Any,
        queue_url: str,
        queue_arn: str,
        invoke: Invoke,
        batch_size: int = 10,
        report_batch_item_failures: bool = False,
        *,
        concurrency: int = 1,
        visibility_timeout: int | None = None,
        wait_time_seconds: int = 0,
    ) -> None:
        super().__init__()
        self.client = client
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.invoke = invoke
        self.batch_size = batch_size
        self.report_batch_item_failures = report_batch_item_failures
        self.workers = concurrency
        self.visibility_timeout = visibility_timeout  # None: the queue's own, as Lambda uses
        self.wait_time_seconds = wait_time_seconds

    def poll_once(self) -> int:
        """Up to `concurrency` batches, invoked side by side."""
        if self.workers == 1:
            return self._step()
        with ThreadPoolExecutor(self.workers) as pool:
            return sum(pool.map(lambda _: self._step(), range(self.workers)))

    def _step(self) -> int:
        messages = self._receive()
        if not messages:
            return 0
        try:
            result = self.invoke(sqs_event(messages, self.queue_arn))
        except Exception:
            logger.exception("SQS batch of %d failed; it returns after the visibility timeout", len(messages))
            return len(messages)
        failed = self._failed_ids(result, messages)
        self._delete([m for m in messages if m["MessageId"] not in failed])
        return len(messages)

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size:
            wanted = min(10, self.batch_size - len(messages))
            args: dict[str, Any] = {
                "QueueUrl": self.queue_url,
                "MaxNumberOfMessages": wanted,
                "MessageSystemAttributeNames": ["All"],
                "MessageAttributeNames": ["All"],
                "WaitTimeSeconds": self.wait_time_seconds if not messages else 0,
            }
            if self.visibility_timeout is not None:
                args["VisibilityTimeout"] = self.visibility_timeout
            received = self.client.receive_message(**args).get("Messages", [])
            messages += received
            if len(received) < wanted:
                break
        return messages

    def _failed_ids(self, result: Any, messages: Sequence[Mapping[str, Any]]) -> set[str]:
        """The messages to keep, read as Lambda reads the response: an empty or missing list is
        a full success, an identifier that is empty or not in the batch fails the whole batch."""
        every = {m["MessageId"] for m in messages}
        if not self.report_batch_item_failures or not isinstance(result, Mapping):
            return set()
        failures = result.get("batchItemFailures") or []
        named = {f.get("itemIdentifier") if isinstance(f, Mapping) else None for f in failures}
        if not named <= every:
            logger.error("Invalid batchItemFailures %r: the whole batch fails", failures)
            return every
        return named  # type: ignore[return-value]

    def _delete(self, messages: Sequence[Mapping[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                for n, m in enumerate(messages[start : start + 10])
            ]
            self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)


# ------------------------------------------------------------------ EventBridge schedule

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_rate(expression: str) -> int:
    """Seconds between two firings of an EventBridge `rate(...)` expression. As in AWS, the
    unit is singular for 1 and plural otherwise; cron() is not emulated."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"Only rate(N unit) schedules run locally, not {expression!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1 or (value == 1) == unit.endswith("s"):
        raise ValueError(f"Invalid schedule expression {expression!r}: use 'rate(1 minute)' or 'rate(5 minutes)'")
    return value * _UNIT_SECONDS[unit.rstrip("s")]


class ScheduleEventSource(EventSource):
    """An EventBridge schedule rule. The first poll fires, later ones fire once the interval
    has passed. An invocation that raises is logged; the next tick comes regardless."""

    def __init__(
        self,
        invoke: Invoke,
        rate_seconds: float,
        rule_arn: str,
        *,
        interval_override: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        super().__init__()
        self.invoke = invoke
        self.rate_seconds = rate_seconds
        self.rule_arn = rule_arn
        self.interval_override = interval_override
        self._clock = clock
        self._now = now
        self._last_fired: float | None = None

    @classmethod
    def from_expression(cls, expression: str, invoke: Invoke, rule_arn: str, **kwargs: Any) -> "ScheduleEventSource":
        return cls(invoke, parse_rate(expression), rule_arn, **kwargs)

    @property
    def interval(self) -> float:
        return self.interval_override if self.interval_override is not None else self.rate_seconds

    def _next_due(self) -> float:
        return float("-inf") if self._last_fired is None else self._last_fired + self.interval

    def _step(self) -> int:
        return self.tick() if self._clock() >= self._next_due() else 0

    def tick(self) -> int:
        """Fire now, whatever the interval; the next firing is one interval later."""
        self._last_fired = self._clock()
        try:
            self.invoke(schedule_event(self.rule_arn, self._now()))
        except Exception:
            logger.exception("Scheduled invocation for %s failed", self.rule_arn)
        return 1

    def _rest(self) -> float:
        return max(0.01, self._next_due() - self._clock())


# ------------------------------------------------------------------ S3 notifications


class S3NotificationSource(EventSource):
    """S3 event notifications, found by listing the bucket's versions under the prefix.

    A version not seen before is ObjectCreated:Put (Copy, Post and multipart uploads look the
    same), a new delete marker ObjectRemoved:DeleteMarkerCreated, a version that disappeared
    ObjectRemoved:Delete. Each is reported once, in the order of LastModified, with an
    increasing sequencer. A failed invocation is retried on the next polls, twice, as Lambda
    retries asynchronous invocations."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str,
        event_types: Iterable[str],
        invoke: Invoke,
        *,
        suffix: str = "",
        region: str = "us-east-1",
        max_retries: int = 2,
    ) -> None:
        super().__init__()
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.suffix = suffix
        self.event_types = tuple(event_types)
        self.invoke = invoke
        self.region = region
        self.max_retries = max_retries
        self._seen: dict[tuple[str, str], tuple[str, Any]] = {}
        self._sequence = time.time_ns()
        self._pending: list[tuple[dict[str, Any], int]] = []  # event, attempts so far
        self._lock = threading.Lock()

    def _step(self) -> int:
        with self._lock:  # one lister at a time, or versions would be reported twice
            self._pending += [(event, 0) for event in self._new_events()]
            pending, self._pending = self._pending, []
            delivered = 0
            for event, attempts in pending:
                try:
                    self.invoke(event)
                    delivered += 1
                except Exception:
                    record = event["Records"][0]
                    logger.exception("S3 event %s %s failed", record["eventName"], record["s3"]["object"]["key"])
                    if attempts < self.max_retries:
                        self._pending.append((event, attempts + 1))
            return delivered

    def _new_events(self) -> list[dict[str, Any]]:
        current: dict[tuple[str, str], tuple[str, Any]] = {}
        found: list[tuple[tuple[Any, ...], str, str, Mapping[str, Any]]] = []  # order, key, name, entry
        listed: dict[tuple[str, str], int] = {}  # entries of one key and kind listed so far
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for kind, entries in (("Put", page.get("Versions", [])), ("Marker", page.get("DeleteMarkers", []))):
                for entry in entries:
                    ident = (entry["Key"], entry.get("VersionId") or "null")
                    signature = (kind, (entry.get("ETag"), entry["LastModified"]))
                    current[ident] = signature
                    position = listed.get((entry["Key"], kind), 0)
                    listed[(entry["Key"], kind)] = position + 1
                    if self._seen.get(ident) != signature:
                        name = "ObjectCreated:Put" if kind == "Put" else "ObjectRemoved:DeleteMarkerCreated"
                        # S3 lists a key's versions newest first, to the second: within one
                        # second the latest goes last and the others in reverse listing order.
                        order = (entry["LastModified"], bool(entry.get("IsLatest")), kind == "Marker", -position)
                        found.append((order, entry["Key"], name, entry))
        now = datetime.now(timezone.utc)
        for key, version in self._seen.keys() - current.keys():
            found.append(((now, True, True, 0), key, "ObjectRemoved:Delete", {"Key": key, "VersionId": version}))
        self._seen = current
        found.sort(key=lambda item: item[0])
        return [self._event(name, entry) for _, key, name, entry in found if self._wanted(key, name)]

    def _wanted(self, key: str, event_name: str) -> bool:
        if not key.endswith(self.suffix):
            return False
        return any(fnmatch.fnmatchcase(f"s3:{event_name}", pattern) for pattern in self.event_types)

    def _event(self, event_name: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        self._sequence += 1
        return s3_event(
            self.bucket,
            entry["Key"],
            version_id=entry.get("VersionId"),
            event_name=event_name,
            size=entry.get("Size"),
            etag=entry.get("ETag"),
            sequencer=f"{self._sequence:018X}",
            region=self.region,
            event_time=entry.get("LastModified"),
        )


# ------------------------------------------------------------------ API Gateway HTTP API

# Content types API Gateway passes as text; any other body arrives base64-encoded.
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|javascript|xml|.*\+json|.*\+xml))$", re.I)


class RouteMatcher:
    """HTTP API routing: a literal path beats one with {parameters}, which beats a greedy
    {proxy+}; an exact method beats ANY."""

    def __init__(self, routes: Iterable[tuple[str, str]]) -> None:
        self.routes = [(method.upper(), path, self._pattern(path)) for method, path in routes]

    @staticmethod
    def _pattern(path: str) -> re.Pattern[str]:
        parts = []
        for segment in path.strip("/").split("/") if path.strip("/") else []:
            if segment.startswith("{") and segment.endswith("+}"):
                parts.append(f"(?P<{segment[1:-2]}>.+)")
            elif segment.startswith("{") and segment.endswith("}"):
                parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("^/" + "/".join(parts) + "$")

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """The route key ("ANY /{proxy+}") and path parameters, or None (404)."""
        candidates = []
        for route_method, route_path, pattern in self.routes:
            found = pattern.match(path)
            if found and route_method in ("ANY", method.upper()):
                rank = ("+}" in route_path, len(found.groupdict()), route_method == "ANY")
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                candidates.append((rank, f"{route_method} {route_path}", params))
        if not candidates:
            return None
        _, key, params = min(candidates, key=lambda c: c[0])
        return key, params


HttpResponse = tuple[int, list[tuple[str, str]], bytes]


def to_http_response(result: Any) -> HttpResponse:
    """A handler's result as HTTP API sends it on: a dict with statusCode is a response, any
    other value is the JSON body of a 200."""
    if not (isinstance(result, Mapping) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], body.encode()
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("set-cookie", c) for c in result.get("cookies") or []]
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, data


class HttpGateway:
    """An HTTP API in front of the handler: each request becomes a payload 2.0 event. Without
    routes everything goes to `$default`; with routes, an unmatched request is a 404 as in AWS,
    and a handler that raises is a 500 Internal Server Error."""

    def __init__(
        self,
        invoke: Invoke,
        host: str = "127.0.0.1",
        port: int = 8080,
        *,
        routes: Iterable[tuple[str, str]] | None = None,
    ) -> None:
        self.invoke = invoke
        self.matcher = RouteMatcher(routes) if routes is not None else None
        self.server = ThreadingHTTPServer((host, port), _handler_class(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None
        # One execution environment: Lambda hands each one request at a time, and the API's
        # resolver keeps the current request on its module-level app.
        self._environment = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def handle(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes, source_ip: str
    ) -> HttpResponse:
        """One request, from the method, target ("/path?query") and headers as received."""
        parts = urlsplit(target)
        route_key, params = "$default", {}
        if self.matcher is not None:
            matched = self.matcher.match(method, parts.path)
            if matched is None:
                return 404, [("content-type", "application/json")], b'{"message":"Not Found"}'
            route_key, params = matched
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        text = bool(body) and bool(_TEXT_TYPES.match(content_type.split(";")[0].strip()))
        event = http_api_event(
            method,
            parts.path,
            query=parts.query,
            headers=headers,
            body=(body.decode("utf-8", "replace") if text else body) if body else None,
            route_key=route_key,
            path_parameters=params,
            source_ip=source_ip,
            domain_name=next((v for k, v in headers if k.lower() == "host"), "localhost").rsplit(":", 1)[0],
        )
        try:
            with self._environment:
                result = self.invoke(event)
            return to_http_response(result)
        except Exception:
            logger.exception("%s %s failed", method, target)
            return 500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}'

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="HttpGateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _handler_class(gateway: HttpGateway) -> type[BaseHTTPRequestHandler]:
    class GatewayRequestHandler(BaseHTTPRequestHandler):
        server_version = "UpdraftLocalGateway"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = list(self.headers.items())
            headers += [
                ("x-forwarded-for", self.client_address[0]),
                ("x-forwarded-port", str(self.server.server_address[1])),
                ("x-forwarded-proto", "http"),
            ]
            status, out_headers, data = gateway.handle(self.command, self.path, headers, body, self.client_address[0])
            self.send_response(status)
            for name, value in out_headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    logger.debug("%s %s: the client left before the answer", self.command, self.path)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            logger.debug("%s %s", self.address_string(), format % args)

    return GatewayRequestHandler
