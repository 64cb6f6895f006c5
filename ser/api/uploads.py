"""Uploads, held in memory and bounded: the size limit (413) and the request body → named audio files.

``UploadLimit`` is an ASGI middleware: a request whose ``Content-Length`` is over the limit is
answered 413 before its body is read; one without (chunked) or with a wrong one is counted as it
streams and stopped at the limit. ``read_files`` turns the body into ``(name, bytes)`` pairs: each
file part of a ``multipart/form-data`` body, or the raw body itself (any other content type).
Nothing touches the disk (Starlette's own form parser spools files over 1 MB to temporary files,
so it is not used).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ser.errors import SerError, TooLargeError

MB = 1024 * 1024


class BadRequestError(SerError):
    """The request itself is malformed (not its audio)."""

    code = "bad_request"


def too_large(limit_bytes: int) -> TooLargeError:
    return TooLargeError(f"The upload is larger than this server accepts ({limit_bytes / MB:g} MB).")


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


class _Stop(Exception):
    """Raised inside ``receive`` when the body goes over the limit."""


class UploadLimit:
    """413 for request bodies over ``limit_bytes``: declared (before reading) or counted while streaming."""

    def __init__(self, app: ASGIApp, limit_bytes: int) -> None:
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.limit_bytes:
            await self._reject(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit_bytes:
                    raise _Stop
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _Stop:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        err = too_large(self.limit_bytes)
        body = error_body(err.code, err.message)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


@dataclass
class _Part:
    name: bytes = b""
    filename: str | None = None
    data: bytearray | None = None


async def read_files(content_type: str, stream: AsyncIterator[bytes], *, max_files: int, raw_name: str = "upload",
                     too_many: str | None = None) -> list[tuple[str, bytes]]:
    """The uploaded files as ``(name, bytes)``: the file parts of a multipart body (fields without a
    file name are ignored), else the whole body as one file called ``raw_name``."""
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data":  # any other type is the audio itself (`curl --data-binary` labels it a form)
        body = bytearray()
        async for chunk in stream:
            body += chunk
        return [(raw_name, bytes(body))]
    boundary = options.get(b"boundary")
    if not boundary:
        raise BadRequestError("The multipart body has no boundary in its Content-Type header.")
    files: list[tuple[str, bytes]] = []
    part = _Part()
    header_name = header_value = b""

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        nonlocal header_name
        header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        nonlocal header_value
        header_value += data[start:end]

    def on_header_end() -> None:
        nonlocal header_name, header_value
        if header_name.lower() == b"content-disposition":
            _, disposition = parse_options_header(header_value)
            part.name = disposition.get(b"name", b"")
            if b"filename" in disposition:
                part.filename = disposition[b"filename"].decode("utf-8", "replace") or "upload"
        header_name = header_value = b""

    def on_headers_finished() -> None:
        if part.filename is not None:
            if len(files) >= max_files:
                raise BadRequestError(too_many or f"Too many files in one request (at most {max_files}).")
            part.data = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.data is not None:  # plain form fields are not kept
            part.data += data[start:end]

    def on_part_end() -> None:
        if part.data is not None and part.filename is not None:
            files.append((part.filename, bytes(part.data)))

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise BadRequestError("The multipart body is malformed.") from None
    if not files:
        raise BadRequestError("No file in the request: send the audio as a multipart file field or as the raw body.")
    return files
