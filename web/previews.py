"""Summary previews served from rendered files: the page as it would be published is drawn once per version of
the summary's text (its charts take 1.5-2.4 s to draw) and kept in ``<var_dir>/previews/``; every later view
reads the file. A new version (an edit, a review step) gets a new file and the older ones of that summary go."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from store.models.publications import Publication
from store.settings import Settings


def _version(document: dict) -> str:
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def preview_file(settings: Settings, pub: Publication) -> Path:
    """The rendered preview of ``pub`` as it stands, drawing it when this version has no file yet."""
    from reports import publication as P
    from reports.render_html import render_html

    document = P.final_document(pub)
    directory = Path(settings.var_dir) / "previews"
    path = directory / f"summary-{pub.id}-{_version(document)}.html"
    if path.is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    html = render_html(document)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
    for old in directory.glob(f"summary-{pub.id}-*.html"):
        if old != path:
            old.unlink(missing_ok=True)
    return path
