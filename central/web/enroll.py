"""``POST /v1/enroll``: a device redeems its enrollment token (server-side TLS only: it has no certificate yet).

Mount with ``app.register_blueprint(enroll.bp)`` and put a :class:`central.enrollment.Enrollment` in
``app.extensions["central"]["enrollment"]``. Answers the bundle (200) or ``{"error": {"code", "message"}}``
with 400 (malformed request or CSR) or 403 (unknown, used or expired token).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from central.ca import EnrollmentError

bp = Blueprint("enroll", __name__)
MAX_ENROLL_BYTES = 64 << 10


@bp.post("/v1/enroll")
def enroll() -> Any:
    enrollment = current_app.extensions["central"]["enrollment"]
    if (request.content_length or 0) > MAX_ENROLL_BYTES:
        return jsonify(error={"code": "request_too_large", "message": "an enrollment request is a few KB"}), 413
    body = request.get_json(silent=True)
    try:
        bundle = enrollment.enroll(body)
    except EnrollmentError as exc:
        return jsonify(error={"code": exc.code, "message": str(exc)}), exc.http_status
    return jsonify(bundle.to_json())
