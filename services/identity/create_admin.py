"""`python -m services.identity.create_admin`: the first staff admin, from PORTAL_ADMIN_EMAIL
and PORTAL_ADMIN_PASSWORD (idempotent: an existing user is left as it is)."""

from __future__ import annotations

import os
import sys

import marshmallow as ma

from services.common.problems import ProblemError

from . import create_app, schemas
from .users import ensure_admin

# The same rules as an invitation's password; variable names so that errors say what to fix.
ADMIN_SETTINGS = ma.Schema.from_dict(
    {
        "PORTAL_ADMIN_EMAIL": schemas.email(required=True),
        "PORTAL_ADMIN_PASSWORD": schemas.password(min_len=10),
    }
)()


def main() -> int:
    raw = {name: os.environ.get(name) for name in ADMIN_SETTINGS.fields}
    missing = [name for name, value in raw.items() if not value]
    if missing:
        print(
            f"create_admin: set {' and '.join(missing)} in the environment: the first admin's "
            "e-mail address and password (at least 10 characters).",
            file=sys.stderr,
        )
        return 2
    try:
        settings = ADMIN_SETTINGS.load(raw)
    except ma.ValidationError as exc:
        for name, messages in exc.messages.items():
            print(f"create_admin: {name}: {' '.join(messages)}", file=sys.stderr)
        return 2
    email = settings["PORTAL_ADMIN_EMAIL"]
    with create_app().app_context():
        name = os.environ.get("PORTAL_ADMIN_NAME") or "Administrator"
        try:
            created = ensure_admin(email, settings["PORTAL_ADMIN_PASSWORD"], name)
        except ProblemError as exc:
            reasons = " ".join((exc.errors or {}).get("password", [exc.detail]))
            print(f"create_admin: PORTAL_ADMIN_PASSWORD: {reasons}", file=sys.stderr)
            return 2
    if created:
        print(f"create_admin: created the admin {email}")
    else:
        print(f"create_admin: a user with the e-mail {email} already exists; nothing changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
