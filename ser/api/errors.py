"""Every error as JSON ``{"error": {"code", "message"}}``: the codes and one-line messages of ``ser.errors``.

What a client sent wrong is a 4xx; only the server's own trouble (a damaged model folder, a bug) is
a 5xx, and that too is one line, never a traceback.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ser.errors import AudioError, ConfigError, NotAudioError, SerError, TooLargeError

# Most specific first: the first class an error is an instance of gives its status.
STATUS: tuple[tuple[type[SerError] | str, int], ...] = (
    (TooLargeError, 413),
    (NotAudioError, 415),
    (AudioError, 422),  # empty, too short, too long, silent, corrupt, non-finite: audio that cannot be used
    ("unexpected", 422),  # an input nobody foresaw (its file's problem, as in `ser predict`)
    ("unknown_model", 400),
    ("bad_request", 400),
    ("unauthorized", 401),
    ("busy", 503),
    (ConfigError, 500),
)


class Unauthorized(SerError):
    code = "unauthorized"


def status_of(error: SerError) -> int:
    for kind, status in STATUS:
        if (isinstance(kind, str) and error.code == kind) or (isinstance(kind, type) and isinstance(error, kind)):
            return status
    return 500  # a model folder that cannot be loaded, or another problem of the server's own


def body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def error_response(error: SerError) -> JSONResponse:
    headers = {"Retry-After": "1"} if error.code == "busy" else None
    if error.code == "unauthorized":
        headers = {"WWW-Authenticate": "Bearer"}
    return JSONResponse(body(error.code, error.message), status_code=status_of(error), headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for item in exc.errors()[:3]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "body", "path", "header"))
        problems.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(problems) + "."


HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 401: "unauthorized", 413: "too_large"}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON error body."""

    @app.exception_handler(SerError)
    async def ser_error(request: Request, exc: SerError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(body("bad_request", _validation_message(exc)), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = {404: f"There is no {request.url.path} here; see /docs for the API.",
                   405: f"{request.method} is not allowed on {request.url.path}; see /docs."}.get(exc.status_code, str(exc.detail))
        return JSONResponse(body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))


class CatchAll:
    """Outermost ASGI middleware: a bug of ours becomes a one-line 500 JSON answer and one line on stderr;
    the exception goes no further (no traceback in the server log or the response), and the server goes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:  # noqa: BLE001 - the point of this middleware
            message = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            print(f"ser serve: internal error on {scope.get('method')} {scope.get('path')} ({message})", file=sys.stderr, flush=True)
            if not started:
                response = JSONResponse(body("internal", f"Internal server error ({type(exc).__name__}); the server keeps running."),
                                        status_code=500)
                await response(scope, receive, send)

