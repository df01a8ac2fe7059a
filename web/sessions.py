"""Server-side sessions in Redis: the browser holds only an opaque random id, never a token.

The cookie carries 256 random bits; Redis stores the session under the SHA-256 of that id, so
a copy of the store does not give anyone a usable cookie. A session unused for the idle time
expires by itself (Redis TTL, renewed as the session is read on every request).

A session is a Redis hash, one JSON field per key, and a request writes back only the fields it
changed: two requests of one browser at once (a page and its preview) cannot undo each other,
such as one putting back the tokens the other has just refreshed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets

import redis
from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

log = logging.getLogger(__name__)

COOKIE_NAME = "portal_session"
COOKIE_PATH = "/portal"
_SID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)


class ServerSession(CallbackDict, SessionMixin):
    """The session's data; `rotate()` gives it a new id when it is next saved."""

    def __init__(
        self, data: dict | None = None, sid: str | None = None, stored: dict | None = None
    ) -> None:
        def on_update(session: ServerSession) -> None:
            session.modified = True
            session.accessed = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.new = sid is None
        self.modified = False
        self.accessed = False
        self.rotated_from: str | None = None
        # Each field as it was read (JSON), to write back only what this request changed.
        self.stored: dict[str, str] = stored or {}
        # The store could not be read: the request is answered "try again" and nothing is saved.
        self.unavailable = False

    def rotate(self) -> None:
        """Forget the current id (sign-in, sign-out): a fixed or stolen id stops working."""
        if self.sid is not None and self.rotated_from is None:
            self.rotated_from = self.sid
        self.sid = None
        self.modified = True


class RedisSessionInterface(SessionInterface):
    def __init__(self, client: redis.Redis, prefix: str, idle_seconds: int) -> None:
        self.redis = client
        self.prefix = prefix
        self.idle_seconds = idle_seconds

    def _key(self, sid: str) -> str:
        return self.prefix + hashlib.sha256(sid.encode()).hexdigest()

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(app.static_url_path + "/"):
            return ServerSession()  # static files need no session: no Redis round trip
        sid = request.cookies.get(COOKIE_NAME, "")
        if not _SID.match(sid):
            return ServerSession()
        try:
            # One round trip reads the session and renews its idle time.
            key = self._key(sid)
            reading = self.redis.pipeline(transaction=False)
            reading.hgetall(key)
            reading.expire(key, self.idle_seconds)
            fields, _ = reading.execute()
        except redis.RedisError as error:
            log.warning("session store unreachable: %s", error)
            session = ServerSession()
            session.unavailable = True
            return session
        if not fields:
            return ServerSession()
        stored = {name.decode(): value.decode() for name, value in fields.items()}
        return ServerSession({k: json.loads(v) for k, v in stored.items()}, sid, stored)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.accessed:
            response.vary.add("Cookie")
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except redis.RedisError:
            # Flask answers the error page next and saves again: not a second time.
            session.unavailable = True
            raise

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.rotated_from is not None:
            self.redis.delete(self._key(session.rotated_from))
        if not session:
            if session.sid is not None:
                self.redis.delete(self._key(session.sid))
            if session.sid is not None or session.rotated_from is not None:
                response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
            return
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            session.stored = {}  # a new id starts an empty hash: every field is written
            self._write(session)
            self._set_cookie(app, session.sid, response)
        elif session.modified:
            self._write(session)

    def _write(self, session: ServerSession) -> None:
        encoded = {name: json.dumps(value) for name, value in session.items()}
        changed = {k: v for k, v in encoded.items() if session.stored.get(k) != v}
        removed = [name for name in session.stored if name not in encoded]
        key = self._key(session.sid)
        writing = self.redis.pipeline()  # MULTI: the fields and the TTL together
        if changed:
            writing.hset(key, mapping=changed)
        if removed:
            writing.hdel(key, *removed)
        writing.expire(key, self.idle_seconds)
        writing.execute()

    def _set_cookie(self, app: Flask, sid: str, response: Response) -> None:
        response.set_cookie(
            COOKIE_NAME,
            sid,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure or app.config["COOKIE_SECURE"],
        )


def install(app: Flask) -> None:
    client = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
    )
    app.extensions["web.redis"] = client
    app.session_interface = RedisSessionInterface(
        client, app.config["SESSION_PREFIX"], app.config["SESSION_IDLE_SECONDS"]
    )
