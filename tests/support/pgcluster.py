"""A throwaway PostgreSQL + PostGIS cluster for the tests (and the multi-user benchmark).

:func:`running_cluster` runs Debian's ``initdb`` into a fresh temporary folder,
starts ``postgres`` on a free port of 127.0.0.1 (its socket in the same folder) and
stops it and removes the folder when the block ends, however it ends (an ``atexit``
hook covers a process that dies first). initdb refuses to run as root, so as root
the cluster belongs to the ``postgres`` system user (``runuser``); as anyone else it
is that user's. Authentication is ``trust`` for the cluster's superuser
``gridplanner`` on the loopback interface; :meth:`PgCluster.add_password_user` adds a
user that must give a password (for the credential tests).

Where the PostgreSQL binaries are missing, :func:`require_binaries` skips the test —
or fails it with a clear message when ``CI=1`` or ``GRIDPLANNER_REQUIRE_PG=1`` is set
(``.ci/test`` sets it), so CI never passes by skipping.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

SUPERUSER = "gridplanner"
TEMPLATE = "gridplanner_template"
#: Debian installs one folder per major version; the newest wins.
BIN_GLOB = "/usr/lib/postgresql/*/bin"


class ClusterError(RuntimeError):
    """The throwaway cluster could not be started (the log's tail is in the message)."""


def find_bindir() -> Path | None:
    """Where ``initdb``, ``pg_ctl`` and ``postgres`` are: $PG_BINDIR, Debian's
    /usr/lib/postgresql/N/bin (newest), or the PATH."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob(BIN_GLOB), key=_major, reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def postgis_available(bindir: Path) -> bool:
    """True when the PostGIS extension is installed for this server version."""
    version = bindir.parent.name
    return bool(glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"))


def require_binaries() -> Path:
    """The binaries' folder; skips the calling test without them — or fails it when CI
    (``CI=1`` or ``GRIDPLANNER_REQUIRE_PG=1``) requires PostgreSQL."""
    import pytest

    bindir = find_bindir()
    problem = None
    if bindir is None:
        problem = "PostgreSQL server binaries (initdb, pg_ctl) not found"
    elif not postgis_available(bindir):
        problem = f"PostGIS is not installed for PostgreSQL in {bindir}"
    if problem is None:
        assert bindir is not None
        return bindir
    hint = "install postgresql-15 and postgresql-15-postgis-3 (bash .ci/setup does, as root)"
    if _required():
        pytest.fail(f"{problem}: {hint}; CI requires these tests to run", pytrace=False)
    pytest.skip(f"{problem}: {hint}")
    raise AssertionError("unreachable")


def _required() -> bool:
    return any(os.environ.get(v, "") not in ("", "0") for v in ("CI", "GRIDPLANNER_REQUIRE_PG"))


def _major(folder: str) -> float:
    try:
        return float(Path(folder).parent.name)
    except ValueError:
        return 0.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """A running throwaway cluster; :meth:`stop` ends it and removes its folder."""

    def __init__(self, bindir: Path, folder: Path, port: int, as_user: str | None) -> None:
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.as_user = as_user
        self.running = False

    # -- addresses -----------------------------------------------------------------
    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """A ``postgresql://`` URL for ``database`` on this cluster."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "gp", postgis: bool = True) -> str:
        """A fresh, empty database (PostGIS ready unless ``postgis`` is False); its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        template = TEMPLATE if postgis else "template0"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE {template}')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def add_password_user(self, name: str, password: str) -> None:
        """A login role that must give ``password`` over TCP (scram-sha-256)."""
        self.sql(f"CREATE ROLE \"{name}\" LOGIN SUPERUSER PASSWORD '{password}'")
        hba = self.data / "pg_hba.conf"  # written in place: its owner stays the server's
        rules = hba.read_text()
        hba.write_text(f"host all {name} 127.0.0.1/32 scram-sha-256\n{rules}")
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "reload", "-s"])
        time.sleep(0.3)  # the postmaster re-reads pg_hba.conf asynchronously

    # -- life cycle ------------------------------------------------------------------
    def start(self, durable: bool = False) -> None:
        """initdb, then start the server and make the PostGIS template database."""
        self._run(
            [str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        )  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        if not durable:  # a test cluster: speed over crash safety of the server itself
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        log = self.folder / "server.log"
        try:
            self._run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w",
                 "-t", "60", "-o", options, "start"]
            )  # fmt: skip
        except ClusterError as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ClusterError(f"{exc}\n{tail}") from None
        self.running = True
        self.sql(f"CREATE DATABASE {TEMPLATE}")
        self.sql("CREATE EXTENSION postgis", database=TEMPLATE)

    def stop(self) -> None:
        """Stop the server (immediately: it holds nothing worth keeping) and remove it."""
        if self.running:
            with contextlib.suppress(ClusterError):
                self._run(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                     "-w", "stop"]
                )  # fmt: skip
            self.running = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, command: list[str]) -> None:
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise ClusterError(
                f"{' '.join(command)} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-1500:]}"
            )


def start_cluster(bindir: Path | None = None, durable: bool = False) -> PgCluster:
    """Start a throwaway cluster (see the module docstring); call ``stop()`` when done."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise ClusterError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_user = "postgres" if os.geteuid() == 0 else None
    last: Exception | None = None
    for _ in range(3):  # a free port can be taken between choosing it and binding it
        folder = Path(tempfile.mkdtemp(prefix="gridplanner-pg-"))
        if as_user:
            shutil.chown(folder, as_user, as_user)
        cluster = PgCluster(bindir, folder, free_port(), as_user)
        atexit.register(cluster.stop)
        try:
            cluster.start(durable)
            return cluster
        except ClusterError as exc:
            last = exc
            cluster.stop()
    raise ClusterError(f"could not start a throwaway PostgreSQL cluster: {last}")


@contextlib.contextmanager
def running_cluster(durable: bool = False) -> Iterator[PgCluster]:
    """A cluster for the ``with`` block, stopped at the end even on failure."""
    cluster = start_cluster(durable=durable)
    try:
        yield cluster
    finally:
        cluster.stop()
