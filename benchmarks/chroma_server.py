"""Start a real ``chroma run`` server on a free loopback port, and always stop it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chroma_executable() -> Path:
    """The ``chroma`` CLI installed beside this Python (chromadb ships it)."""
    path = Path(sys.executable).parent / "chroma"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing; run: pip install 'chromadb>=1.5'")
    return path


@contextmanager
def running_chroma(data: Path, log: Path | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Yield the URL of a Chroma server persisting to ``data``; stop it on exit."""
    port = free_port()
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [str(chroma_executable()), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not answer on {url} within {timeout:.0f}s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]
