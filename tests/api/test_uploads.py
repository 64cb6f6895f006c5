"""Uploads: 413 before the body is read (declared size) or as soon as it goes over (streamed), nothing on disk,
and a bounded number of analyses at once."""

from __future__ import annotations

import asyncio
import os
import threading

import numpy as np
import pytest

from ser import testing
from ser.api import ServeSettings
from ser.api.service import AnalysisService, BusyError
from ser.api.uploads import UploadLimit, read_files


def _run(app, headers, chunks):
    """Drive an ASGI app with one POST whose body arrives in ``chunks``; returns (status, body, chunks read)."""
    sent, read = [], []

    async def receive():
        if not chunks:
            return {"type": "http.request", "body": b"", "more_body": False}
        chunk = chunks.pop(0)
        read.append(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/analyze", "headers": headers}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, read


async def _reading_app(scope, receive, send):
    """Reads the whole body, then answers 200 with its length."""
    files = await read_files("", _stream(receive), max_files=1)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(files[0][1])).encode()})


async def _stream(receive):
    while True:
        message = await receive()
        yield message.get("body", b"")
        if not message.get("more_body"):
            return


def test_declared_size_over_the_limit_is_413_without_reading_the_body():
    chunks = [b"x" * 1000] * 5
    status, body, read = _run(UploadLimit(_reading_app, limit_bytes=2000), [(b"content-length", b"5000")], list(chunks))
    assert status == 413 and read == []  # answered before a single byte of the body was received
    assert b'"code": "too_large"' in body


def test_streamed_body_is_stopped_at_the_limit():
    chunks = [b"x" * 1000] * 50  # chunked: no Content-Length, or one that lies
    for headers in ([], [(b"content-length", b"10")]):
        status, body, read = _run(UploadLimit(_reading_app, limit_bytes=2500), headers, list(chunks))
        assert status == 413 and len(read) == 3  # stopped at the first chunk over the limit, the other 47 never read
        assert b"too_large" in body


def test_bodies_within_the_limit_pass():
    status, body, _ = _run(UploadLimit(_reading_app, limit_bytes=5000), [(b"content-length", b"3000")], [b"x" * 1000] * 3)
    assert status == 200 and body == b"3000"


def test_too_large_through_the_app(client):
    big = b"\0" * (5 * 1024 * 1024 + 1)  # the session's app accepts 5 MB
    response = client.post("/v1/analyze", content=big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert "5 MB" in response.json()["error"]["message"]
    response = client.post("/v1/analyze/batch", files=[("files", ("a.wav", big))])
    assert response.status_code == 413
    assert client.post("/v1/analyze", content=testing.wav_bytes(testing.speech_like(3.0, seed=1))).status_code == 200


@pytest.fixture()
def disk_writes(monkeypatch):
    """Every file this process creates or opens for writing while the fixture is active (os.open is where
    tempfile, open() and SpooledTemporaryFile's rollover all end up)."""
    seen: list[str] = []
    real_open = os.open

    def watching_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            seen.append(str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    return seen


def _big_upload() -> bytes:
    """About 2.3 MB of WAV: more than Starlette's 1 MB in-memory limit for uploaded files."""
    stereo = np.stack([testing.speech_like(6.0, 48000, seed=4)] * 2, 1)
    return testing.wav_bytes(stereo, 48000, subtype="FLOAT")


def test_uploads_are_never_written_to_disk(client, disk_writes):
    data = _big_upload()
    assert len(data) > 2 * 1024 * 1024
    response = client.post("/v1/analyze", files={"file": ("big.wav", data, "audio/wav")})
    assert response.status_code == 200, response.text
    response = client.post("/v1/analyze/batch", files=[("files", ("a.wav", data)), ("files", ("b.wav", data))])
    assert response.status_code == 200 and response.json()["analysed"] == 2
    assert disk_writes == []


def test_the_disk_watch_can_fail(disk_writes):
    """Starlette's own form parser spools an upload this size to a temporary file; the watch sees it."""
    from starlette.datastructures import Headers
    from starlette.formparsers import MultiPartParser

    data = _big_upload()
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.wav\"\r\n\r\n".encode() + data
            + f"\r\n--{boundary}--\r\n".encode())

    async def stream():
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    async def parse():
        form = await MultiPartParser(Headers({"content-type": f"multipart/form-data; boundary={boundary}"}), stream()).parse()
        await form.close()

    asyncio.run(parse())
    assert disk_writes, "Starlette's parser wrote the upload to a temporary file and the watch did not see it"


def test_analyses_beyond_threads_and_queue_get_busy():
    service = AnalysisService(ServeSettings(threads=1, max_waiting=1))
    release = threading.Event()

    async def scenario():
        first = asyncio.ensure_future(service.run(release.wait))
        second = asyncio.ensure_future(service.run(lambda: "queued"))
        await asyncio.sleep(0)
        with pytest.raises(BusyError):
            await service.run(lambda: "one too many")
        release.set()
        assert await first is True and await second == "queued"
        assert await service.run(lambda: "after") == "after"  # the slots come back

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        service.close()


def test_busy_is_503_with_retry_after():
    from ser.api.errors import error_response

    response = error_response(BusyError("busy"))
    assert response.status_code == 503 and response.headers["retry-after"] == "1"

