"""Sources: crawl health (last runs, HTTP codes, rejects) and freshness against each source's objective
(``analysis.sources.health``: the same figures and warnings as the `sources` command and the operators' digest)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from web.auth import DB, require_roles
from web.clock import as_of_day
from web.templating import render

router = APIRouter()


@router.get("/sources")
def sources_page(request: Request, user=Depends(require_roles("analyst", "editor")), db: Session = DB):
    from analysis.sources.health import source_health

    report = sorted(source_health(db, as_of_day(request)), key=lambda h: (h.source.channel, h.name))
    return render(request, "sources.html", {"sources": report})
