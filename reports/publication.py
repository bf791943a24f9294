"""Review before publishing (先审后发): the workflow of the biweekly summary.

States: ``draft`` → ``reviewed`` → ``approved`` → ``published``. Every summary starts as a draft. Editors edit
any text and drop questions; the edits are stored apart (``PublicationEdit``) and laid over the generated
content, so regenerating the numbers keeps them. Any edit, and any regeneration that changes the final text,
sends a reviewed or approved publication back to ``draft``. Only an approved publication whose final text is
the one the approver saw can be published; publishing refuses, naming the place, when the de-identification
detector finds personal data anywhere in the final text (editors' edits included).

API (for the CLI, the scheduler and the web UI; every function takes an open SQLAlchemy session and leaves
committing to the caller, except that a refused publish records its refusal event with a flush)::

    from reports.period import Period
    from reports import publication as P

    pub = P.create_draft_for_period(session, Period.parse("2019-11-16:2019-11-30"))  # create or regenerate
    pub = P.get_publication(session, period)            # None if there is none
    P.list_publications(session)                        # newest period first
    doc = P.final_document(pub)                         # content + edits − dropped questions (renderers' input)
    P.editable_texts(pub)                               # [EditableText(target, label, generated, current, edited,
                                                        #   stale)] for an edit form
    P.edit_text(session, pub, "item:msg:42:answer", "…", editor="王编辑", note=None)
    P.drop_question(session, pub, "msg:42", editor="王编辑", reason="重复")   # drop=False keeps it again
    P.mark_reviewed(session, pub, reviewer="李审核")
    P.approve(session, pub, approver="赵主任")          # needs `reviewed`, a different person (setting), no PII
    P.reopen(session, pub, actor, reason)               # back to draft (also for correcting a published one)
    result = P.publish(session, pub, publisher="赵主任", out_dir=None, url=None)   # -> PublishResult
    P.personal_data_findings(doc)                       # [Finding(place, type, context)] — the gate's check
    P.preview_html(pub)                                 # the HTML page as it would be published (draft banner)
    P.write_draft_files(session, pub, out_dir=None)     # draft in every format (reports.renderers) -> {name: Path}
    P.diff_with_previous(session, pub)                  # unified diff of the Markdown against the previous period
    P.editor_notification(pub, html_path)               # (subject, body) for the scheduler's notifier
    P.demo_draft(session)                               # `make demo`: draft of the latest period, -> HTML path

Edit targets: ``title``, ``intro``, ``closing``, ``item:<key>:question|detail|answer|unit``,
``hot:<key>:label``. Exceptions: ``PublicationError`` and its subclasses ``PublicationStateError`` (wrong state,
unknown target), ``NotApproved``, ``PersonalDataFound`` (``.findings``).
"""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.period import Period
from store.models.base import now_local
from store.models.core import Message
from store.models.publications import Publication, PublicationEdit, PublicationEvent, PublicationItem
from store.settings import get_settings

log = logging.getLogger(__name__)

TEXT_TARGETS = {"title": "标题", "intro": "导语", "closing": "结语"}
ITEM_FIELDS = {"question": "问题表述", "detail": "群众反映", "answer": "答复", "unit": "承办单位"}
STATUS_ORDER = ("draft", "reviewed", "approved", "published")
KEY_CARRY_OVER = 0.5  # a regenerated question keeps an old key when they share this share of messages


class PublicationError(Exception):
    """A workflow step that cannot be done; the message says why and what to do."""


class PublicationStateError(PublicationError):
    pass


class NotApproved(PublicationError):
    pass


@dataclass(frozen=True)
class Finding:
    place: str  # where in the publication, in words: "问题2「…」的答复"
    target: str  # the edit target holding it
    type: str  # the detector's personal-data type
    context: str  # the surrounding text with the finding masked


class PersonalDataFound(PublicationError):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        places = "; ".join(f"{f.place}: {f.type} in “{f.context}”" for f in findings[:10])
        more = f" (and {len(findings) - 10} more)" if len(findings) > 10 else ""
        super().__init__(f"personal data found, publishing refused: {places}{more}")


@dataclass
class PublishResult:
    directory: Path
    files: dict[str, Path]
    internal_files: dict[str, Path]
    posted_to: str | None = None
    post_status: int | None = None
    post_error: str | None = None


@dataclass
class EditableText:
    target: str
    label: str
    generated: str | None
    current: str | None
    edited: bool
    stale: bool  # edited, but the generated text changed since the edit was made


# --- lookup ------------------------------------------------------------------------------------------


def period_of(pub: Publication) -> Period:
    return Period(pub.period_start, pub.period_end)


def get_publication(session: Session, period: Period) -> Publication | None:
    return session.execute(select(Publication).where(Publication.period_start == period.start,
                                                     Publication.period_end == period.end)).scalar_one_or_none()


def require_publication(session: Session, period: Period) -> Publication:
    pub = get_publication(session, period)
    if pub is None:
        raise PublicationStateError(
            f"no summary for {period.key}: create the draft first (hotline-monitor summary --period {period.key})")
    return pub


def list_publications(session: Session) -> list[Publication]:
    return list(session.execute(select(Publication).order_by(Publication.period_start.desc())).scalars())


def _event(session: Session, pub: Publication, action: str, actor: str, detail: str | None = None,
           fingerprint: str | None = None) -> None:
    session.add(PublicationEvent(publication=pub, action=action, actor=actor, detail=detail,
                                 fingerprint=fingerprint, at=now_local()))


def _back_to_draft(session: Session, pub: Publication, actor: str, why: str) -> None:
    if pub.status in ("reviewed", "approved"):
        _event(session, pub, "reopened", actor, f"{pub.status} → draft: {why}")
        pub.status = "draft"
        pub.approved_fingerprint = None


# --- generation -----------------------------------------------------------------------------------------


def _jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _carry_over_keys(content: dict, old_items: list[PublicationItem]) -> None:
    """Give regenerated questions (and their hot-list entries) the keys of the old questions they continue,
    so edits and drops made against the old keys still apply."""
    old = {item.key: set(item.message_ids) for item in old_items}
    taken: set[str] = set()
    renames: dict[str, str] = {}
    for question in content["questions"]:
        if question["key"] in old and question["key"] not in taken:
            taken.add(question["key"])
            continue
        members = set(question["message_ids"])
        best = max((k for k in old if k not in taken), key=lambda k: _jaccard(members, old[k]), default=None)
        if best is not None and _jaccard(members, old[best]) >= KEY_CARRY_OVER:
            renames[question["key"]] = best
            taken.add(best)
    for question in content["questions"]:
        question["key"] = renames.get(question["key"], question["key"])
    for entry in content["hotlist"]:
        entry["key"] = renames.get(entry["key"], entry["key"])


def create_draft_for_period(session: Session, period: Period, *, as_of: dt.date | None = None,
                            actor: str = "scheduler") -> Publication:
    """Create the draft of ``period`` or regenerate its numbers (edits kept). The scheduler's biweekly job
    calls this, then notifies the editors (``editor_notification``)."""
    from reports.summary import build_summary

    pub = get_publication(session, period)
    if pub is not None and pub.status == "published":
        raise PublicationStateError(
            f"the summary for {period.key} was published on {pub.published_at:%Y-%m-%d %H:%M}; reopen it "
            "(hotline-monitor summary reopen) before regenerating")
    content = build_summary(session, period, as_of=as_of, admitted=admitted_messages(pub) if pub else frozenset())
    before = fingerprint(final_document(pub)) if pub is not None and pub.content else None
    if pub is None:
        pub = Publication(period_start=period.start, period_end=period.end, status="draft", content={})
        session.add(pub)
        session.flush()
    _carry_over_keys(content, list(pub.items))
    pub.content = content
    pub.generated_at = now_local()
    pub.items.clear()
    session.flush()
    for position, question in enumerate(content["questions"]):
        pub.items.append(PublicationItem(
            key=question["key"], position=position, topic_id=question["topic_id"], question=question["question"],
            answer=question["answer"], unit=question["unit"], asked_count=question["asked_count"],
            answer_message_id=question["answer_message_id"], message_ids=question["message_ids"]))
    _sync_dropped(pub)
    after = fingerprint(final_document(pub))
    if before is not None and before != after:
        _back_to_draft(session, pub, actor, "regenerated: the final text changed")
    _event(session, pub, "generated", actor,
           f"{content['overview']['received']} messages, {len(content['questions'])} questions, "
           f"as of {content['as_of']}", after)
    session.flush()
    return pub


# --- edits -----------------------------------------------------------------------------------------------


def admitted_messages(pub: Publication) -> frozenset[int]:
    """Letters an editor admitted although the admissibility step excluded them (target ``admit:<id>``)."""
    return frozenset(int(target.split(":", 1)[1]) for target, e in latest_edits(pub).items()
                     if target.startswith("admit:") and e.new_text == "1")


def overrule_exclusion(session: Session, pub: Publication, message_id: int, editor: str, admit: bool = True,
                       reason: str | None = None) -> Publication:
    """An editor admits an excluded letter to the common questions (``admit=False`` takes it back), then the
    draft is regenerated with it."""
    _require_editable(pub)
    if not editor or not editor.strip():
        raise PublicationError("an overrule needs the editor's name")
    excluded = {row["message_id"] for row in pub.content.get("excluded", [])}
    admitted = admitted_messages(pub)
    if admit and message_id not in excluded:
        raise PublicationStateError(f"letter {message_id} is not among the excluded letters of {period_of(pub).key}")
    if not admit and message_id not in admitted:
        raise PublicationStateError(f"letter {message_id} was not admitted by an editor")
    target = f"admit:{message_id}"
    pub.edits.append(PublicationEdit(target=target, old_text="1" if message_id in admitted else "0",
                                     new_text="1" if admit else "0", editor=editor.strip(), note=reason,
                                     created_at=now_local()))
    _event(session, pub, "admitted" if admit else "unadmitted", editor, f"{message_id}: {reason or ''}".strip(": "))
    session.flush()
    as_of = dt.date.fromisoformat(pub.content["as_of"]) if pub.content.get("as_of") else None
    return create_draft_for_period(session, period_of(pub), as_of=as_of, actor=editor)


def latest_edits(pub: Publication) -> dict[str, PublicationEdit]:
    latest: dict[str, PublicationEdit] = {}
    for edit in sorted(pub.edits, key=lambda e: e.id or 0):
        latest[edit.target] = edit
    return latest


def _dropped_keys(pub: Publication) -> set[str]:
    return {target.split(":", 1)[1].rsplit(":", 1)[0] for target, e in latest_edits(pub).items()
            if target.startswith("item:") and target.endswith(":drop") and e.new_text == "1"}


def _sync_dropped(pub: Publication) -> None:
    dropped = _dropped_keys(pub)
    for item in pub.items:
        item.dropped = item.key in dropped


def _generated_text(content: dict, target: str) -> str | None:
    """The generated text behind an edit target; KeyError when the target does not exist."""
    if target in TEXT_TARGETS:
        return content["texts"][target]
    kind, _, rest = target.partition(":")
    key, _, name = rest.rpartition(":")
    if kind == "item" and name in ITEM_FIELDS:
        for question in content["questions"]:
            if question["key"] == key:
                return question[name]
    if kind == "hot" and name == "label":
        for entry in content["hotlist"]:
            if entry["key"] == key:
                return entry["label"]
    raise KeyError(target)


def editable_texts(pub: Publication) -> list[EditableText]:
    """Every editable text with its generated and current value (for edit forms)."""
    edits = latest_edits(pub)
    content = pub.content
    targets: list[tuple[str, str]] = [(t, label) for t, label in TEXT_TARGETS.items()]
    for number, question in enumerate(content["questions"], start=1):
        targets += [(f"item:{question['key']}:{name}", f"问题{number}{label}") for name, label in ITEM_FIELDS.items()]
    targets += [(f"hot:{entry['key']}:label", f"热点榜第{entry['rank']}条") for entry in content["hotlist"]]
    result = []
    for target, label in targets:
        generated = _generated_text(content, target)
        edit = edits.get(target)
        result.append(EditableText(target, label, generated, edit.new_text if edit else generated, edit is not None,
                                   stale=edit is not None and _first_generated(pub, target) != generated))
    return result


def _first_generated(pub: Publication, target: str) -> str | None:
    """The generated text the first edit of ``target`` started from (later edits start from earlier edits)."""
    for edit in sorted(pub.edits, key=lambda e: e.id or 0):
        if edit.target == target:
            return edit.old_text
    return None


def _require_editable(pub: Publication) -> None:
    if pub.status == "published":
        raise PublicationStateError(
            f"the summary for {period_of(pub).key} is published; reopen it before editing")


def edit_text(session: Session, pub: Publication, target: str, text: str, editor: str,
              note: str | None = None) -> PublicationEdit:
    """Replace one text of the publication (stored as an edit; survives regeneration)."""
    _require_editable(pub)
    if not editor or not editor.strip():
        raise PublicationError("an edit needs the editor's name")
    try:
        generated = _generated_text(pub.content, target)
    except KeyError:
        raise PublicationStateError(
            f"no text {target!r} in the summary for {period_of(pub).key}; targets: "
            + ", ".join(t.target for t in editable_texts(pub))) from None
    previous = latest_edits(pub).get(target)
    edit = PublicationEdit(target=target, old_text=previous.new_text if previous else generated,
                           new_text=text.strip(), editor=editor.strip(), note=note, created_at=now_local())
    pub.edits.append(edit)
    _back_to_draft(session, pub, editor, f"edited {target}")
    _event(session, pub, "edited", editor, target)
    session.flush()
    return edit


def drop_question(session: Session, pub: Publication, key: str, editor: str, reason: str | None = None,
                  drop: bool = True) -> PublicationEdit:
    """Leave a question out of the publication (``drop=False`` puts it back)."""
    _require_editable(pub)
    if not any(q["key"] == key for q in pub.content["questions"]):
        keys = ", ".join(q["key"] for q in pub.content["questions"]) or "none"
        raise PublicationStateError(f"no question {key!r} in the summary for {period_of(pub).key} (questions: {keys})")
    target = f"item:{key}:drop"
    previous = latest_edits(pub).get(target)
    edit = PublicationEdit(target=target, old_text=previous.new_text if previous else "0",
                           new_text="1" if drop else "0", editor=editor, note=reason, created_at=now_local())
    pub.edits.append(edit)
    _sync_dropped(pub)
    _back_to_draft(session, pub, editor, f"{'dropped' if drop else 'restored'} question {key}")
    _event(session, pub, "dropped" if drop else "restored", editor, f"{key}: {reason or ''}".strip(": "))
    session.flush()
    return edit


# --- the final document ----------------------------------------------------------------------------------


def final_document(pub: Publication) -> dict[str, Any]:
    """The generated content with the edits applied and the dropped questions removed, plus review facts."""
    doc = copy.deepcopy(pub.content)
    edits = {target: e.new_text for target, e in latest_edits(pub).items()}
    for target in TEXT_TARGETS:
        if target in edits:
            doc["texts"][target] = edits[target]
    dropped = _dropped_keys(pub)
    kept = []
    for question in doc["questions"]:
        for name in ITEM_FIELDS:
            target = f"item:{question['key']}:{name}"
            if target in edits:
                question[name] = edits[target] or None
        if question["key"] not in dropped:
            kept.append(question)
    doc["dropped_questions"] = [q["key"] for q in doc["questions"] if q["key"] in dropped]
    doc["questions"] = kept
    for entry in doc["hotlist"]:
        target = f"hot:{entry['key']}:label"
        if target in edits:
            entry["label"] = edits[target]
    doc["status"] = pub.status
    doc["published"] = pub.status == "published"
    doc["reviewed_by"] = pub.reviewed_by
    doc["approved_by"] = pub.approved_by
    doc["approved_at"] = pub.approved_at.isoformat(timespec="seconds") if pub.approved_at else None
    doc["published_at"] = pub.published_at.isoformat(timespec="seconds") if pub.published_at else None
    return doc


PUBLIC_QUESTION_FIELDS = ("key", "question", "detail", "asked_count", "distinct_submitters", "unit", "answer",
                          "answer_date", "external_ids")


def fingerprint(document: dict) -> str:
    """Hash of what would be published (texts, figures, questions, hot list), not of review metadata."""
    public = {
        "texts": document["texts"], "overview": document["overview"], "previous": document["previous"],
        "questions": [{k: q.get(k) for k in PUBLIC_QUESTION_FIELDS} for q in document["questions"]],
        "hotlist": [{k: e.get(k) for k in ("rank", "label", "size", "votes", "badges")} for e in document["hotlist"]],
        "pending": [{k: q.get(k) for k in ("question", "detail", "asked_count")}
                    for q in document.get("pending_questions", [])],
        "bureau": document.get("bureau"), "statistics_date": document.get("statistics_date"),
    }
    return hashlib.sha256(json.dumps(public, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _places(document: dict) -> list[tuple[str, str, str]]:
    """(place in words, edit target, text) for every text that is published."""
    places = [(label, target, document["texts"].get(target) or "") for target, label in TEXT_TARGETS.items()]
    places.append(("发布机构", "bureau", document.get("bureau") or ""))
    for number, q in enumerate(document["questions"], start=1):
        short = (q.get("question") or "")[:20]
        for name, label in ITEM_FIELDS.items():
            places.append((f"问题{number}「{short}」的{label}", f"item:{q['key']}:{name}", q.get(name) or ""))
    for number, q in enumerate(document.get("pending_questions", []), start=1):
        places.append((f"办理中问题{number}", f"pending:{q['key']}", q.get("question") or ""))
        places.append((f"办理中问题{number}的群众反映", f"pending:{q['key']}", q.get("detail") or ""))
    for entry in document["hotlist"]:
        places.append((f"民意热点榜第{entry['rank']}条", f"hot:{entry['key']}:label", entry["label"]))
        places += [(f"民意热点榜第{entry['rank']}条的标识", f"hot:{entry['key']}:label", b) for b in entry["badges"]]
    for row in document["overview"]["by_category"]:
        places.append(("诉求分类表", "category", row["name"]))
    for row in document["overview"].get("by_channel", []):
        places.append(("渠道名称", "channel", row["label"]))
    for row in document["overview"].get("reply_stats_excluded", []):
        places.append(("未纳入答复统计的来源", "source", row["source"]))
    return places


def personal_data_findings(document: dict, known_strings: Sequence[str] = ()) -> list[Finding]:
    """What the de-identification detector finds in the final text, with where it is (the publish gate): the
    detector that cleaned the draft (``reports.deidentify.published_findings``). ``known_strings``: personal data
    known beforehand (the real-text annotation, in the evaluations), none of which may appear either."""
    from reports.deidentify import published_findings

    findings = []
    annotated = sorted({s for s in known_strings if len(s.strip()) >= 2}, key=len, reverse=True)
    for place, target, text in _places(document):
        for span in published_findings(text):
            left, right = text[max(0, span.start - 12):span.start], text[span.end:span.end + 12]
            findings.append(Finding(place, target, span.type, f"…{left}{span.replacement or '[删除]'}{right}…"))
        for value in annotated:
            at = text.find(value)
            if at >= 0:
                left, right = text[max(0, at - 12):at], text[at + len(value):at + len(value) + 12]
                findings.append(Finding(place, target, "annotated", f"…{left}[标注的个人信息]{right}…"))
    return findings


# --- review ----------------------------------------------------------------------------------------------


def mark_reviewed(session: Session, pub: Publication, reviewer: str, note: str | None = None) -> Publication:
    if pub.status != "draft":
        raise PublicationStateError(f"the summary for {period_of(pub).key} is {pub.status}; only a draft is reviewed")
    pub.status, pub.reviewed_by, pub.reviewed_at = "reviewed", reviewer, now_local()
    _event(session, pub, "reviewed", reviewer, note, fingerprint(final_document(pub)))
    session.flush()
    return pub


def approve(session: Session, pub: Publication, approver: str, note: str | None = None) -> Publication:
    """Approve the reviewed text for publication (checked for personal data first)."""
    if pub.status != "reviewed":
        raise PublicationStateError(
            f"the summary for {period_of(pub).key} is {pub.status}: it must be reviewed before approval")
    if get_settings().get("reports.require_distinct_approver") and approver.strip() == (pub.reviewed_by or ""):
        raise PublicationError(
            f"{approver} reviewed this summary; another person must approve it (reports.require_distinct_approver)")
    document = final_document(pub)
    findings = personal_data_findings(document)
    if findings:
        raise PersonalDataFound(findings)
    pub.status, pub.approved_by, pub.approved_at = "approved", approver, now_local()
    pub.approved_fingerprint = fingerprint(document)
    _event(session, pub, "approved", approver, note, pub.approved_fingerprint)
    session.flush()
    return pub


def reopen(session: Session, pub: Publication, actor: str, reason: str) -> Publication:
    """Back to draft (e.g. to correct a published summary; republishing overwrites the files)."""
    if pub.status == "draft":
        return pub
    _event(session, pub, "reopened", actor, f"{pub.status} → draft: {reason}")
    pub.status, pub.approved_fingerprint = "draft", None
    session.flush()
    return pub


# --- files -----------------------------------------------------------------------------------------------


def render_public_files(document: dict, directory: Path, formats: list[str] | None = None) -> dict[str, Path]:
    """The public formats of ``document`` (``reports.renderers``: summary.html, summary.md + charts/*.svg,
    summary.json) in ``directory``; ``formats`` picks some of them."""
    from reports.renderers import Rendering, renderers, write_files

    return write_files(Rendering(document), directory, renderers(formats, public=True))


def write_internal_files(session: Session, document: dict, directory: Path,
                         formats: list[str] | None = None) -> dict[str, Path]:
    """The internal formats (the workbook of the letters behind the figures) in ``directory``."""
    from reports.renderers import Rendering, renderers, write_files

    return write_files(Rendering(document, session), directory, renderers(formats, public=False))


def internal_dir() -> Path:
    return get_settings().path("reports.internal_dir", "reports")


def write_draft_files(session: Session, pub: Publication, out_dir: Path | None = None,
                      formats: list[str] | None = None) -> dict[str, Path]:
    """The draft for review, every format (or ``formats``) in one directory: the public ones (with the draft
    banner) and the internal workbook."""
    from reports.renderers import Rendering, renderers, write_files

    document = final_document(pub)
    directory = Path(out_dir) if out_dir else internal_dir() / document["period"]["slug"]
    return write_files(Rendering(document, session), directory, renderers(formats))


def preview_html(pub: Publication) -> str:
    from reports.render_html import render_html

    return render_html(final_document(pub))


def publish(session: Session, pub: Publication, publisher: str, *, out_dir: Path | None = None,
            url: str | None = None, timeout: float = 30.0) -> PublishResult:
    """Write the approved summary to the publish directory (and POST its JSON to ``url`` /
    ``reports.publish_url``). Refuses unapproved or changed-since-approval text and personal data."""
    period = period_of(pub)
    if pub.status != "approved":
        raise NotApproved(
            f"the summary for {period.key} is {pub.status}: only an approved summary can be published "
            f"(review: hotline-monitor summary review --period {period.key} --by NAME; then approve)")
    document = final_document(pub)
    if fingerprint(document) != pub.approved_fingerprint:
        raise NotApproved(f"the summary for {period.key} changed after it was approved; approve it again")
    findings = personal_data_findings(document)
    if findings:
        _event(session, pub, "publish_refused", publisher,
               "personal data: " + "; ".join(f"{f.place} ({f.type})" for f in findings))
        session.flush()
        raise PersonalDataFound(findings)
    settings = get_settings()
    now = now_local()
    pub.status, pub.published_by, pub.published_at = "published", publisher, now
    document = final_document(pub)
    base = Path(out_dir) if out_dir else settings.path("reports.publish_dir", "published")
    directory = base / period.slug
    files = render_public_files(document, directory)
    internal = write_internal_files(session, document, internal_dir() / period.slug)
    pub.published_dir = str(directory)
    pub.published_content = document
    _event(session, pub, "published", publisher, str(directory), pub.approved_fingerprint)
    result = PublishResult(directory, files, internal)
    url = url if url is not None else settings.get("reports.publish_url")
    if url:
        _post(session, pub, result, url, publisher, document, timeout)
    session.flush()
    return result


def _post(session: Session, pub: Publication, result: PublishResult, url: str, actor: str, document: dict,
          timeout: float) -> None:
    import httpx

    from reports.render_json import cms_json

    headers = {"Content-Type": "application/json; charset=utf-8"}
    token = get_settings().get("reports.publish_token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    result.posted_to = url
    body = json.dumps(cms_json(document), ensure_ascii=False).encode("utf-8")
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout)
        result.post_status = response.status_code
        if response.is_success:
            _event(session, pub, "posted", actor, f"{url}: HTTP {response.status_code}")
        else:
            result.post_error = f"HTTP {response.status_code}: {response.text[:200]}"
    except httpx.HTTPError as exc:
        result.post_error = f"{type(exc).__name__}: {exc}"
    if result.post_error:
        log.error("publishing %s: POST to %s failed: %s (files are written; post again with "
                  "`hotline-monitor summary publish --repost`)", period_of(pub).key, url, result.post_error)
        _event(session, pub, "post_failed", actor, f"{url}: {result.post_error}")


def repost(session: Session, pub: Publication, actor: str, url: str | None = None) -> PublishResult:
    """POST a published summary again (after the CMS was down)."""
    if pub.status != "published" or not pub.published_content:
        raise NotApproved(f"the summary for {period_of(pub).key} is not published")
    url = url or get_settings().get("reports.publish_url")
    if not url:
        raise PublicationError("no URL to post to: set reports.publish_url or pass --url")
    result = PublishResult(Path(pub.published_dir or "."), {}, {})
    _post(session, pub, result, url, actor, pub.published_content, 30.0)
    session.flush()
    return result


# --- diff, notification, demo ------------------------------------------------------------------------------


def diff_with_previous(session: Session, pub: Publication) -> str:
    """Unified diff of this summary's Markdown against the previous period's (as published, else its draft)."""
    from reports.render_markdown import render_markdown

    previous = get_publication(session, period_of(pub).previous())
    if previous is None:
        return f"no summary for the previous period {period_of(pub).previous().key}: nothing to compare\n"
    old_doc = previous.published_content or final_document(previous)
    old_name = f"{period_of(previous).key} ({'published' if previous.published_content else previous.status})"
    new_doc = final_document(pub)
    lines = difflib.unified_diff(render_markdown(old_doc).splitlines(keepends=True),
                                 render_markdown(new_doc).splitlines(keepends=True),
                                 fromfile=old_name, tofile=f"{period_of(pub).key} ({pub.status})")
    return "".join(lines)


def editor_notification(pub: Publication, html_path: Path | None = None) -> tuple[str, str]:
    """Subject and body telling the editors a draft awaits review."""
    content = pub.content
    period = period_of(pub)
    subject = f"待审核：{content['period']['label']}回应关切草稿"
    body = (f"{content['texts']['title']}\n统计周期：{content['period']['range']}\n"
            f"受理{content['overview']['received']}件，共性问题{len(content['questions'])}个。\n"
            f"请审核后批准发布：hotline-monitor summary review --period {period.key} --by 姓名\n")
    if html_path:
        body += f"草稿：{html_path}\n"
    return subject, body


def latest_period_with_messages(session: Session) -> Period | None:
    latest = session.execute(select(func.max(Message.submitted_at))).scalar_one_or_none()
    return Period.containing(latest.date()) if latest else None


def demo_draft(session: Session, period: Period | None = None, out_dir: Path | None = None) -> Path:
    """`make demo`: the draft summary of ``period`` (default: the latest period with messages); its HTML path."""
    period = period or latest_period_with_messages(session)
    if period is None:
        raise PublicationError("no messages in the database: import or crawl some first")
    pub = create_draft_for_period(session, period, actor="demo")
    files = write_draft_files(session, pub, out_dir)
    return files["html"]


__all__ = [
    "EditableText", "Finding", "NotApproved", "PersonalDataFound", "PublicationError", "PublicationStateError",
    "PublishResult", "approve", "create_draft_for_period", "demo_draft", "diff_with_previous", "drop_question",
    "edit_text", "editable_texts", "editor_notification", "final_document", "fingerprint", "get_publication",
    "list_publications", "mark_reviewed", "overrule_exclusion", "admitted_messages", "personal_data_findings",
    "preview_html", "publish", "reopen",
    "repost", "require_publication", "write_draft_files",
]
