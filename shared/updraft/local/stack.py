"""The whole stack in one process: moto for AWS, the template's resources, the real handlers,
and one emulated event source per function Event, wired as template.yaml wires them."""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from updraft.local.functions import Handler, LocalFunction
from updraft.local.resources import EventSpec, FunctionSpec, LocalResources, create_resources
from updraft.local.server import InProcessMoto, MotoHandle, aws_environment, start_moto, start_moto_in_process
from updraft.local.sources import (
    EventSource,
    HttpGateway,
    S3NotificationSource,
    ScheduleEventSource,
    SqsEventSource,
)
from updraft.local.template import load_template

logger = logging.getLogger(__name__)


class LocalStack:
    """Start, drive and stop the local stack.

    `handlers` replaces the handler of a function (by logical id) with a callable of one's own,
    for tests that drive the wiring without the real code. `parameters` overrides template
    parameters; `sqs_visibility_timeout` shortens the wait before a failed message returns
    (the template's queue keeps one for 90 minutes).

    `in_process` answers the AWS requests inside this process (moto's stubber, the same
    backends) instead of on a moto server: for a command that drives the stack itself and
    exits (`updraft dags test`), where no other process needs to reach it. `lazy_handlers`
    loads each handler when it is first invoked, so that a command that never serves HTTP
    never imports the API."""

    def __init__(
        self,
        root: Path,
        *,
        moto_port: int | None = None,
        stack_name: str = "updraft-local",
        env_overrides: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
        handlers: Mapping[str, Handler] | None = None,
        sqs_concurrency: int = 1,
        sqs_visibility_timeout: int | None = None,
        schedule_interval: float | None = None,
        in_process: bool = False,
        lazy_handlers: bool = False,
    ) -> None:
        self.root = Path(root)
        self.moto_port = moto_port
        self.stack_name = stack_name
        self.env_overrides = dict(env_overrides or {})
        self.parameters = dict(parameters or {})
        self.handler_overrides = dict(handlers or {})
        self.sqs_concurrency = sqs_concurrency
        self.sqs_visibility_timeout = sqs_visibility_timeout
        self.schedule_interval = schedule_interval
        self.in_process = in_process
        self.lazy_handlers = lazy_handlers
        self.moto: MotoHandle | InProcessMoto | None = None
        self.session: Any = None
        self.resources: LocalResources | None = None
        self.functions: dict[str, LocalFunction] = {}
        self.sources: dict[tuple[str, str], EventSource] = {}  # (function, event name) -> source
        self.gateway: HttpGateway | None = None
        self.http_routes: dict[str, list[tuple[str, str]]] = {}  # function -> (method, path)
        self.environment: dict[str, str] = {}  # what start() put in os.environ
        self._saved_env: dict[str, str | None] = {}

    # -------------------------------------------------------------- lifecycle
    def start(self) -> "LocalStack":
        with _long_lived_objects():
            self.moto = start_moto_in_process() if self.in_process else start_moto(self.moto_port)
            self._start()
        return self

    def _start(self) -> None:
        assert self.moto is not None
        try:
            # moto keeps its state per process, not per server: start from an empty AWS.
            self.moto.reset()
            if self.in_process:  # an endpoint would send the requests past moto's stubber
                self._unset_env([name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")])
            self._set_env(aws_environment(self.moto.url))
            self.session = boto3.session.Session()
            template = load_template(self.root / "template.yaml")
            self.resources = create_resources(
                template, self.session, self.stack_name, parameters=self.parameters
            )
            specs = self.resources.functions()
            self._set_env(self._function_environment(specs) | self.env_overrides)
            _forget_cached_services()
            for spec in specs:
                self.functions[spec.logical_id] = self._load(spec)
            for spec in specs:
                for event in spec.events:
                    self._wire(spec, event)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every source and the moto server; os.environ is as it was before start()."""
        gc.unfreeze()  # what start() kept out of the cycle collector's way is its again
        for source in self.sources.values():
            source.stop()
        self.sources.clear()
        self.http_routes.clear()
        self.functions.clear()
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        self.environment.clear()
        _forget_cached_services()

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- driving
    def invoke(self, function_logical_id: str, event: Any) -> Any:
        return self.functions[function_logical_id].invoke(event)

    def pump(self) -> int:
        """Poll every non-HTTP source once; the number of records delivered."""
        return sum(source.poll_once() for source in self.sources.values())

    def run_until(
        self,
        predicate: Callable[[], bool],
        timeout: float,
        tick_every: float | None = None,
        check_every: float | None = None,
    ) -> bool:
        """Pump until predicate() holds (True) or timeout seconds pass (False). With tick_every,
        schedules fire every tick_every seconds instead of at their own rate. With check_every,
        predicate() is asked only once the sources have nothing to deliver, or every
        check_every seconds while they keep delivering: for a predicate that makes requests
        of its own."""
        deadline = time.monotonic() + timeout
        last_tick: float | None = None
        asked_at: float | None = None
        delivered = 0
        while True:
            now = time.monotonic()
            ask = check_every is None or not delivered or asked_at is None or now - asked_at >= check_every
            if ask:
                asked_at = now
                if predicate():
                    return True
            tick_due = tick_every is not None and (last_tick is None or now - last_tick >= tick_every)
            delivered = 0
            for source in self.sources.values():
                if isinstance(source, ScheduleEventSource) and tick_every is not None:
                    delivered += source.tick() if tick_due else 0
                else:
                    delivered += source.poll_once()
            if tick_due:
                last_tick = now
            if time.monotonic() >= deadline:
                return predicate()
            if not delivered and ask:  # otherwise ask first: what was delivered may have ended it
                time.sleep(0.05)

    def serve(self, http_port: int = 8080, host: str = "127.0.0.1", *, tick_seconds: float | None = None) -> str:
        """Run every source in background threads until stop(); the API's base URL. With
        tick_seconds, schedules fire that often instead of at their own rate."""
        if tick_seconds is not None:
            for source in self.sources.values():
                if isinstance(source, ScheduleEventSource):
                    source.interval_override = tick_seconds
        if self.http_routes:
            (function_id, routes), *others = self.http_routes.items()
            if others:
                logger.warning("Only %s's HttpApi events are served locally", function_id)
            self.gateway = HttpGateway(self.functions[function_id].invoke, host, http_port, routes=routes)
            self.gateway.start()
        for source in self.sources.values():
            source.start()
        return self.gateway.url if self.gateway is not None else ""

    # -------------------------------------------------------------- wiring
    def _load(self, spec: FunctionSpec) -> LocalFunction:
        if spec.logical_id in self.handler_overrides:
            return LocalFunction(spec, self.handler_overrides[spec.logical_id])
        if self.lazy_handlers:
            return LocalFunction.lazy(self.root, spec)
        return LocalFunction.load(self.root, spec)

    def _wire(self, spec: FunctionSpec, event: EventSpec) -> None:
        assert self.resources is not None
        props, invoke = event.properties, self.functions[spec.logical_id].invoke
        if props.get("Enabled") is False:
            return
        key = (spec.logical_id, event.name)
        if event.type == "S3":
            self.sources[key] = S3NotificationSource(
                self.session.client("s3"),
                props["Bucket"],
                _key_filter(props, "prefix"),
                props["Events"] if isinstance(props["Events"], list) else [props["Events"]],
                invoke,
                suffix=_key_filter(props, "suffix"),
                region=self.resources.region,
            )
        elif event.type == "Schedule":
            rule = f"arn:aws:events:{self.resources.region}:{self.resources.account_id}:rule/"
            self.sources[key] = ScheduleEventSource.from_expression(
                props["Schedule"],
                invoke,
                rule + f"{self.stack_name}-{spec.logical_id}{event.name}",
                interval_override=self.schedule_interval,
            )
        elif event.type == "SQS":
            queue = self.resources.by_arn(props["Queue"])
            self.sources[key] = SqsEventSource(
                self.session.client("sqs"),
                queue.url or "",
                queue.arn,
                invoke,
                int(props.get("BatchSize", 10)),
                "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                concurrency=self.sqs_concurrency,
                visibility_timeout=self.sqs_visibility_timeout,
            )
        elif event.type == "HttpApi":
            route = (props.get("Method", "ANY"), props.get("Path", "/{proxy+}"))
            self.http_routes.setdefault(spec.logical_id, []).append(route)
        else:
            logger.warning("%s event %s (%s) is not emulated locally", spec.logical_id, event.name, event.type)

    def _function_environment(self, specs: list[FunctionSpec]) -> dict[str, str]:
        """The functions' variables merged: they share this process, so they must agree."""
        assert self.resources is not None
        merged: dict[str, str] = {}
        for spec in specs:
            for name, value in self.resources.function_environment(spec.logical_id).items():
                if merged.get(name, value) != value:
                    logger.warning("%s sets %s=%r, another function %r; keeping the first",
                                   spec.logical_id, name, value, merged[name])
                merged.setdefault(name, value)
        return merged

    def _unset_env(self, names: list[str]) -> None:
        for name in names:
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ.pop(name, None)

    def _set_env(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
            self.environment[name] = value


@contextmanager
def _long_lived_objects() -> Iterator[None]:
    """Starting a stack makes a few hundred thousand objects that live as long as it does:
    moto's backends, botocore's service models, the modules imported. The cycle collector
    would walk them all, again and again while they are made, and free nothing (a third of a
    second of `updraft dags test`): it waits until they are made, and then leaves them out of
    its passes (`gc.freeze`) until the stack stops."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()  # not after a failed start: stop() has unfrozen, and nothing is kept
    finally:
        if enabled:
            gc.enable()


def _key_filter(props: Mapping[str, Any], rule_name: str) -> str:
    rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    return next((r["Value"] for r in rules if r.get("Name", "").lower() == rule_name), "")


def _forget_cached_services() -> None:
    """The handlers cache their AWS clients per process; a new moto server needs new ones."""
    services = sys.modules.get("updraft.services")
    cached = getattr(services, "services_from_env", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()
