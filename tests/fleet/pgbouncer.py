"""A private PgBouncer in transaction pooling mode in front of the test database (Debian's
`pgbouncer` package; bin/ensure-services installs it). Each test that takes `pgbouncer_factory`
gets its own instance, with its own ini in a temporary folder, on a free port."""

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Bouncer:
    port: int
    log: Path

    def database_url(self) -> str:
        """The app role's URL to the test database through this PgBouncer."""
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@127.0.0.1:{self.port}/{db['NAME']}"


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@pytest.fixture
def pgbouncer_factory(tmp_path):
    procs = []

    def start(*, pool_size: int) -> Bouncer:
        db = connection.settings_dict
        folder = tmp_path / f"pgbouncer-{len(procs)}"
        folder.mkdir()
        port = free_port()
        (folder / "users.txt").write_text(
            f"{_quoted(db['USER'])} {_quoted(db.get('PASSWORD') or '')}\n"
        )
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{db['NAME']} = host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432}"
            f" dbname={db['NAME']}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            # Only this machine reaches it; the server behind it checks the role as usual.
            "auth_type = trust\n"
            f"auth_file = {folder / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 200\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        log = folder / "pgbouncer.log"
        # PgBouncer refuses to run as root; CI runs as root, so it drops to the database's user.
        as_user = ["-u", "postgres"] if os.getuid() == 0 and _user_exists("postgres") else []
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [PGBOUNCER, *as_user, str(folder / "pgbouncer.ini")],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()[-2000:]
                assert time.monotonic() < deadline, "PgBouncer did not start"
                time.sleep(0.1)  # waiting for another process to listen
        return Bouncer(port=port, log=log)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
