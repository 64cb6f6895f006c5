"""Tests of ser.models (mirrors the package)."""
