"""Topics: the list (size, trend, badge), one topic (messages, keywords, places) and analyst curation."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models.accounts import User
from store.models.topics import Topic, TopicCuration, TopicLineage
from web import curation
from web.auth import DB, require_roles
from web.clock import as_of_day
from web.i18n import N_, gettext
from web.queries.topics import daily_counts, list_topics, topic_messages
from web.templating import render, use_locale

router = APIRouter()
STAFF = require_roles("analyst", "editor")


@router.get("/topics")
def topics_page(request: Request, status: str = Query("active"), q: str = "", page: int = Query(1, ge=1, le=1000),
                user: User = Depends(STAFF), db: Session = DB):
    if status not in ("active", "hidden", "merged", "retired"):
        raise HTTPException(400, f"status: {status!r} is not one of active, hidden, merged, retired")
    rows, has_more, end = list_topics(db, status, q.strip()[:100], page, trends=request.app.state.topic_trends,
                                      as_of=as_of_day(request))
    return render(request, "topics/list.html", {"rows": rows, "has_more": has_more, "status": status, "q": q,
                                                "page": page, "end": end, "error": request.query_params.get("error")})


def _topic(db: Session, topic_id: int) -> Topic:
    topic = db.get(Topic, topic_id)
    if topic is None:
        raise HTTPException(404, N_("No such topic."))
    return topic


@router.get("/topics/{topic_id}")
def topic_detail(request: Request, topic_id: int, user: User = Depends(STAFF), db: Session = DB):
    return _render_topic(request, db, topic_id)


def _render_topic(request: Request, db: Session, topic_id: int, error: str | None = None, status_code: int = 200):
    topic = _topic(db, topic_id)
    end = topic.last_message_at.date() if topic.last_message_at else as_of_day(request)
    return render(request, "topics/detail.html", {
        "topic": topic,
        "messages": topic_messages(db, topic.id),
        "trend": daily_counts(db, [topic.id], end, 60)[topic.id],
        "curations": list(db.scalars(select(TopicCuration).where(TopicCuration.topic_id == topic.id)
                                     .order_by(TopicCuration.id.desc()).limit(50))),
        "lineage": list(db.scalars(select(TopicLineage).where(
            (TopicLineage.from_topic_id == topic.id) | (TopicLineage.to_topic_id == topic.id))
            .order_by(TopicLineage.id.desc()).limit(50))),
        "error": error,
        "topic_choices": curation.topic_choices(db),
    }, status_code=status_code)


def _apply(request: Request, db: Session, user: User, topic_id: int, action, done: str, redirect_to: int | None = None):
    use_locale(request)  # the refusals resolve_topic/resolve_message word are in the user's language
    try:
        result = action()  # analysis.topics.clustering commits each action itself
    except curation.CurationError as exc:
        db.rollback()
        return _render_topic(request, db, topic_id, error=curation.describe(exc), status_code=400)
    target = redirect_to if redirect_to is not None else (result.id if isinstance(result, Topic) else topic_id)
    return RedirectResponse(f"/topics/{target}?done={done}", status_code=303)


@router.post("/topics/{topic_id}/rename")
def topic_rename(request: Request, topic_id: int, label: str = Form(...), user: User = Depends(STAFF),
                 db: Session = DB):
    return _apply(request, db, user, topic_id, lambda: curation.rename(db, topic_id, label, user.login), "renamed")


@router.post("/topics/merge")
async def topics_merge(request: Request, user: User = Depends(STAFF), db: Session = DB):
    """Merge the ticked topics (list page) into the largest of them, or into ``target`` when given."""
    form = await request.form()
    try:
        ids = sorted({int(v) for v in form.getlist("topic_id")})
        target = int(form["target"]) if form.get("target") else None
    except ValueError:
        raise HTTPException(400, N_("topic_id: topic ids are numbers")) from None
    refs = [str(v) for v in form.getlist("topic_ref") if str(v).strip()]
    use_locale(request)
    if refs:  # picked or typed in a box: a name from the list, a number
        try:
            ids = sorted(set(ids) | {curation.resolve_topic(db, ref) for ref in refs})
        except curation.CurationError as exc:
            return _render_topic(request, db, target or (ids[0] if ids else 0), error=curation.describe(exc),
                                 status_code=400)
    if target is None:
        if len(ids) < 2:
            return RedirectResponse("/topics?error=merge-needs-two", status_code=303)
        sizes = {t.id: t.size for t in db.scalars(select(Topic).where(Topic.id.in_(ids)))}
        target = max(ids, key=lambda i: (sizes.get(i, -1), -i))
    return _apply(request, db, user, target, lambda: curation.merge(db, target, ids, user.login), "merged")


@router.post("/topics/{topic_id}/split")
async def topic_split(request: Request, topic_id: int, user: User = Depends(STAFF), db: Session = DB):
    form = await request.form()
    try:
        ids = [int(v) for v in form.getlist("message_id")]
    except ValueError:
        raise HTTPException(400, N_("message_id: message ids are numbers")) from None
    label = str(form.get("label") or "")
    return _apply(request, db, user, topic_id, lambda: curation.split(db, topic_id, ids, label, user.login), "split")


@router.post("/topics/{topic_id}/move")
async def topic_move(request: Request, topic_id: int, user: User = Depends(STAFF), db: Session = DB):
    """Move letters to another topic: the ticked ones (``message_id``) or one named by its number
    (``message_ref``, the site's number or #id), to a topic picked from the list or typed (``target_ref``) or by
    id (``target``)."""
    form = await request.form()
    try:
        ids = [int(v) for v in form.getlist("message_id")]
    except ValueError:
        raise HTTPException(400, N_("message_id: message ids are numbers")) from None

    def move():
        target_text = str(form.get("target_ref") or form.get("target") or "")
        target = curation.resolve_topic(db, target_text)
        moving = list(ids)
        if form.get("message_ref"):
            moving.append(curation.resolve_message(db, str(form.get("message_ref"))))
        if not moving:
            raise curation.CurationError(gettext("move: tick a letter or give its number"))
        result = None
        for message_id in moving:
            result = curation.move(db, message_id, target, user.login)
        return result

    return _apply(request, db, user, topic_id, move, "moved", redirect_to=topic_id)


@router.post("/topics/{topic_id}/hide")
def topic_hide(request: Request, topic_id: int, hidden: str = Form("1"), user: User = Depends(STAFF),
               db: Session = DB):
    hide = hidden == "1"
    return _apply(request, db, user, topic_id, lambda: curation.set_hidden(db, topic_id, hide, user.login),
                  "hidden" if hide else "shown")
