"""A real Synapse homeserver on loopback for the Matrix end-to-end tests.

``ensure_synapse_venv()`` installs the pinned ``matrix-synapse`` into its own cached venv (once;
a stamp file records the installed version, a file lock keeps parallel runs apart).
``Homeserver`` runs one Synapse from that venv in a temp dir: a single client-API listener on
127.0.0.1 at a free port, no federation, sqlite, fast bcrypt, rate limits raised out of the way.
Users are made with the shared-secret admin API, so no subprocess per user.

Only the stdlib talks HTTP here, so the harness does not depend on nio; every request goes to
127.0.0.1 with a timeout and bypasses any proxy from the environment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

SYNAPSE_VERSION = "1.163.2"
"""The pinned ``matrix-synapse`` release (what pip picked when the harness was written)."""

SERVER_NAME = "localhost"
HOST = "127.0.0.1"

_STAMP_NAME = ".ehrenamt-synapse-stamp"
_PIP_TIMEOUT = 900.0
_HTTP_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0

# Generous enough that no test ever waits for a rate limiter.
_UNLIMITED = {"per_second": 10_000, "burst_count": 100_000}


class SynapseUnavailable(Exception):
    """Synapse could not be installed or started; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HomeserverError(Exception):
    """An HTTP call to the homeserver answered with an error status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class RegisteredUser:
    user_id: str
    password: str
    access_token: str
    device_id: str


def default_venv_path() -> Path:
    """``$EHRENAMT_SYNAPSE_VENV`` or ``~/.cache/ehrenamt-bot/synapse``."""
    configured = os.environ.get("EHRENAMT_SYNAPSE_VENV")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "ehrenamt-bot" / "synapse"


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _stamp_text() -> str:
    return f"matrix-synapse=={SYNAPSE_VERSION}\n"


def _is_installed(venv: Path) -> bool:
    stamp = venv / _STAMP_NAME
    try:
        current = stamp.read_text(encoding="utf-8")
    except OSError:
        return False
    return current == _stamp_text() and _venv_python(venv).exists()


def _tail(text: str, n: int) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def _run_install_step(cmd: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=_PIP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else ""
        raise SynapseUnavailable(
            f"{what} timed out after {_PIP_TIMEOUT:.0f} s:\n{_tail(out, 15)}"
        ) from exc
    except OSError as exc:
        raise SynapseUnavailable(f"{what} could not run: {exc}") from exc
    if done.returncode != 0:
        raise SynapseUnavailable(
            f"{what} failed (exit {done.returncode}):\n{_tail(done.stdout, 15)}"
        )


def ensure_synapse_venv(venv: Path | None = None) -> Path:
    """Install the pinned Synapse into its own venv unless the stamp says it is there already.

    Guarded by an fcntl lock next to the venv, so parallel test runs install once. Returns the
    venv path; raises ``SynapseUnavailable`` (with pip's last output lines) when install fails.
    """
    venv = (venv or default_venv_path()).absolute()
    if _is_installed(venv):
        return venv
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(venv.parent / f"{venv.name}.lock", "w")  # noqa: SIM115 - held below
    except OSError as exc:
        raise SynapseUnavailable(f"cannot create the Synapse venv at {venv}: {exc}") from exc
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            if _is_installed(venv):  # someone else finished while we waited
                return venv
            python = _venv_python(venv)
            if not python.exists():  # absent, or broken (its base interpreter went away)
                _run_install_step(
                    [sys.executable, "-m", "venv", "--clear", str(venv)],
                    f"creating the venv {venv}",
                )
            _run_install_step(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--retries",
                    "2",
                    "--timeout",
                    "30",
                    f"matrix-synapse=={SYNAPSE_VERSION}",
                ],
                f"pip install matrix-synapse=={SYNAPSE_VERSION}",
            )
            stamp = venv / _STAMP_NAME
            partial = stamp.with_suffix(".tmp")
            partial.write_text(_stamp_text(), encoding="utf-8")
            partial.replace(stamp)
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
    return venv


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _set_parent_death_signal() -> None:
    """In the child before exec: die with SIGTERM when the test process dies (Linux only)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


# A plain opener without the environment's proxies: everything here is loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Homeserver:
    """One Synapse process in a temp dir; ``start()`` (or ``with``) runs it, ``stop()`` ends it."""

    def __init__(self, venv: Path | None = None, *, startup_timeout: float = 60.0) -> None:
        self.venv = (venv or default_venv_path()).absolute()
        self.startup_timeout = startup_timeout
        self.server_name = SERVER_NAME
        self.shared_secret = secrets.token_hex(32)
        self.port = 0
        self.dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        if self.dir is None:
            raise RuntimeError("the homeserver was not started")
        return self.dir / "homeserver.log"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Generate the config, start Synapse and wait until the client API answers."""
        if self._proc is not None:
            raise RuntimeError("the homeserver is already running")
        python = _venv_python(self.venv)
        if not python.exists():
            raise SynapseUnavailable(f"no Synapse venv at {self.venv} (ensure_synapse_venv())")
        self.dir = Path(tempfile.mkdtemp(prefix="ehrenamt-synapse-"))
        try:
            self._generate_config(python)
            # The free port can be taken between probe and bind: retry a few times on that.
            for attempt in range(3):
                self.port = _free_port()
                self._write_override()
                self._spawn(python)
                try:
                    self._wait_ready()
                    return self
                except SynapseUnavailable:
                    tail = self.log_tail(40)
                    self._terminate()
                    if "Address already in use" in tail and attempt < 2:
                        continue
                    raise
            raise AssertionError("unreachable")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM the process group, wait (bounded), SIGKILL if needed; remove the temp dir."""
        self._terminate()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, n: int = 40) -> str:
        """The last ``n`` lines of Synapse's log (its WARNING+ records, stdout and stderr)."""
        if self.dir is None:
            return ""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return _tail(text, n)

    # -- users --------------------------------------------------------------------------------

    def register(
        self,
        localpart: str,
        password: str,
        admin: bool = False,
        *,
        displayname: str | None = None,
    ) -> RegisteredUser:
        """Create a user with the shared-secret admin API (nonce + HMAC-SHA1)."""
        path = "/_synapse/admin/v1/register"
        nonce = str(self.request("GET", path)["nonce"])
        mac = hmac.new(self.shared_secret.encode("utf-8"), digestmod=hashlib.sha1)
        for part in (nonce, localpart, password):
            mac.update(part.encode("utf-8"))
            mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        body: dict[str, Any] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        if displayname is not None:
            body["displayname"] = displayname
        answer = self.request("POST", path, body)
        return RegisteredUser(
            user_id=str(answer["user_id"]),
            password=password,
            access_token=str(answer["access_token"]),
            device_id=str(answer["device_id"]),
        )

    def override_ratelimit(self, admin: RegisteredUser, user_id: str) -> dict[str, Any]:
        """Exempt ``user_id`` from message rate limits (0/0 means "no limit")."""
        quoted = urllib.parse.quote(user_id, safe="")
        return self.request(
            "POST",
            f"/_synapse/admin/v1/users/{quoted}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            access_token=admin.access_token,
        )

    # -- HTTP ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        access_token: str | None = None,
        timeout: float = _HTTP_TIMEOUT,
    ) -> dict[str, Any]:
        """One JSON request to this homeserver; raises ``HomeserverError`` on an error status."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if access_token is not None:
            req.add_header("Authorization", f"Bearer {access_token}")
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                raw: bytes = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")
            raise HomeserverError(method, path, exc.code, detail) from exc
        parsed = json.loads(raw) if raw else {}
        if not isinstance(parsed, dict):
            raise HomeserverError(method, path, 200, f"not a JSON object: {raw[:200]!r}")
        return parsed

    # -- internals ----------------------------------------------------------------------------

    def _generate_config(self, python: Path) -> None:
        assert self.dir is not None
        cmd = [
            str(python),
            "-m",
            "synapse.app.homeserver",
            "--server-name",
            self.server_name,
            "--config-path",
            "hs.yaml",
            "--generate-config",
            "--report-stats=no",
        ]
        try:
            done = subprocess.run(
                cmd,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SynapseUnavailable(f"generating the Synapse config failed: {exc}") from exc
        if done.returncode != 0:
            raise SynapseUnavailable(
                f"generating the Synapse config failed (exit {done.returncode}):\n"
                f"{_tail(done.stdout, 15)}"
            )
        log_config = {
            "version": 1,
            "formatters": {
                "precise": {"format": "%(asctime)s - %(name)s - %(levelname)s - %(message)s"}
            },
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.log_path),
                    "encoding": "utf8",
                }
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        # JSON is YAML: no YAML writer needed.
        (self.dir / "log.yaml").write_text(json.dumps(log_config, indent=2), encoding="utf-8")

    def _write_override(self) -> None:
        assert self.dir is not None
        limit = dict(_UNLIMITED)
        override: dict[str, Any] = {
            "server_name": self.server_name,
            "public_baseurl": self.base_url + "/",
            "pid_file": str(self.dir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": [HOST],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(self.dir / "homeserver.db")},
            },
            "log_config": str(self.dir / "log.yaml"),
            "media_store_path": str(self.dir / "media_store"),
            "report_stats": False,
            "enable_metrics": False,
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "bcrypt_rounds": 4,
            "enable_registration": False,
            "registration_shared_secret": self.shared_secret,
            "rc_message": limit,
            "rc_registration": limit,
            "rc_registration_token_validity": limit,
            "rc_login": {"address": limit, "account": limit, "failed_attempts": limit},
            "rc_joins": {"local": limit, "remote": limit},
            "rc_joins_per_room": limit,
            "rc_invites": {"per_room": limit, "per_user": limit, "per_issuer": limit},
            "rc_third_party_invite": limit,
            "rc_3pid_validation": limit,
            "rc_admin_redaction": limit,
            "rc_room_creation": limit,
            "rc_key_requests": limit,
            "rc_media_create": limit,
            "rc_presence": {"per_user": limit},
            "rc_delayed_event_mgmt": limit,
            "rc_reports": limit,
            "rc_user_directory": limit,
            "rc_profile": limit,
        }
        (self.dir / "override.yaml").write_text(json.dumps(override, indent=2), encoding="utf-8")

    def _spawn(self, python: Path) -> None:
        assert self.dir is not None
        cmd = [
            str(python),
            "-m",
            "synapse.app.homeserver",
            "-c",
            "hs.yaml",
            "-c",
            "override.yaml",
        ]
        # Synapse's own WARNING+ records and anything it prints land in one append-mode file.
        with open(self.log_path, "ab") as out:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
                preexec_fn=_set_parent_death_signal if sys.platform == "linux" else None,
            )

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                raise SynapseUnavailable(
                    f"Synapse exited with code {code} during startup; log tail:\n"
                    f"{self.log_tail(40)}"
                )
            try:
                self.request("GET", "/_matrix/client/versions", timeout=2.0)
                return
            except (OSError, HomeserverError, ValueError) as exc:
                last_error = str(exc)
            time.sleep(0.1)
        raise SynapseUnavailable(
            f"Synapse did not answer /_matrix/client/versions on {self.base_url} within "
            f"{self.startup_timeout:.0f} s ({last_error}); log tail:\n{self.log_tail(40)}"
        )

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=_STOP_TIMEOUT)


@contextlib.contextmanager
def running_homeserver(venv: Path | None = None) -> Iterator[Homeserver]:
    """``ensure_synapse_venv()`` and a started ``Homeserver``, stopped on exit."""
    with Homeserver(ensure_synapse_venv(venv)) as homeserver:
        yield homeserver
