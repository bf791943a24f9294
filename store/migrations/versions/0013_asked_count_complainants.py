"""Summaries: asked_count means distinct complainants from now on; summaries made before keep their meaning.

Until this revision a common question's ``asked_count`` was the number of letters; from now on it is the
number of distinct complainants (``analysis.complainants``). Summaries that already exist keep what they said:
this revision marks their stored content and published content with ``"asked_count_basis": "messages"`` (the
renderers then keep the old wording 反映人次 and do not claim a number of people); nothing else in them is
changed, and new summaries carry ``"asked_count_basis": "complainants"``. Downgrade removes the mark.

Revision ID: 0013_asked_count_complainants
Revises: 0012_admissibility
"""
import json

import sqlalchemy as sa
from alembic import op

from store.models.base import JSONType

revision = "0013_asked_count_complainants"
down_revision = "0012_admissibility"
branch_labels = None
depends_on = None

_publications = sa.table("publications", sa.column("id", sa.Integer), sa.column("content", JSONType),
                         sa.column("published_content", JSONType))


def _load(value):
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def _mark(basis: str | None) -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(_publications.c.id, _publications.c.content,
                                      _publications.c.published_content)).all():
        values = {}
        for name in ("content", "published_content"):
            document = _load(getattr(row, name))
            if not isinstance(document, dict):
                continue
            if basis is None:
                if document.pop("asked_count_basis", None) is None:
                    continue
            elif "asked_count_basis" in document:
                continue
            else:
                document["asked_count_basis"] = basis
            values[name] = document
        if values:
            bind.execute(_publications.update().where(_publications.c.id == row.id).values(**values))


def upgrade() -> None:
    _mark("messages")


def downgrade() -> None:
    _mark(None)
