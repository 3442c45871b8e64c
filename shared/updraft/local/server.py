"""A moto server on loopback, standing in for AWS; boto3 finds it through AWS_ENDPOINT_URL."""

from __future__ import annotations

import logging
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


def start_moto(port: int | None = None) -> MotoHandle:
    """Start moto on 127.0.0.1, on a free port unless one is given."""
    from moto.server import ThreadedMotoServer  # the [local] extra; not needed in Lambda

    # One log line per AWS call drowns the stack's own logs; keep werkzeug's warnings only.
    werkzeug = logging.getLogger("werkzeug")
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port or 0, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    return MotoHandle(server, f"http://{host}:{bound_port}")
