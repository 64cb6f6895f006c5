"""One API app per test session on the shipped `svm` model (scikit-learn: loads in seconds, no TensorFlow)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ser.api import ServeSettings, create_app
from ser.api.service import READY, AnalysisService

MODEL = "svm"


def loaded_app(**settings):
    """An app whose service has loaded its default model (synchronously, so tests need no waiting)."""
    config = ServeSettings(model=MODEL, warm_transcription=False, **settings)
    service = AnalysisService(config)
    service.start().join()
    assert service.state == READY, service.error
    return create_app(config, service=service)


@pytest.fixture(scope="session")
def client() -> TestClient:
    with TestClient(loaded_app(max_upload_mb=5)) as c:
        yield c
