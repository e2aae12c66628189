"""The `confide` command line.

`confide.cli.entry` holds the entry point and the parser, `confide.cli.common` what every
subcommand shares (each context's `commands.py` imports it), `confide.cli.practice_commands`
the init, serve, demo and check commands. See docs/cli.md and docs/architecture.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `confide` command (`confide = "confide.cli:main"`)."""
    # Loaded on call: the command modules import confide.cli.common, which runs this file first.
    from confide.cli import entry

    return entry.main(argv)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference in docs/)."""
    # Loaded on call, for the same reason as in main().
    from confide.cli import entry

    return entry.build_parser()
