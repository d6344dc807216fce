"""Imports flow one way: nothing below the HTTP layer imports FastAPI or the API package."""

import ast
from pathlib import Path

import pixmill

PACKAGE = Path(pixmill.__file__).parent
HTTP_MODULES = {"app.py", "__main__.py", "server.py"}
OUTER_PACKAGES = ("api", "cli")
WEB_PACKAGES = ("fastapi", "starlette", "uvicorn", "pixmill.api", "pixmill.app", "pixmill.cli")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_know_nothing_of_http():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in OUTER_PACKAGES or str(relative) in HTTP_MODULES:
            continue
        for name in _imports(path):
            if name.startswith(WEB_PACKAGES):
                offenders.append(f"{relative} imports {name}")
    assert offenders == []


def test_engines_do_not_import_the_pipeline():
    offenders = []
    for path in (PACKAGE / "engines").rglob("*.py"):
        for name in _imports(path):
            if name.startswith(("pixmill.service", "pixmill.catalog", "pixmill.imaging.encode")):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []
