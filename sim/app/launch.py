"""``python -m sim app [--port N] [--no-browser] [--address A]``: start the page with
Streamlit, on localhost unless told otherwise."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

PAGE = Path(__file__).with_name("page.py")
REPO = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 8501


def add_parser(commands: Any) -> None:
    app = commands.add_parser("app", help="start the browser app (needs pip install -e \".[app]\")")
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    app.add_argument("--address", default="127.0.0.1",
                     help="address to listen on (default %(default)s: this machine only)")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    app.set_defaults(handler=run)


def command(port: int, address: str = "127.0.0.1", browser: bool = False) -> list[str]:
    """The Streamlit command line that serves the page; no usage statistics are sent."""
    return [sys.executable, "-m", "streamlit", "run", str(PAGE), "--server.port", str(port),
            "--server.address", address, "--server.headless", str(not browser).lower(),
            "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
            "--client.toolbarMode", "minimal"]


def environment() -> dict[str, str]:
    """This environment with the package's folder first on the import path, so the page
    imports this ``sim`` even when the package is not installed (run from a checkout)."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), path]))}


def run(args: argparse.Namespace) -> int:
    try:
        import streamlit  # noqa: F401
    except ImportError:
        print('error: the app needs its extra: pip install -e ".[app]"', file=sys.stderr)
        return 1
    print(f"app: http://{args.address}:{args.port} (Ctrl+C stops it)")
    server = subprocess.Popen(command(args.port, args.address, not args.no_browser),
                              env=environment())
    try:
        return server.wait()
    except KeyboardInterrupt:  # the server gets the terminal's Ctrl+C too; make sure it ends
        server.terminate()
        server.wait(timeout=20)
        return 0


def serve(port: int, cwd: Path) -> subprocess.Popen[bytes]:
    """The app serving on localhost:``port`` from ``cwd`` (its results and cache go there),
    without a browser tab; the caller stops it (``terminate``)."""
    return subprocess.Popen(command(port), cwd=cwd, env=environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> float:
    """Seconds until the app at ``url`` answers its health check; ``TimeoutError`` after
    ``timeout_s`` seconds or if the process ends first."""
    started = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return time.monotonic() - started
        except OSError:
            if time.monotonic() - started > timeout_s or process.poll() is not None:
                raise TimeoutError(f"the app at {url} did not start within {timeout_s} s") from None
            time.sleep(0.2)


def free_port() -> int:
    """A port on localhost that nothing listens on now (for tests and benchmarks)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
