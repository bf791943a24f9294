"""Summaries (the biweekly 回应关切 publication): preview, edit, review, approve, publish.

Every step is a call into reports.publication; its rules (states, distinct approver, personal-data gate) apply
unchanged and its refusals are shown to the user.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from store.models.accounts import User
from store.models.publications import Publication
from web.auth import DB, require_roles
from web.i18n import N_
from web.templating import render

router = APIRouter()

STAFF = require_roles("analyst", "editor")
EDITORS = require_roles("editor")

# The preview is the page exactly as it would be published (reports' own HTML with its inline styles). It is
# shown in a sandboxed frame and gets a policy allowing styles but no scripts at all.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


def _publication(db: Session, publication_id: int) -> Publication:
    pub = db.get(Publication, publication_id)
    if pub is None:
        raise HTTPException(404, N_("No such summary."))
    return pub


def _detail(request: Request, db: Session, pub: Publication, user: User, error: str | None = None,
            status_code: int = 200):
    from reports import publication as P

    return render(request, "summaries/detail.html", {
        "pub": pub, "texts": P.editable_texts(pub), "events": pub.events, "error": error,
        "period": P.period_of(pub).key, "can_approve": user.role in ("editor", "admin"),
        "admitted_ids": sorted(P.admitted_messages(pub)),
        "can_reopen": user.role in ("editor", "admin"),
    }, status_code=status_code)


@router.get("/summaries")
def summaries_page(request: Request, user: User = Depends(STAFF), db: Session = DB):
    from reports import publication as P

    return render(request, "summaries/list.html", {"publications": P.list_publications(db)})


@router.get("/summaries/{publication_id}")
def summary_detail(request: Request, publication_id: int, user: User = Depends(STAFF), db: Session = DB):
    return _detail(request, db, _publication(db, publication_id), user)


@router.get("/summaries/{publication_id}/preview")
def summary_preview(request: Request, publication_id: int, user: User = Depends(STAFF),
                    db: Session = DB):
    """From the rendered file of this version (web.previews): drawn once, then read."""
    from web.previews import preview_file

    path = preview_file(request.app.state.settings, _publication(db, publication_id))
    return HTMLResponse(path.read_text(encoding="utf-8"),
                        headers={"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"})


async def _form_texts(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key[len("text:"):]: value for key, value in form.multi_items()
            if key.startswith("text:") and isinstance(value, str)}


def _run(request: Request, db: Session, pub: Publication, user: User, action, done: str):
    """Run one workflow step; a refusal re-renders the page with the reason (nothing half-applied)."""
    from reports.publication import PublicationError

    try:
        with db.begin_nested():
            action()
    except PublicationError as exc:
        db.refresh(pub)
        return _detail(request, db, pub, user, error=str(exc), status_code=409)
    from starlette.background import BackgroundTask

    from web.previews import prerender

    # The new version's preview is drawn after the response (and the commit), so the page's frame reads a file.
    return RedirectResponse(f"/summaries/{pub.id}?done={done}", status_code=303,
                            background=BackgroundTask(prerender, request.app.state.session_factory,
                                                      request.app.state.settings, pub.id))


@router.post("/summaries/{publication_id}/edit")
async def summary_edit(request: Request, publication_id: int, user: User = Depends(STAFF),
                       db: Session = DB):
    from reports import publication as P

    pub = _publication(db, publication_id)
    submitted = await _form_texts(request)
    current = {t.target: t.current for t in P.editable_texts(pub)}
    note = (await request.form()).get("note") or None

    def apply():
        for target, text in submitted.items():
            if target not in current:
                raise P.PublicationStateError(f"no text {target!r} in this summary")
            if text.strip() != (current[target] or "").strip():
                P.edit_text(db, pub, target, text, editor=user.login, note=note)

    return _run(request, db, pub, user, apply, "saved")


@router.post("/summaries/{publication_id}/admit")
def summary_admit(request: Request, publication_id: int, message_id: int = Form(...), user: User = Depends(EDITORS),
                  db: Session = DB):
    """An editor overrules the exclusion of a letter from the common questions (the draft is regenerated)."""
    from reports import publication as P

    pub = _publication(db, publication_id)
    return _run(request, db, pub, user, lambda: P.overrule_exclusion(db, pub, message_id, user.login), "saved")


@router.post("/summaries/{publication_id}/review")
def summary_review(request: Request, publication_id: int, note: str = Form(""), user: User = Depends(STAFF),
                   db: Session = DB):
    from reports import publication as P

    pub = _publication(db, publication_id)
    return _run(request, db, pub, user, lambda: P.mark_reviewed(db, pub, user.login, note or None), "reviewed")


@router.post("/summaries/{publication_id}/approve")
def summary_approve(request: Request, publication_id: int, note: str = Form(""), user: User = Depends(EDITORS),
                    db: Session = DB):
    from reports import publication as P

    pub = _publication(db, publication_id)
    return _run(request, db, pub, user, lambda: P.approve(db, pub, user.login, note or None), "approved")


@router.post("/summaries/{publication_id}/publish")
def summary_publish(request: Request, publication_id: int, user: User = Depends(EDITORS),
                    db: Session = DB):
    from reports import publication as P

    pub = _publication(db, publication_id)
    return _run(request, db, pub, user, lambda: P.publish(db, pub, user.login), "published")


@router.post("/summaries/{publication_id}/reopen")
def summary_reopen(request: Request, publication_id: int, reason: str = Form(...), user: User = Depends(EDITORS),
                   db: Session = DB):
    """Editors and administrators only: a reopened summary goes back to draft (and off the published page)."""
    from reports import publication as P
    from web.audit import record_request

    pub = _publication(db, publication_id)
    if not reason.strip():
        raise HTTPException(400, N_("reason: say why the summary is reopened"))

    def reopen():
        P.reopen(db, pub, user.login, reason.strip())
        record_request(db, request, "summary_reopened", actor=user.login, subject=f"publication:{pub.id}",
                       detail=reason.strip()[:500])

    return _run(request, db, pub, user, reopen, "saved")
