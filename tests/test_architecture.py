"""The structure of the code: no import cycles, no borrowed private names, layers that hold.

docs/architecture.md is the map; `[tool.importlinter]` in pyproject.toml the enforced contracts.
These tests keep the two in step with the packages on disk, and show that a back-import (a lower
layer importing a higher one) fails `lint-imports`.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "confide"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def _layers() -> list[str]:
    (layers,) = [c for c in _contracts() if c["id"] == "layers"]
    return [str(layer) for layer in layers["layers"]]  # type: ignore[attr-defined]


def _layer_packages(layer: str) -> list[str]:
    return [name.strip() for name in re.split(r"[|:]", layer)]


def _top_level_packages() -> set[str]:
    names = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    names |= {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    return {f"confide.{name}" for name in names}


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of modules that import each other in a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_strongly_connected_finds_a_loop() -> None:
    """The cycle finder itself: a loop is found, a chain is not."""
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycles_among_confide_modules() -> None:
    """Every import counts, function-local and TYPE_CHECKING ones included."""
    graph = grimp.build_graph("confide", include_external_packages=False, exclude_type_checking_imports=False)
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    cycles = _strongly_connected(edges)
    assert cycles == [], f"import cycles: {cycles}"


def _private_imports(root: Path) -> list[str]:
    """`from confide.x... import _name` (or a `_module`) where x is not the importer's own package."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        own = ".".join(module.split(".")[:2])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("confide"):
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names if alias.name.startswith("confide")]
            for target in targets:
                private = any(p.startswith("_") and not p.startswith("__") for p in target.split("."))
                if private and ".".join(target.split(".")[:2]) != own:
                    found.append(f"{module}:{node.lineno} imports {target}")
    return found


def test_no_module_imports_another_packages_private_names() -> None:
    assert _private_imports(PACKAGE) == []


def test_the_private_import_check_sees_one(tmp_path: Path) -> None:
    package = tmp_path / "confide"
    (package / "records").mkdir(parents=True)
    (package / "portal").mkdir()
    for init in (package, package / "records", package / "portal"):
        (init / "__init__.py").write_text("")
    (package / "records" / "services.py").write_text("def _seal(): ...\n")
    (package / "records" / "care.py").write_text("from confide.records.services import _seal\n")
    (package / "portal" / "services.py").write_text("from confide.records.services import _seal\n")
    assert _private_imports(package) == ["confide.portal.services:1 imports confide.records.services._seal"]


def test_the_architecture_page_lists_the_layers_of_the_contract() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## The layers", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\d+\. `([^`]+)`$", section, flags=re.MULTILINE)
    assert documented == _layers()


def test_the_architecture_page_lists_every_package_once() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## The packages", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(confide\.[\w.]+)` \|", section, flags=re.MULTILINE)
    assert len(documented) == len(set(documented))
    in_layers = [name for layer in _layers() for name in _layer_packages(layer)]
    assert len(in_layers) == len(set(in_layers)), "a package is in two layers"
    assert set(documented) == _top_level_packages() == set(in_layers)


def test_the_readme_links_the_architecture_page() -> None:
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def _lint_imports(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(command), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}, check=False)


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source tree and pyproject.toml, to break on purpose."""
    copy = tmp_path_factory.mktemp("layers")
    shutil.copytree(PACKAGE, copy / "src" / "confide", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_lint_imports_passes_on_the_tree(source_copy: Path) -> None:
    result = _lint_imports(source_copy, source_copy / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "back_import", "contract"), [
    # A context importing a face.
    ("records/errors.py", "import confide.web.record_pages", "Faces above contexts"),
    # keys (below the contexts) importing a context.
    ("keys/vault.py", "import confide.records.models", "Faces above contexts"),
    # A pure core importing the app.
    ("crypto/format.py", "import confide.keys.vault", "pure cores"),
    # A command module importing the entry point back.
    ("records/commands.py", "import confide.cli.entry", "CLI entry point"),
])
def test_a_back_import_fails_lint_imports(source_copy: Path, module: str, back_import: str, contract: str) -> None:
    target = source_copy / "src" / "confide" / module
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{back_import}  # deliberate back-import\n", encoding="utf-8")
    try:
        result = _lint_imports(source_copy, source_copy / "src")
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert back_import.split()[-1] in broken


def _uncommented_local_imports(root: Path) -> list[str]:
    """Function-local `confide` imports whose import block has no comment line just above it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if not any(name.startswith("confide") for name in names):
                    continue
                above = node.lineno - 2
                # Walk up over the rest of the import block (other imports, blank lines between them).
                while above >= 0 and (re.match(r"\s+(from|import) ", lines[above]) or not lines[above].strip()):
                    above -= 1
                if above < 0 or not lines[above].strip().startswith("#"):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_every_function_local_import_says_why() -> None:
    assert _uncommented_local_imports(PACKAGE) == []


def test_the_local_import_check_sees_one_without_a_reason(tmp_path: Path) -> None:
    package = tmp_path / "confide"
    package.mkdir()
    (package / "a.py").write_text('def f():\n    """Doc."""\n    from confide import b\n\n\n'
                                  'def g():\n    # Django must be set up first.\n    from django import db\n\n'
                                  '    from confide import c\n')
    assert _uncommented_local_imports(package) == ["confide/a.py:3"]


@pytest.mark.parametrize("module", ["portal/services.py", "portal/consent_gate.py", "disclosures/client_side.py",
                                    "disclosures/records.py", "disclosures/authorizations.py",
                                    "disclosures/required.py", "records/care.py"])
def test_contexts_open_sealed_fields_through_the_sealing_api(module: str) -> None:
    """Opening goes through `records.sealing.open_value` (integrity failures audited and alerted)."""
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    direct = [node.lineno for node in ast.walk(tree)
              if isinstance(node, ast.Attribute) and node.attr == "open_field"]
    assert direct == [], f"{module} opens fields with crypto.open_field at lines {direct}"
    assert "open_value" in (PACKAGE / module).read_text(encoding="utf-8")
