"""Tests of ser.evaluation (mirrors the package)."""
