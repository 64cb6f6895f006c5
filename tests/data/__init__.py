"""Tests of ser.data (mirrors the package)."""
