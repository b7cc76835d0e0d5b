"""``python -m sim app [--port N] [--no-browser] [--address A]``: start the page with
Streamlit, on localhost unless told otherwise."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

PAGE = Path(__file__).with_name("page.py")
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


def run(args: argparse.Namespace) -> int:
    try:
        import streamlit  # noqa: F401
    except ImportError:
        print('error: the app needs its extra: pip install -e ".[app]"', file=sys.stderr)
        return 1
    print(f"app: http://{args.address}:{args.port} (Ctrl+C stops it)")
    try:
        return subprocess.call(command(args.port, args.address, not args.no_browser))
    except KeyboardInterrupt:
        return 0
