"""Central's HTTP face: a Flask app factory and one blueprint per concern.

* ``api``      — device ingest over mutual TLS (``/v1/records``), health, the OpenAPI description;
* ``public``   — the citizen's receipt check (no login; says only "arrived" and "counted");
* ``reports``  — progress per process and aspirant (HTML with charts, JSON, CSV);
* ``review``   — the mesa de control (reviewer role) and the garantía de audiencia (aspirant accounts).

The TLS layer (gunicorn, see :mod:`central.serve`) puts the client certificate, when one was presented and
chains to central's CA, in ``environ["apoyo.client_cert_der"]``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from central.blobstore import FilesystemBlobStore
from central.config import CentralConfig
from central.db import Database
from central.errors import CentralError
from central.ingest import Ingestor
from central.keystore import CentralKeys

CLIENT_CERT_ENVIRON = "apoyo.client_cert_der"


def create_app(config: CentralConfig, *, keys: CentralKeys | None = None, db: Database | None = None) -> Flask:
    from central import keystore
    from central.web import api, public, reports, review

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    keys = keys if keys is not None else keystore.load(config.key_dir)
    db = db if db is not None else Database(config.database)
    blobs = FilesystemBlobStore(config.blob_dir)
    app.extensions["central"] = {
        "config": config, "db": db, "keys": keys, "blobs": blobs,
        "ingestor": Ingestor(db, blobs, keys.receipt, max_envelope_bytes=config.max_envelope_bytes),
    }
    app.register_blueprint(api.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(review.bp)

    @app.errorhandler(CentralError)
    def _central_error(exc: CentralError) -> Any:
        return jsonify(error={"code": exc.code, "message": str(exc)}), exc.http_status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            return jsonify(error={"code": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code
        app.logger.exception("unexpected error")  # the traceback, never the request body
        return jsonify(error={"code": "internal_error", "message": "central could not process this request; "
                              "it is logged, and nothing of it was acknowledged"}), 500

    @app.errorhandler(413)
    def _too_large(_exc: Any) -> Any:
        return jsonify(error={"code": "request_too_large",
                              "message": f"request body larger than {config.max_request_bytes} bytes"}), 413

    @app.errorhandler(404)
    def _not_found(_exc: Any) -> Any:
        return jsonify(error={"code": "not_found", "message": "no such endpoint"}), 404

    @app.errorhandler(405)
    def _method(_exc: Any) -> Any:
        return jsonify(error={"code": "method_not_allowed", "message": "method not allowed here"}), 405

    return app


def central(key: str) -> Any:
    from flask import current_app

    return current_app.extensions["central"][key]
