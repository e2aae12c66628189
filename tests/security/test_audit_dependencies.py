"""scripts/audit-dependencies: red on a known vulnerability, a loud warning when nothing could be checked.

A stand-in for pip-audit prints the JSON report of each situation, so these tests need no network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit-dependencies"

CLEAN = {"dependencies": [{"name": "django", "version": "6.1.3", "vulns": []}], "fixes": []}
VULNERABLE = {"dependencies": [
    {"name": "django", "version": "6.1.3", "vulns": [{"id": "PYSEC-0000-0", "fix_versions": ["6.1.4"]}]},
    {"name": "whitenoise", "skip_reason": "Dependency not found on PyPI and could not be audited"}], "fixes": []}
UNREACHABLE = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be "
                                                                  "audited: django (6.1.3)"}], "fixes": []}


def run(tmp_path: Path, report: dict[str, object] | None, **env: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "pip-audit"
    if report is None:  # pip-audit's own failure: a traceback and no report
        fake.write_text(f"#!{sys.executable}\nimport sys\nsys.stderr.write('ConnectionError: Failed to resolve')\n"
                        "sys.exit(1)\n")
    else:
        fake.write_text(f"#!{sys.executable}\nprint({json.dumps(json.dumps(report))})\n")
    fake.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_")}
    environment.update(CONFIDE_PIP_AUDIT=str(fake), **env)
    return subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=environment, check=False,
                          timeout=60)


def test_a_clean_report_passes(tmp_path: Path) -> None:
    result = run(tmp_path, CLEAN)
    assert result.returncode == 0
    assert "no known vulnerabilities" in result.stdout


def test_a_known_vulnerability_fails_even_when_other_packages_were_not_checked(tmp_path: Path) -> None:
    result = run(tmp_path, VULNERABLE)
    assert result.returncode == 1
    assert "django 6.1.3 has PYSEC-0000-0 (fixed in: 6.1.4)" in result.stderr


@pytest.mark.parametrize("report", [UNREACHABLE, None], ids=["nothing-audited", "no-network"])
def test_an_unreachable_service_warns_loudly_and_passes(tmp_path: Path, report: dict[str, object] | None) -> None:
    result = run(tmp_path, report)
    assert result.returncode == 0
    assert "could NOT check" in result.stderr and "!!!!" in result.stderr


def test_an_unreachable_service_fails_when_the_audit_is_required(tmp_path: Path) -> None:
    assert run(tmp_path, UNREACHABLE, CONFIDE_REQUIRE_PIP_AUDIT="1").returncode == 2


def test_the_check_can_be_skipped_with_a_notice(tmp_path: Path) -> None:
    result = run(tmp_path, VULNERABLE, CONFIDE_SKIP_PIP_AUDIT="1")
    assert result.returncode == 0 and "SKIPPED" in result.stderr
