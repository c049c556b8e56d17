"""HTTP Basic authentication (over TLS only) against central's accounts."""

from __future__ import annotations

from flask import g, request

from central.review import Account, authenticate
from central.web import central


def current_account() -> Account | None:
    if "account" not in g:
        auth = request.authorization
        account = None
        if auth is not None and auth.type == "basic" and auth.username and auth.password:
            with central("db").transaction() as tx:
                account = authenticate(tx, auth.username, auth.password)
        g.account = account
    return g.account
