"""Every migration keeps the previous release's code working against the new schema (docs/contributing.md
"Migrations"; docs/operations.md "Upgrades"): during an upgrade with several app hosts the database is
migrated first and the hosts, still running the old code, are upgraded one by one.

So an upgrade() only adds: new tables, new columns that are nullable or have a server default, new indexes,
data filled in. Dropping or renaming a table or column, or altering one, is the "contract" step of
expand/contract: it comes in a later release, once no running code reads the old shape, and its migration
says so with a module-level `CONTRACT = "why no released code still uses it"`, which a reviewer checks.
This test reads each migration's upgrade() (its syntax tree; nothing is run).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
CONTRACTING = {"drop_table", "drop_column", "drop_constraint", "rename_table", "alter_column"}
MIGRATIONS = sorted(VERSIONS.glob("*.py"))


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = any(isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "CONTRACT" for t in n.targets) for n in tree.body)
    upgrade = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    assert upgrade is not None, f"{path.name}: no upgrade()"
    found = []
    for node in ast.walk(upgrade):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in CONTRACTING and not declared:
            found.append(f"line {node.lineno}: {node.func.attr} (a contract step: give CONTRACT = '...' and ship it a release later)")
        if node.func.attr == "add_column":
            column = next((a for a in node.args if isinstance(a, ast.Call)), None)
            keywords = {k.arg: k.value for k in column.keywords} if column is not None else {}
            not_null = isinstance(keywords.get("nullable"), ast.Constant) and keywords["nullable"].value is False
            if not_null and "server_default" not in keywords:
                found.append(f"line {node.lineno}: a NOT NULL column without a server default (the old code inserts without it)")
    return found


def test_there_are_migrations():
    assert len(MIGRATIONS) >= 10


@pytest.mark.parametrize("path", MIGRATIONS, ids=[p.stem for p in MIGRATIONS])
def test_each_migration_only_adds(path):
    assert _problems(path) == []


def test_the_check_sees_a_drop_and_a_not_null_column(tmp_path):
    bad = tmp_path / "0099_bad.py"
    bad.write_text(
        "from alembic import op\nimport sqlalchemy as sa\n"
        "def upgrade():\n"
        "    op.drop_column('bookings', 'title')\n"
        "    with op.batch_alter_table('groups') as b:\n"
        "        b.add_column(sa.Column('x', sa.Integer(), nullable=False))\n"
        "        b.add_column(sa.Column('y', sa.Integer(), nullable=False, server_default='0'))\n"
    )
    problems = _problems(bad)
    assert len(problems) == 2 and "drop_column" in problems[0] and "NOT NULL" in problems[1]
    allowed = tmp_path / "0100_contract.py"
    allowed.write_text("from alembic import op\nCONTRACT = 'bookings.title unused since 0.3'\n"
                       "def upgrade():\n    op.drop_column('bookings', 'title')\n")
    assert _problems(allowed) == []
