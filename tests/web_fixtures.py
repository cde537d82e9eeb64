"""Helpers for the web tests: start the app on a free loopback port, drive Debian's chromium."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
# Set RAG_WEB_SCREENSHOTS=1 to refresh the screenshots under docs/screenshots.
SCREENSHOTS = ROOT / "docs" / "screenshots"

HOSTILE_MARKDOWN = """# Hostile <img src=x onerror="window.__xss='title';alert(1)"> notes

The zanzibar lighthouse keeper reported <img src=x onerror="window.__xss='img';alert(1)"> exactly 42 storms.
<script>window.__xss = 'script'; alert(2)</script> The lighthouse keeper logged the storms in a blue book.
Template tricks ${window.__xss='template'} and {{constructor.constructor('window.__xss=1')()}} stay text.
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(settings: Settings, **kwargs: Any) -> Iterator[str]:
    """The web app for ``settings`` on a free loopback port; yields its URL, closes it after."""
    from rag.web import launch

    port = free_port()
    app = launch(settings, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **kwargs)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium driven by Playwright; skips the test if it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install it with 'apt-get install -y chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str, tmp: Path) -> Path:
    """Save a screenshot under docs/screenshots when asked to, else beside the test's files."""
    folder = SCREENSHOTS if os.environ.get("RAG_WEB_SCREENSHOTS") else tmp
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.wait_for_timeout(800)  # Gradio fades outputs while an event finishes
    page.screenshot(path=str(path))
    return path
