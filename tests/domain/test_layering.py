"""The layering of DESIGN.md ("Layers"), checked on the source with `ast`.

Imports point downwards only: bot → nlu, matching, storage, domain; matching → domain;
storage → domain, and the query interfaces matching defines for it to implement; nlu → nothing of
ours but domain value types; domain → nothing of ours. tools/ (the Bot API stand-in, benchmarks)
is for development only: it may import everything, and no runtime package imports it.
No platform type (telegram.*, nio.*) leaves bot/channels/; no SQLAlchemy type leaves storage/.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUR_PACKAGES = frozenset({"bot", "nlu", "matching", "storage", "domain"})
DEV_PACKAGES = frozenset({"tools", "tests"})

# May import from (besides itself); the rest of ours is forbidden.
ALLOWED_OURS = {
    "domain": frozenset(),
    "nlu": frozenset({"domain"}),
    "matching": frozenset({"domain"}),
    "storage": frozenset({"domain", "matching"}),
}
# the query interfaces (protocols and their record types) matching defines and storage implements
MATCHING_INTERFACES = frozenset({"matching.retrieval", "matching.scoring", "matching.targeting"})

# The domain is pure: no I/O, no databases, no network, no processes, no dynamic imports.
IO_MODULES = frozenset(
    {
        "os",
        "io",
        "pathlib",
        "shutil",
        "glob",
        "tempfile",
        "socket",
        "ssl",
        "select",
        "selectors",
        "asyncio",
        "subprocess",
        "multiprocessing",
        "threading",
        "signal",
        "http",
        "urllib",
        "ftplib",
        "smtplib",
        "sqlite3",
        "dbm",
        "shelve",
        "pickle",
        "logging",
        "importlib",
        "requests",
        "httpx",
        "aiohttp",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "psycopg2",
        "yaml",
        "telegram",
        "nio",
    }
)
DATABASE_MODULES = frozenset({"sqlalchemy", "alembic", "psycopg", "psycopg2", "sqlite3"})
PLATFORM_MODULES = frozenset({"telegram", "nio"})
IO_BUILTINS = frozenset({"open", "input", "print", "__import__", "exec", "eval"})


def python_files(package: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def imported_top_levels(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, top-level package) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own_package = path.relative_to(root).parts[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays inside the file's own top-level package
                found.append((node.lineno, own_package))
            elif node.module and node.module != "__future__":
                found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(package: str, forbidden: frozenset[str], root: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(root).as_posix()}:{line} imports {module}"
        for path in python_files(package, root)
        for line, module in imported_top_levels(path, root)
        if module in forbidden
    ]


# --- the checker itself --------------------------------------------------------------------------


def test_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "storage"
    (package / "repositories").mkdir(parents=True)
    sample = package / "repositories" / "sample.py"
    sample.write_text(
        "from __future__ import annotations\n"
        "import os.path, json\n"
        "from bot.engine import Engine\n"
        "from . import helpers\n"
        "from ..models import Row\n"
        "def later():\n"
        "    import nlu.keywords\n",
        encoding="utf-8",
    )
    assert imported_top_levels(sample, tmp_path) == [
        (2, "os"),
        (2, "json"),
        (3, "bot"),
        (4, "storage"),
        (5, "storage"),
        (7, "nlu"),
    ]
    assert violations("storage", frozenset({"bot", "nlu"}), tmp_path) == [
        "storage/repositories/sample.py:3 imports bot",
        "storage/repositories/sample.py:7 imports nlu",
    ]


def test_the_layers_exist() -> None:
    for package in ("domain", "storage", "nlu", "matching", "bot"):
        assert (ROOT / package / "__init__.py").is_file(), package
    assert len(python_files("domain")) >= 10


# --- domain --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", python_files("domain"), ids=lambda p: p.name)
def test_domain_imports_nothing_of_ours(path: Path) -> None:
    ours = {module for _, module in imported_top_levels(path) if module in OUR_PACKAGES}
    assert ours <= {"domain"}, f"{path.name} imports {sorted(ours - {'domain'})}"


@pytest.mark.parametrize("path", python_files("domain"), ids=lambda p: p.name)
def test_domain_does_no_io(path: Path) -> None:
    io_imports = sorted({module for _, module in imported_top_levels(path) if module in IO_MODULES})
    assert io_imports == [], f"{path.name} imports {io_imports}"


@pytest.mark.parametrize("path", python_files("domain"), ids=lambda p: p.name)
def test_domain_uses_only_the_standard_library(path: Path) -> None:
    foreign = sorted(
        {
            module
            for _, module in imported_top_levels(path)
            if module not in sys.stdlib_module_names and module != "domain"
        }
    )
    assert foreign == [], f"{path.name} imports third-party {foreign}"


@pytest.mark.parametrize("path", python_files("domain"), ids=lambda p: p.name)
def test_domain_calls_no_io_builtins(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = sorted(
        {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in IO_BUILTINS
        }
    )
    assert calls == [], f"{path.name} calls {calls}"


# --- the other layers ----------------------------------------------------------------------------


@pytest.mark.parametrize("package", sorted(ALLOWED_OURS))
def test_layer_imports_point_downwards(package: str) -> None:
    forbidden = OUR_PACKAGES - {package} - ALLOWED_OURS[package]
    assert violations(package, forbidden) == []


def test_storage_does_not_import_bot_or_nlu() -> None:
    assert violations("storage", frozenset({"bot", "nlu"})) == []


def test_storage_takes_only_the_query_interfaces_from_matching() -> None:
    used = set()
    for path in python_files("storage"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("matching"):
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(a.name for a in node.names if a.name.startswith("matching"))
    assert used <= MATCHING_INTERFACES


@pytest.mark.parametrize("package", sorted(OUR_PACKAGES))
def test_no_runtime_package_imports_the_dev_tools(package: str) -> None:
    assert violations(package, DEV_PACKAGES) == []


def test_nlu_does_not_import_bot_storage_or_matching() -> None:
    assert violations("nlu", frozenset({"bot", "storage", "matching"})) == []


@pytest.mark.parametrize("package", ["domain", "nlu", "matching"])
def test_no_database_library_outside_storage(package: str) -> None:
    assert violations(package, DATABASE_MODULES) == []


@pytest.mark.parametrize("package", ["domain", "nlu", "matching", "storage"])
def test_no_platform_library_outside_bot_channels(package: str) -> None:
    assert violations(package, PLATFORM_MODULES) == []


def test_no_platform_library_in_bot_outside_channels() -> None:
    leaks = [v for v in violations("bot", PLATFORM_MODULES) if not v.startswith("bot/channels/")]
    assert leaks == []
