"""The package's shape, checked: data flows one way. A stage imports only from stages to
its left and from the base; the store and the base import no stage; nothing imports the
CLI. And no module grows past what one reading holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "wommon"
# Left to right: each layer may import from itself and from layers before it.
LAYERS = (
    "base",
    "store",
    "collect",
    "analyze",
    "detect",
    "charts",
    "alert",
    "web",
    "service",
    "runs",
    "demo",
    "cli",
)
# Definitions every layer may name (states, kinds): a leaf that imports nothing of wommon.
SHARED = {"wommon.store.enums"}
MAX_LINES = 420


def layer(module: str) -> str:
    if module in SHARED:
        return "base"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "base"


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wommon"):
            if node.module == "wommon":
                names.update(f"wommon.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("wommon"))
    return names


def test_imports_point_left() -> None:
    wrong = []
    for name, path in modules():
        if name == "wommon.__main__":
            continue
        here = LAYERS.index(layer(name))
        for target in sorted(imports(path)):
            if LAYERS.index(layer(target)) > here:
                wrong.append(f"{name} ({layer(name)}) imports {target} ({layer(target)})")
    assert wrong == []


def test_shared_definitions_import_nothing_of_wommon() -> None:
    for name in SHARED:
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        assert imports(path) == set(), name


@pytest.mark.parametrize("name,path", modules(), ids=[n for n, _ in modules()])
def test_no_module_is_too_long(name: str, path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES, name


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from wommon.alert.slack import SlackNotifier\n")
    assert imports(bad) == {"wommon.alert.slack"}
    assert LAYERS.index(layer("wommon.alert.slack")) > LAYERS.index(layer("wommon.detect.x"))
