"""Docs are part of the product: every setting and every CLI command must be documented.

Regenerate the CLI reference with: `.venv/bin/python -m tests.test_docs`.
"""

from __future__ import annotations

import io
import os
import re
from contextlib import redirect_stdout
from pathlib import Path

from confide.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"


def settings_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src" / "confide").rglob("*.py"):
        names.update(re.findall(r'"((?:CONFIDE_[A-Z_]+)|DATABASE_URL)"', path.read_text(encoding="utf-8")))
    return names


def _help(argv: list[str]) -> str:
    buffer = io.StringIO()
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width; the page uses a fixed one
    try:
        with redirect_stdout(buffer):
            build_parser().parse_args([*argv, "--help"])
    except SystemExit:
        pass
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return buffer.getvalue().rstrip()


def render_cli_reference() -> str:
    parser = build_parser()
    commands = list(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    parts = [
        "# `confide` command reference",
        "",
        "Generated from `--help`; `tests/test_docs.py` fails when this page and the command differ.",
        "Regenerate with `.venv/bin/python -m tests.test_docs`.",
        "",
        "```text",
        _help([]),
        "```",
    ]
    for command in commands:
        parts += ["", f"## confide {command}", "", "```text", _help([command]), "```"]
    return "\n".join(parts) + "\n"


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    missing = sorted(name for name in settings_read_by_the_code() if f"`{name}`" not in documented)
    assert not missing, f"undocumented settings in docs/operators.md: {missing}"
    assert "CONFIDE_MODE" in settings_read_by_the_code(), "the scan finds the settings"


def test_the_cli_reference_matches_the_command() -> None:
    assert CLI_DOC.read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is out of date: run `.venv/bin/python -m tests.test_docs`"
    )


def test_the_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "scripts/demo" in readme and "scripts/test" in readme
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_document_linked_from_the_readme_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), f"README links to missing {target}"


if __name__ == "__main__":
    CLI_DOC.write_text(render_cli_reference(), encoding="utf-8")
    print(f"wrote {CLI_DOC}")  # noqa: T201
