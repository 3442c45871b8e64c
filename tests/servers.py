"""Real servers on loopback for the provider tests: a throwaway PostgreSQL cluster, an sshd
with its own config, host key and test user, and a small HTTP service. Each is started by a
test fixture and stopped after; each reports why it cannot start (binaries absent, not root)
so that the tests skip with that reason."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from base64 import b64decode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Unavailable(Exception):
    """A server cannot run here; the message says why (a test skips with it)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (nothing will answer on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, seconds: float, process: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    """`argv` run as `user` when we are root (PostgreSQL refuses to run as root)."""
    if user is None:
        return argv
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    if os.path.exists(runuser):
        return [runuser, "-u", user, "--", *argv]
    return ["su", user, "-s", "/bin/sh", "-c", " ".join(argv)]


# ------------------------------------------------------------------ PostgreSQL
@dataclass
class Postgres:
    port: int
    user: str
    password: str
    database: str
    socket_dir: str

    def superuser_connect(self) -> Any:
        """A psycopg connection as the cluster's superuser, over the Unix socket (trusted)."""
        import psycopg

        return psycopg.connect(host=self.socket_dir, port=self.port, user="postgres", dbname=self.database,
                               autocommit=True)

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        with self.superuser_connect() as conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else []


def _postgres_bin() -> str:
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(os.path.realpath(initdb))
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        raise Unavailable("PostgreSQL is not installed (no initdb): apt-get install postgresql")
    return os.path.dirname(found[-1])


@contextmanager
def postgres_server(user: str = "app", password: str = "pg-Secret/42", database: str = "orders") -> Iterator[Postgres]:
    """A new cluster in a temporary folder on a free port, password (scram) auth over TCP,
    with `user` owning `database`; removed afterwards."""
    bindir = _postgres_bin()
    try:
        import psycopg  # noqa: F401
    except ImportError as err:
        raise Unavailable(f"psycopg is not installed: pip install 'updraft[providers]' ({err})") from err
    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root, and there is no 'postgres' user to run PostgreSQL as") from None
        run_as = "postgres"
    base = tempfile.mkdtemp(prefix="updraft-pg-")
    data, sockets, log = os.path.join(base, "data"), os.path.join(base, "sockets"), os.path.join(base, "server.log")
    os.makedirs(sockets)
    if run_as:
        entry = pwd.getpwnam(run_as)
        for path in (base, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = free_port()
    pg_ctl = os.path.join(bindir, "pg_ctl")
    try:
        subprocess.run(
            _as_user(run_as, [os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust",
                              "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8"]),
            check=True, capture_output=True, cwd=base,
        )
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_user(run_as, [pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, cwd=base)
        server = Postgres(port=port, user=user, password=password, database=database, socket_dir=sockets)
        import psycopg

        with psycopg.connect(host=sockets, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
            conn.execute(f"CREATE DATABASE {database} OWNER {user}")
        yield server
    except subprocess.CalledProcessError as err:
        detail = (err.stderr or b"").decode(errors="replace")
        if os.path.exists(log):
            detail += Path(log).read_text(errors="replace")
        raise RuntimeError(f"PostgreSQL did not start: {detail}") from err
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(_as_user(run_as, [pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]),
                           capture_output=True, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------ sshd
@dataclass
class Sshd:
    port: int
    user: str
    password: str
    private_key: str  # the user's key, OpenSSH PEM text
    key_file: str  # the same key in a file
    root: str  # a folder the user owns, for the tests' files
    host_key: str  # the server's public host key, "ssh-ed25519 AAAA…"
    log: str


def _sshd_binary() -> str:
    for candidate in (shutil.which("sshd"), "/usr/sbin/sshd"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise Unavailable("OpenSSH's server is not installed (no sshd): apt-get install openssh-server")


@contextmanager
def ssh_server(user: str | None = None, password: str = "ssh-Secret/42") -> Iterator[Sshd]:
    """An sshd on a free port with a config, host key and authorized key of its own, and a
    system user with a password (one per test process: test runs side by side do not share
    it); the user and everything else go afterwards."""
    user = user or f"updraft_sftp_{os.getpid()}"
    sshd = _sshd_binary()
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        raise Unavailable("ssh-keygen is not installed: apt-get install openssh-client")
    if os.geteuid() != 0:
        raise Unavailable("the SFTP tests create a system user for sshd, which needs root")
    base = tempfile.mkdtemp(prefix="updraft-sshd-")
    os.chmod(base, 0o755)
    created_user = False
    process: subprocess.Popen[Any] | None = None
    try:
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", user], check=True, capture_output=True)
            created_user = True
        subprocess.run(["chpasswd"], input=f"{user}:{password}".encode(), check=True, capture_output=True)
        subprocess.run(["usermod", "--unlock", user], capture_output=True)
        entry = pwd.getpwnam(user)
        root = os.path.join(base, "files")
        os.makedirs(root)
        os.chown(root, entry.pw_uid, entry.pw_gid)

        host_key = os.path.join(base, "ssh_host_ed25519_key")
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", host_key], check=True, capture_output=True)
        client_key = os.path.join(base, "client_key")
        subprocess.run([keygen, "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", client_key],
                       check=True, capture_output=True)
        authorized = os.path.join(base, "authorized_keys")
        shutil.copy(client_key + ".pub", authorized)
        os.chmod(authorized, 0o644)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder

        port = free_port()
        config = os.path.join(base, "sshd_config")
        Path(config).write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {base}/sshd.pid\n"
            f"AuthorizedKeysFile {authorized}\nStrictModes no\nUsePAM no\nPasswordAuthentication yes\n"
            "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin no\n"
            f"AllowUsers {user}\nSubsystem sftp internal-sftp\nLogLevel VERBOSE\nMaxStartups 50\n"
        )
        log = os.path.join(base, "sshd.log")
        with open(log, "wb") as log_file:
            process = subprocess.Popen([sshd, "-D", "-e", "-f", config], stdout=log_file, stderr=subprocess.STDOUT)
        _wait_for_port(port, 10, process)
        yield Sshd(
            port=port, user=user, password=password, private_key=Path(client_key).read_text(),
            key_file=client_key, root=root, host_key=" ".join(Path(host_key + ".pub").read_text().split()[:2]),
            log=log,
        )
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if created_user:
            subprocess.run(["userdel", "--remove", user], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------ HTTP
@dataclass
class HttpService:
    """What the test HTTP service knows: the credentials it accepts, what it was sent, and
    how many requests `/ready` must see before it answers 200."""

    port: int
    login: str = "api-user"
    password: str = "http-Secret/42"
    ready_after: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    ready_calls: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(service: HttpService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
            data = (json.dumps(body) if content_type == "application/json" else str(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            return b64decode(header[6:]).decode() == f"{service.login}:{service.password}"

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            service.requests.append({"method": self.command, "path": parts.path, "query": query, "body": body,
                                     "headers": dict(self.headers)})
            if parts.path == "/health":
                return self._reply(200, "ok", "text/plain")
            if parts.path == "/ready":
                service.ready_calls += 1
                if service.ready_calls > service.ready_after:
                    return self._reply(200, {"ready": True, "calls": service.ready_calls})
                return self._reply(404, {"ready": False})
            if parts.path == "/boom":
                return self._reply(500, "the orders database is on fire", "text/plain")
            if not self._authorized():
                return self._reply(401, f"invalid credentials for {self.headers.get('X-Client', 'client')}",
                                   "text/plain")
            if parts.path == "/orders":
                page = int(query.get("page", "1"))
                items = [{"id": (page - 1) * 2 + i, "day": query.get("day")} for i in (1, 2)]
                return self._reply(200, {"page": page, "items": items, "next": page + 1 if page < 3 else None})
            if parts.path == "/echo":
                return self._reply(200, {"method": self.command, "body": body, "query": query,
                                         "tenant": self.headers.get("X-Tenant")})
            return self._reply(404, "no such endpoint", "text/plain")

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    return Handler


@contextmanager
def http_server() -> Iterator[HttpService]:
    """The test HTTP service on a free port, in a thread."""
    service = HttpService(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    service.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
