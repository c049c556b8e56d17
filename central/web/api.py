"""Device API: idempotent batch upload of sealed envelopes, answered with a signed receipt per record."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flask import Blueprint, Response, jsonify, request

from central import audit, devices
from central.errors import RejectedUpload
from central.web import CLIENT_CERT_ENVIRON, central

bp = Blueprint("api", __name__)


def _reject(exc: RejectedUpload, *, actor: str, remote: str) -> Any:
    with central("db").transaction() as tx:
        audit.record_event(tx, actor=actor, action="ingest.refused", detail={"code": exc.code, "remote": remote})
    return jsonify(error={"code": exc.code, "message": str(exc)}), exc.http_status


@bp.post("/v1/records")
def upload_records() -> Any:
    """Body ``{"records": [{"record_id", "envelope": base64}]}``; see openapi.json."""
    remote = request.remote_addr or ""
    cert_der = request.environ.get(CLIENT_CERT_ENVIRON)
    try:
        with central("db").transaction() as tx:
            device = devices.for_certificate(tx, cert_der)
    except RejectedUpload as exc:
        fp = devices.certificate_fingerprint(cert_der)[:16] if cert_der else "none"
        return _reject(exc, actor=f"cert:{fp}", remote=remote)
    actor = f"device:{device.device_id}"
    if not request.is_json:
        return _reject(RejectedUpload("batch_malformed", "send application/json"), actor=actor, remote=remote)
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError):
        return _reject(RejectedUpload("batch_malformed", "body is not valid JSON"), actor=actor, remote=remote)
    if not isinstance(body, dict) or set(body) != {"records"}:
        return _reject(RejectedUpload("batch_malformed", 'body must be {"records": [...]} and nothing else'),
                       actor=actor, remote=remote)
    try:
        results = central("ingestor").ingest(device, body["records"], remote=remote)
    except RejectedUpload as exc:
        return _reject(exc, actor=actor, remote=remote)
    return jsonify(results=[r.to_json() for r in results],
                   receipt_key_id=central("keys").receipt.key_id), 200


@bp.get("/v1/health")
def health() -> Any:
    with central("db").transaction() as tx:
        version = tx.scalar("SELECT MAX(version) FROM schema_migrations")
    return jsonify(status="ok", schema_version=version)


@bp.get("/v1/openapi.json")
def openapi() -> Response:
    text = resources.files("central").joinpath("openapi.json").read_text(encoding="utf-8")
    return Response(text, mimetype="application/json")
