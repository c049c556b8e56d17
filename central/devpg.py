"""A throwaway PostgreSQL server for tests, the benchmark and ``make central``: never for production.

``initdb`` into a temporary directory, ``postgres`` listening only on a unix socket inside it, stopped and deleted
on :meth:`ThrowawayPostgres.stop`. PostgreSQL refuses to run as root (and CI runs as root), so when we are root the
server runs as the unprivileged ``postgres`` system user that Debian's package creates. The binaries come from
Debian's ``postgresql`` package (the Makefile installs it); ``pg_config --bindir`` or ``/usr/lib/postgresql/N/bin``
finds them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from central.errors import StorageError

SERVICE_USER = "postgres"


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``; raises StorageError naming the package if absent."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.insert(0, out)
    for cand in candidates:
        if os.access(os.path.join(cand, "initdb"), os.X_OK):
            return Path(cand)
    raise StorageError("PostgreSQL server binaries not found: install Debian's 'postgresql' package "
                       "(make setup does it when run as root)")


class ThrowawayPostgres:
    """``with ThrowawayPostgres() as pg: Database(pg.url)``. ``durable=False`` turns fsync off (tests only)."""

    def __init__(self, *, durable: bool = True, extra_settings: dict[str, str] | None = None) -> None:
        self.bindir = find_bindir()
        self.durable = durable
        self.extra_settings = dict(extra_settings or {})
        self.root = Path(tempfile.mkdtemp(prefix="apoyo-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self._run_as: pwd.struct_passwd | None = None
        self._started = False

    @property
    def url(self) -> str:
        return f"postgresql://apoyo@/apoyo?host={self.socket_dir}&port=5432"

    def _run(self, args: list[str]) -> None:
        kwargs = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}
        proc = subprocess.run(args, capture_output=True, text=True, check=False, cwd=self.root,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8",
                                   "HOME": str(self.root)}, **kwargs)
        if proc.returncode != 0:
            raise StorageError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")

    def start(self) -> ThrowawayPostgres:
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam(SERVICE_USER)
            except KeyError as exc:
                raise StorageError("running as root needs the unprivileged 'postgres' user "
                                   "(Debian's postgresql package creates it)") from exc
            os.chown(self.root, self._run_as.pw_uid, self._run_as.pw_gid)
        self._run([str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", "apoyo", "--auth=trust",
                   "-E", "UTF8", "--locale=C.UTF-8"] + ([] if self.durable else ["--no-sync"]))
        self.socket_dir.mkdir()
        if self._run_as is not None:
            os.chown(self.socket_dir, self._run_as.pw_uid, self._run_as.pw_gid)
        settings = {"listen_addresses": "''", "unix_socket_directories": f"'{self.socket_dir}'",
                    "max_connections": "50", "shared_buffers": "128MB"}
        if not self.durable:
            settings.update({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
        settings.update(self.extra_settings)
        with open(self.data_dir / "postgresql.auto.conf", "a", encoding="utf-8") as fh:
            for key, value in settings.items():
                fh.write(f"{key} = {value}\n")
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.root / "server.log"),
                   "-w", "-t", "60", "start"])
        self._started = True
        self._run([str(self.bindir / "createdb"), "-h", str(self.socket_dir), "-U", "apoyo", "apoyo"])
        return self

    def stop(self) -> None:
        if self._started:
            self._started = False
            with contextlib.suppress(StorageError):  # already gone: nothing left to stop
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)

    def reset(self) -> None:
        """Drop and recreate the database (a clean schema for the next test)."""
        self._run([str(self.bindir / "dropdb"), "-h", str(self.socket_dir), "-U", "apoyo", "--force", "apoyo"])
        self._run([str(self.bindir / "createdb"), "-h", str(self.socket_dir), "-U", "apoyo", "apoyo"])

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
