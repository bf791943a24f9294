"""Sources: crawl health (last runs, HTTP codes, rejects) and freshness against each source's objective."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from web.auth import get_db, require_roles
from web.clock import as_of_day
from web.queries.sources import source_health
from web.templating import render

router = APIRouter()


@router.get("/sources")
def sources_page(request: Request, user=Depends(require_roles("analyst", "editor")), db: Session = Depends(get_db)):
    return render(request, "sources.html", {"sources": source_health(db, as_of_day(request))})
