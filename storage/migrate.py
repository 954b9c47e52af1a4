"""Alembic, driven from code: `ehrenamt db upgrade` and the tests use the same path.

Alembic is imported only when a migration runs or a revision is asked of it: with Mako and
Pygments it takes ~0.15 s to import, and a start whose database is already at the newest
revision (every start but the first after an update) needs none of it. `is_up_to_date` first
compares the revision stamped in the database with the head read from the migration files
(`script_head`); only when that cannot say yes does it ask Alembic."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, SAWarning

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_IDENTIFIERS = frozenset({"revision", "down_revision", "branch_labels", "depends_on"})
_SKIPPED_INDEX = "Skipped unsupported reflection of expression-based index"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        # env.py picks the live connection up, so tests can migrate inside their own schema
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as connection, warnings.catch_warnings():
        # On SQLite, batch mode reflects a table before adding a column to it and warns that it
        # skips the expression index on accounts; the column is added in place, the index stays
        # (tests/storage/test_schema.py), and the warning would only alarm the operator at the
        # first start.
        warnings.filterwarnings("ignore", _SKIPPED_INDEX, SAWarning)
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    head = script_head()
    if head is not None and stamped_revisions(engine) == (head,):
        return True
    # not sure (no version table, several heads, a file the parser does not understand): the
    # answer is Alembic's, as it always was
    return current_revision(engine) == head_revision()


def upgrade_unless_up_to_date(engine: Engine) -> None:
    """`upgrade(engine)`, without importing Alembic when there is nothing to do."""
    if not is_up_to_date(engine):
        upgrade(engine)


def stamped_revisions(engine: Engine) -> tuple[str, ...] | None:
    """The revisions Alembic stamped in the database, or None without a version table."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
            return tuple(sorted(str(row[0]) for row in rows))
    except DBAPIError:
        return None


def script_head(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The one head revision of the migration files, from their `revision` and `down_revision`
    assignments as Alembic reads them; None when that is not plain (several heads, branch labels
    or dependencies, a value that is not a literal), for Alembic to answer instead.
    tests/storage/test_schema.py checks that it agrees with Alembic's head."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted(versions.glob("*.py")):
        parsed = _identifiers(path)
        if parsed is None:
            return None
        revision, down = parsed
        revisions[revision] = down
    parents = {parent for down in revisions.values() for parent in down}
    heads = [revision for revision in revisions if revision not in parents]
    return heads[0] if len(heads) == 1 else None


def _identifiers(path: Path) -> tuple[str, tuple[str, ...]] | None:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        target, value = _assignment(node)
        if target not in _IDENTIFIERS or value is None:
            continue
        try:
            values[target] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError):
            return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str) or values.get("branch_labels") or values.get("depends_on"):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """`name = value` or `name: type = value` at module level."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id, node.value
    return None, None
