"""Tools some tests need that pip does not install (Debian's Chromium, Node.js with npm's smpp server).

Where one is missing such a test skips, saying how to install it; where the run must be complete (CI, or
KAKAO_GATEWAY_REQUIRE_TOOLS=1), it fails instead, so a missing install step cannot pass as a green run."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def required() -> bool:
    return os.environ.get("KAKAO_GATEWAY_REQUIRE_TOOLS", "") == "1" or os.environ.get("CI", "") == "true"


def missing(reason: str) -> NoReturn:
    if required():
        pytest.fail(f"required tool missing: {reason}", pytrace=False)
    pytest.skip(reason)
