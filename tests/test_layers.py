"""The layers only look down, and no product module grows past 400 lines.

The flow is etl -> warehouse (storage, SQL, queries) -> ui -> pages: a layer may import the layers
below it, never one above. etl loads into the warehouse and exports from it; the pages and the ui
reach data only through the warehouse, never through etl. Every import statement of every product
file is read (ast, so an import inside a function counts as much as one at the top).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = ("etl", "warehouse", "ui", "pages")
# what each layer may import of the project's own packages (app.py is a page: it lays pages out)
ALLOWED = {
    "warehouse": {"warehouse"},
    "etl": {"etl", "warehouse"},
    "ui": {"ui", "warehouse"},
    "pages": {"pages", "ui", "warehouse"},
}
MAX_LINES = 400


def product_files() -> list[Path]:
    files = [p for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))
             if "__pycache__" not in p.parts]
    return files + [ROOT / "app.py"]


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return "pages" if rel.parts == ("app.py",) else rel.parts[0]


def imports_of(source: str, package: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """(line, the project's top package, the module as written) of every import of the project's own
    packages in `source`, a module of `package` (("ui",) for ui/x.py): a relative import is resolved
    against it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join(base + ((node.module,) if node.module else ()))]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYERS:
                found.append((node.lineno, top, name))
    return found


def imported_packages(path: Path) -> list[tuple[int, str, str]]:
    return imports_of(path.read_text(encoding="utf-8"), path.relative_to(ROOT).parent.parts)


def test_product_files_are_found():
    files = product_files()
    # a sanity check on the walk itself: every layer has modules, and the entry point is there
    assert {layer_of(p) for p in files} == set(LAYERS)
    assert ROOT / "app.py" in files and (ROOT / "app.py").exists()


def test_no_import_runs_back_up_the_layers():
    offending = []
    for path in product_files():
        layer = layer_of(path)
        source = path.read_text(encoding="utf-8").splitlines()
        for line, top, name in imported_packages(path):
            if top not in ALLOWED[layer]:
                offending.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {name} "
                                 f"({source[line - 1].strip()})")
    assert not offending, (
        "imports that run against the flow etl -> warehouse -> ui -> pages:\n" + "\n".join(offending))


def test_no_product_file_is_over_400_lines():
    long = []
    for path in product_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not long, (f"product modules over {MAX_LINES} lines (split them by what they do):\n"
                      + "\n".join(long))


def test_the_import_reader_sees_every_kind_of_import():
    """The checker itself, on a hand-made module of ui/: absolute, from-, relative and nested imports."""
    source = (
        "import os\n"
        "import etl.report\n"
        "from warehouse import fmt\n"
        "from ..pages import x\n"
        "from . import components\n"
        "def f():\n"
        "    from ui.components import GOOD\n"
    )
    assert sorted(imports_of(source, ("ui",))) == [
        (2, "etl", "etl.report"), (3, "warehouse", "warehouse"), (4, "pages", "pages"), (5, "ui", "ui"),
        (7, "ui", "ui.components")]
