"""The ``ser serve`` application: ``create_app(ServeSettings(...))`` → a FastAPI (ASGI) app.

Routes: ``POST /v1/analyze``, ``POST /v1/analyze/batch``, ``GET /v1/models``, ``GET /healthz``,
and the OpenAPI docs at ``/docs`` (Swagger UI served from the installed fastapi-offline package,
so the page needs no network). Every answer is JSON; every error is ``{"error": {"code", "message"}}``
(``ser.api.errors``).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Security
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles

from ser import __version__
from ser.api import errors, schemas
from ser.api.catalog import installed_models
from ser.api.service import READY, AnalysisService
from ser.api.settings import ServeSettings
from ser.api.uploads import BadRequestError, UploadLimit, read_files
from ser.errors import SerError

DOCS_STATIC = "/docs-static"
# Module level: the routes' annotations are strings (postponed evaluation), resolved in this module's globals.
KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="needed when the server has an API key")
AUDIO_TYPES = "audio/wav, audio/flac, audio/ogg, audio/mpeg, audio/mp4, audio/webm, application/octet-stream, …"

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorBody, "description": text}
    for status, text in {
        400: "bad request (unknown model, malformed body, bad query)",
        401: "missing or wrong API key (only when the server has one)",
        413: "upload larger than the server accepts",
        415: "not audio in any format ser decodes",
        422: "audio that cannot be used: empty, too short, too long, silent, corrupt",
        503: "busy: every analysis thread and the queue are taken",
    }.items()
}


def _upload_body(many: bool) -> dict[str, Any]:
    """The request body as OpenAPI describes it (the route reads it itself, in memory)."""
    field = "files" if many else "file"
    file_schema = {"type": "string", "format": "binary"}
    multipart = {"type": "object", "required": [field],
                 "properties": {field: {"type": "array", "items": file_schema} if many else file_schema}}
    content: dict[str, Any] = {"multipart/form-data": {"schema": multipart}}
    if not many:
        content["application/octet-stream"] = {"schema": file_schema}
    return {"requestBody": {"required": True, "content": content}}


def create_app(settings: ServeSettings | None = None, *, service: AnalysisService | None = None) -> FastAPI:
    """The API for ``settings`` (default ``ServeSettings()``). ``service`` replaces the analysis
    service (tests); by default one is made and starts loading the default model at start-up."""
    settings = settings or ServeSettings()
    service = service or AnalysisService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if service.state != READY:
            service.start()
        yield
        service.close()

    app = FastAPI(
        title="ser: speech emotion recognition",
        version=__version__,
        description="Upload audio, get its emotion probabilities, quality report, timeline and transcript as JSON. "
                    "The same analysis as the dashboard and `ser predict --json`. All processing is local and in memory.",
        docs_url=None, redoc_url=None, lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.add_middleware(UploadLimit, limit_bytes=settings.max_upload_bytes)
    app.add_middleware(errors.CatchAll)  # added last: the outermost, around the upload limit too
    errors.install(app)
    _docs(app)

    def require_key(request: Request, key: Annotated[str | None, Security(KEY_HEADER)] = None) -> None:
        if settings.api_key is None:
            return
        bearer = request.headers.get("authorization", "")
        given = key or (bearer[7:].strip() if bearer.lower().startswith("bearer ") else "")
        if not given or not hmac.compare_digest(given.encode(), settings.api_key.encode()):
            raise errors.Unauthorized("This server needs an API key: send it in the X-API-Key header (or Authorization: Bearer).")

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_key)] if settings.api_key else [])

    @v1.post("/analyze", response_model=schemas.Analysis, responses=_ERRORS, openapi_extra=_upload_body(False),
             summary="Analyse one audio file")
    async def analyze(
        request: Request,
        model: Annotated[str | None, Query(description="an installed model's name (GET /v1/models); default: the server's")] = None,
        transcribe: Annotated[bool, Query(description="add the transcript (Whisper, offline) and each segment's words")] = False,
        timeline: Annotated[bool, Query(description="audio longer than 8 s: classify its speech segments and weight them by length, "
                                                    "as the Analyze page does")] = True,
        filename: Annotated[str | None, Query(description="the name to use for a raw-body upload")] = None,
    ) -> JSONResponse:
        """The file as a multipart field `file`, or as the raw request body (any audio format ser decodes:
        WAV, FLAC, OGG/Opus, MP3, M4A/AAC, WebM, …). Answers the record `ser predict --json` prints."""
        files = await read_files(request.headers.get("content-type", ""), request.stream(), max_files=1,
                                 raw_name=filename or "upload", too_many="One file per request here; send several to /v1/analyze/batch.")
        name, data = files[0]
        prediction = await service.run(lambda: service.analyze(name, data, model=model, timeline=timeline, transcribe=transcribe))
        return JSONResponse(prediction.to_dict())

    @v1.post("/analyze/batch", response_model=schemas.BatchResult, responses=_ERRORS, openapi_extra=_upload_body(True),
             summary="Analyse several audio files")
    async def analyze_batch(
        request: Request,
        model: Annotated[str | None, Query(description="an installed model's name; default: the server's")] = None,
        transcribe: Annotated[bool, Query(description="add transcripts")] = False,
        timeline: Annotated[bool, Query(description="emotion timeline for audio longer than 8 s")] = True,
    ) -> JSONResponse:
        """Several files as multipart fields (any field name, e.g. `files`). Each gets its own record or its own
        error; one unusable file does not stop the others."""
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise BadRequestError("Send the files as multipart/form-data (e.g. curl -F files=@a.wav -F files=@b.mp3).")
        files = await read_files(request.headers["content-type"], request.stream(), max_files=settings.max_batch_files)
        outcomes = await service.run(lambda: service.analyze_many(files, model=model, timeline=timeline, transcribe=transcribe))
        results = [{"file": name, **errors.body(o.code, o.message)} if isinstance(o, SerError) else o.to_dict()
                   for (name, _), o in zip(files, outcomes, strict=True)]
        failed = sum(isinstance(o, SerError) for o in outcomes)
        return JSONResponse({"results": results, "analysed": len(results) - failed, "failed": failed})

    @v1.get("/models", response_model=schemas.Models, responses={401: _ERRORS[401]}, summary="Installed models and their figures")
    async def models() -> dict[str, Any]:
        """Every installed model with the speaker-independent figures stored when it was evaluated
        (fold means, one clip at a time; see the dashboard's Compare models page)."""
        return installed_models(service.default_name)

    app.include_router(v1)

    @app.get("/healthz", response_model=schemas.Health, responses={503: {"model": schemas.Health, "description": "not ready yet, or failed"}},
             summary="Ready once the default model is loaded")
    async def healthz() -> JSONResponse:
        error = None if service.error is None else {"code": service.error.code, "message": service.error.message}
        status = service.state
        payload = {"status": status, "model": service.default_name, "transcription": service.transcription, "error": error}
        return JSONResponse(payload, status_code=200 if status == READY else 503)

    return app


def _docs(app: FastAPI) -> None:
    """Swagger UI at /docs from local files (fastapi-offline ships them): no CDN, works offline."""
    import fastapi_offline

    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount(DOCS_STATIC, StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API docs",
                                   swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_STATIC}/favicon.png")


def app_from_env() -> FastAPI:
    """The app of each uvicorn worker process (``ser serve --workers N``): settings from the environment."""
    return create_app(ServeSettings.from_env())

