"""The API's outer wall, as plain ASGI so that it acts before any byte of a body is read.

In order: the bearer token (401 before the body: an anonymous client cannot make us store 300 MB),
the declared size (413 before reading), the body counted while it streams (413 as soon as it passes
the limit, with or without Content-Length) and bounded in time (408 for a client that trickles it),
and a last-resort 500 for a bug that keeps the connection usable and prints no traceback (uvicorn
closes a keep-alive connection when an exception escapes the app). One log line per request:
method, route, status, time, size, error code — never a file name, a value or the token.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from ..errors import AuthenticationError, BodyTimeoutError, InputTooLargeError, InternalError, SocratextError
from ..settings import Settings

log = logging.getLogger("socratext.api")
DOC_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")
PUBLIC_PATHS = ("/health",)


class BodyRefused(Exception):
    """Raised into the app's receive call once the body is refused; the app's answer is dropped."""


def token_matches(header: str, token: str) -> bool:
    """Constant-time comparison of 'Bearer <token>', on bytes: a non-ASCII header is just wrong."""
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "replace"),
                                                              token.encode("utf-8"))


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. unsupported_input, busy, unauthorized.")
    message: str
    hint: str = ""


class ErrorBody(BaseModel):
    """The one shape of every error answer, from the guard and from the routes alike."""

    error: ErrorDetail


def error_body(error: SocratextError) -> ErrorBody:
    return ErrorBody(error=ErrorDetail(code=error.code, message=error.message, hint=error.hint))


async def send_error(send: Callable, error: SocratextError, headers: dict[str, str] | None = None) -> None:
    body = error_body(error).model_dump_json().encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    if error.http_status in (408, 413):
        raw_headers.append((b"connection", b"close"))  # the rest of the body is never read
    await send({"type": "http.response.start", "status": error.http_status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    def __init__(self, app, settings: Settings, body_limit: Callable[[str], int]):
        self.app = app
        self.settings = settings
        self.body_limit = body_limit

    def _needs_token(self, path: str) -> bool:
        if not self.settings.api_token or path in PUBLIC_PATHS:
            return False
        return not (path in DOC_PATHS and self.settings.api_public_docs)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        length = headers.get("content-length")
        outcome = {"status": 500, "code": None, "started": False, "refused": None}

        async def reply(error: SocratextError, extra: dict[str, str] | None = None) -> None:
            outcome.update(status=error.http_status, code=error.code, started=True)
            await send_error(send, error, extra)

        limit = self.body_limit(scope["path"])
        if self._needs_token(scope["path"]) and not token_matches(headers.get("authorization", ""),
                                                                 self.settings.api_token or ""):
            await reply(AuthenticationError("missing or wrong bearer token"))
        elif length is not None and (not length.isdigit() or int(length) > limit):
            await reply(InputTooLargeError(f"request body over the limit of {limit / 2**20:.0f} MB",
                                           hint="send a smaller file, or raise SOCRATEXT_API_MAX_UPLOAD_MB"))
        else:
            await self._guarded(scope, receive, send, limit, outcome, reply)
        route = getattr(scope.get("route"), "path", "-")
        code = outcome["code"] or scope.get("state", {}).get("error_code")
        log.info("%s %s %d %.0f ms %s bytes%s", scope["method"], route, outcome["status"],
                 (time.perf_counter() - start) * 1000, length or "-", f" {code}" if code else "")

    async def _guarded(self, scope, receive, send, limit: int, outcome: dict, reply) -> None:
        deadline = time.monotonic() + self.settings.api_body_timeout_s
        state = {"received": 0, "complete": False}

        async def guarded_receive():
            if state["complete"]:
                return await receive()  # after the body: disconnect notices, no deadline
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                outcome["refused"] = BodyTimeoutError(
                    f"the request body did not arrive within {self.settings.api_body_timeout_s:g} s")
                raise BodyRefused from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                state["complete"] = not message.get("more_body", False)
                if state["received"] > limit:
                    outcome["refused"] = InputTooLargeError(
                        f"request body over the limit of {limit / 2**20:.0f} MB",
                        hint="send a smaller file, or raise SOCRATEXT_API_MAX_UPLOAD_MB")
                    raise BodyRefused
            return message

        async def guarded_send(message):
            if outcome["refused"] is not None and not outcome["started"]:
                return  # the app answered its own parse error: ours replaces it
            if message["type"] == "http.response.start":
                outcome.update(status=message["status"], started=True)
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except BodyRefused:
            pass
        except Exception as error:  # noqa: BLE001 — a bug: answered once, the connection kept, no traceback
            log.error("internal error %s on %s", type(error).__name__, scope["path"])
            if not outcome["started"]:
                await reply(InternalError("internal error"))
            return
        if outcome["refused"] is not None and not outcome["started"]:
            await reply(outcome["refused"])
