"""Shared pytest configuration.

Tests that need an environment this machine lacks are skipped with the reason shown (pytest
runs with -ra), never silently passed: `bmv2` tests need the reference compiler and switch on
PATH, `mininet` tests need root and Mininet.
"""

from __future__ import annotations

import os
import shutil

import pytest


def _bmv2_missing() -> str | None:
    """Why tests marked `bmv2` cannot run here, or None when they can."""
    missing = [tool for tool in ("p4c-bm2-ss", "simple_switch_grpc") if not shutil.which(tool)]
    return f"bmv2 target unavailable: {', '.join(missing)} not on PATH" if missing else None


def _mininet_missing() -> str | None:
    """Why tests marked `mininet` cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "Mininet tests need root"
    if not shutil.which("mn"):
        return "Mininet not installed (make system-deps)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reasons = {"bmv2": _bmv2_missing(), "mininet": _mininet_missing()}
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
