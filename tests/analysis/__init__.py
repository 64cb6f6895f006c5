"""Tests of ser.analysis (mirrors the package)."""
