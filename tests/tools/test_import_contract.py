"""The import contract (pyproject.toml [tool.importlinter]) holds: the packages are layers
(rounds > volunteers > calendars > spaces > commons, only create_app imports upward), no module of a package
takes part in an import cycle, the rules and the matching are pure; and no module imports another
module's private (_name) names. Broken by an import added later, these tests say which."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("commons", "spaces", "calendars", "volunteers", "rounds")
CONTRACTS = ("layers", "no-cycles", "pure-rules")

# Known private imports, each to go with the change named (the test fails when one is fixed and left here).
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()


def lint_imports() -> str:
    """The `lint-imports` of this virtualenv (the dev extra), run from the project's root."""
    exe = Path(sys.executable).parent / "lint-imports"
    command = str(exe) if exe.exists() else shutil.which("lint-imports")
    assert command, "lint-imports is missing: install the dev extra (pip install -c constraints.txt -e '.[dev]')"
    result = subprocess.run(
        [command, "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"the import contract is broken:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_import_contract_is_kept():
    out = lint_imports()
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in out, out


def test_the_contract_declares_the_layers_in_order():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = {c["id"]: c for c in config["contracts"]}
    assert tuple(contracts) == CONTRACTS
    assert set(config["root_packages"]) == set(PACKAGES)
    assert contracts["layers"]["layers"] == ["rounds", "volunteers", "calendars", "spaces", "commons"]
    assert set(contracts["no-cycles"]["ancestors"]) == set(PACKAGES)
    # Only the composition root (the module `commons`, i.e. create_app) may import upward.
    assert {i.split(" -> ")[0] for i in contracts["layers"]["ignore_imports"]} == {"commons"}


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports() -> set[tuple[str, str, str]]:
    """(file, module, name) for `from module import _name` and `module._name` across the packages."""
    found = set()
    for package in PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            where = str(source.relative_to(ROOT))
            tree = ast.parse(source.read_text(encoding="utf-8"), where)
            modules: dict[str, str] = {}  # local name -> one of our modules
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                    for alias in node.names:
                        if _is_module(f"{node.module}.{alias.name}"):
                            modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                        elif _private(alias.name):
                            found.add((where, node.module, alias.name))
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.split(".")[0] in PACKAGES and alias.asname:
                            modules[alias.asname] = alias.name
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
                    if node.value.id in modules:
                        found.add((where, modules[node.value.id], node.attr))
    return found


def test_no_private_name_is_imported_from_another_module():
    assert _private_imports() == KNOWN_PRIVATE
