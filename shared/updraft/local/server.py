"""A moto server on loopback, standing in for AWS; boto3 finds it through AWS_ENDPOINT_URL."""

from __future__ import annotations

import logging
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_REGION = "us-east-1"


def aws_environment(url: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """The settings every boto3 client in the process needs to talk to the moto server."""
    return {
        "AWS_ENDPOINT_URL": url,
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
            self._server.serve_forever()

    return AtomicMotoServer


def start_moto(port: int | None = None) -> MotoHandle:
    """Start moto on 127.0.0.1, on a free port unless one is given."""
    ThreadedMotoServer = _server_class()  # the [local] extra; not needed in Lambda

    # One log line per AWS call drowns the stack's own logs; keep werkzeug's warnings only.
    werkzeug = logging.getLogger("werkzeug")
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port or 0, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    return MotoHandle(server, f"http://{host}:{bound_port}")
