"""The type of the command line's subcommand registry, as each command module adds itself."""

from __future__ import annotations

import argparse
from typing import Protocol


class Subcommands(Protocol):
    """What ``ArgumentParser.add_subparsers()`` returns, as far as the commands use it (its
    class, ``argparse._SubParsersAction``, is private to argparse)."""

    def add_parser(self, name: str, *, help: str | None = ..., description: str | None = ...,
                   formatter_class: type[argparse.HelpFormatter] = ...
                   ) -> argparse.ArgumentParser: ...
