"""Tests of ser.reports (mirrors the package)."""
