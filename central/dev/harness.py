"""A real central for tests and the benchmark: keys, a development CA, ``python -m central serve`` (gunicorn with
TLS) on a free loopback port, and a device client speaking mutual TLS."""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from central import devices, keystore
from central.db import Database
from central.dev.pki import DevCA, IssuedDevice

REPO_ROOT = Path(__file__).resolve().parents[2]  # so the server imports this checkout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class CentralHarness:
    data_dir: Path
    database_url: str
    ca: DevCA
    keys: keystore.CentralKeys
    port: int = 0
    proc: subprocess.Popen | None = None
    issued: dict[str, IssuedDevice] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        return Database(self.database_url)

    def enroll(self, device_id: str, office_id: str = "JDE-09-05") -> IssuedDevice:
        dev = self.ca.issue_device(device_id, self.data_dir / "devices")
        with self.db.transaction() as tx:
            devices.register(tx, device_id=device_id, office_id=office_id, cert_pem=dev.cert_pem,
                             signing_public_key=dev.public_raw)
        self.issued[device_id] = dev
        return dev

    def start(self, workers: int = 1) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        log = open(self.data_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "central", "serve", "--data-dir", str(self.data_dir), "--database-url",
             self.database_url, "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("central exited: " + (self.data_dir / "server.log").read_text()[-2000:])
            try:
                status, _ = self.request("GET", "/v1/health")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("central did not answer within 30 s: "
                           + (self.data_dir / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def context(self, device: IssuedDevice | None = None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.data_dir / "ca" / "ca.pem"))
        if device is not None:
            ctx.load_cert_chain(str(device.cert_path), str(device.key_path))
        return ctx

    def request(self, method: str, path: str, body: bytes | None = None, *, device: IssuedDevice | None = None,
                headers: dict[str, str] | None = None, ctx: ssl.SSLContext | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx or self.context(device), timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def upload(self, device: IssuedDevice, items: list[tuple[str, bytes]],
               ctx: ssl.SSLContext | None = None) -> tuple[int, Any]:
        status, data = self.request("POST", "/v1/records", upload_body(items), device=device, ctx=ctx,
                                    headers={"Content-Type": "application/json"})
        return status, json.loads(data)


def upload_body(items: list[tuple[str, bytes]]) -> bytes:
    """The JSON body of ``POST /v1/records`` for (record_id, envelope) pairs."""
    return json.dumps({"records": [{"record_id": rid, "envelope": base64.b64encode(env).decode()}
                                   for rid, env in items]}).encode()


def make_harness(tmp_path: Path, database_url: str) -> CentralHarness:
    data_dir = tmp_path / "central"
    data_dir.mkdir(parents=True)
    ca = DevCA.create()
    ca.write_server_files(data_dir)
    keys = keystore.create(data_dir / "keys")
    Database(database_url).migrate()
    return CentralHarness(data_dir, database_url, ca, keys)
