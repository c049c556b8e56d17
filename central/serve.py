"""``python -m central serve``: the web app under gunicorn with TLS, client certificates optional at the TLS
layer and required by the device API.

The public receipt page, the reports and the review desk are served on the same port, so TLS asks for a
certificate (``CERT_OPTIONAL``) but does not demand one; a certificate that is presented must chain to central's
CA or the handshake fails. gunicorn does not hand the client certificate to the WSGI app, so
:class:`MutualTLSWorker` reads it from the TLS socket and puts its DER bytes in ``environ``; the app then checks
it against the enrolled, non-revoked devices.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.sync import SyncWorker

from central.config import CentralConfig
from central.errors import ConfigError

_peer = threading.local()


class MutualTLSWorker(SyncWorker):
    """gunicorn's sync worker, plus the peer certificate of the connection being served."""

    def handle_request(self, listener: Any, req: Any, client: Any, addr: Any) -> Any:
        try:
            _peer.der = client.getpeercert(binary_form=True) if isinstance(client, ssl.SSLSocket) else None
        except ValueError:  # handshake not done
            _peer.der = None
        try:
            return super().handle_request(listener, req, client, addr)
        finally:
            _peer.der = None


class _PeerCertMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        from central.web import CLIENT_CERT_ENVIRON

        environ[CLIENT_CERT_ENVIRON] = getattr(_peer, "der", None)
        return self.app(environ, start_response)


class CentralApplication(BaseApplication):
    def __init__(self, config: CentralConfig, options: dict[str, Any]) -> None:
        self.central_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from central.web import create_app

        return _PeerCertMiddleware(create_app(self.central_config))


def gunicorn_options(config: CentralConfig, *, workers: int | None = None) -> dict[str, Any]:
    for path in (config.tls_cert_path, config.tls_key_path, config.ca_cert_path):
        if not path.is_file():
            raise ConfigError(f"{path} is missing (make central creates a development set)")
    return {
        "bind": config.bind,
        "workers": workers or config.workers,
        "worker_class": "central.serve.MutualTLSWorker",
        "certfile": str(config.tls_cert_path),
        "keyfile": str(config.tls_key_path),
        "ca_certs": str(config.ca_cert_path),
        "cert_reqs": ssl.CERT_OPTIONAL,
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": "-",
        # the access log never shows query strings: a folio in /recibo?folio=… is the citizen's business
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "limit_request_field_size": 16384,
    }


def serve(config: CentralConfig, *, workers: int | None = None) -> None:
    """Migrate the database, then run gunicorn in the foreground until SIGTERM/SIGINT."""
    from central.db import Database

    Database(config.database).migrate()
    CentralApplication(config, gunicorn_options(config, workers=workers)).run()
