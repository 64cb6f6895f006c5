"""Tests of ser.audio (mirrors the package)."""
