"""What a person reads for each code the data stores (levels, channels, states, roles…), marked for the
catalogue with N_ and translated when shown: ``label("level", "seriously_overdue")`` -> 严重超期."""
from __future__ import annotations

import re

from web.i18n import N_, gettext

LABELS: dict[str, dict[str, str]] = {
    "level": {"due_soon": N_("due soon"), "overdue": N_("overdue"), "seriously_overdue": N_("seriously overdue"),
              "supervision": N_("supervision"), "warning": N_("early warning")},
    "channel": {"hotline": N_("12345 hotline"), "mailbox": N_("leader mailbox"), "feedback": N_("website feedback")},
    "alert_state": {"firing": N_("open"), "resolved": N_("resolved"), "superseded": N_("superseded"),
                    "all": N_("all")},
    "ledger_status": {"open": N_("not acknowledged"), "acknowledged": N_("acknowledged"), "replied": N_("replied")},
    "role": {"analyst": N_("analyst"), "editor": N_("editor"), "unit_official": N_("unit official"),
             "admin": N_("administrator")},
    "topic_status": {"active": N_("active"), "hidden": N_("not a topic"), "merged": N_("merged"),
                     "retired": N_("retired")},
    "topic_badge": {"warning": N_("warning"), "new": N_("new"), "rising": N_("rising")},
    "publication_state": {"draft": N_("draft"), "reviewed": N_("reviewed"), "approved": N_("approved"),
                          "published": N_("published")},
    "deadline_state": {"on_time": N_("on time"), "due_soon": N_("due soon"), "overdue": N_("overdue"),
                       "seriously_overdue": N_("seriously overdue"), "replied_on_time": N_("replied on time"),
                       "replied_late": N_("replied late"), "paused": N_("paused"), "unanswered": N_("unanswered"),
                       "replied_undated": N_("replied (date unknown)"), "not_received": N_("not yet received")},
    "publication_event": {"generated": N_("generated"), "edited": N_("edited"), "dropped": N_("question dropped"),
                          "restored": N_("question restored"), "reviewed": N_("reviewed"),
                          "approved": N_("approved"), "reopened": N_("reopened"), "published": N_("published"),
                          "publish_refused": N_("publishing refused"), "posted": N_("posted to the website"),
                          "post_failed": N_("posting failed")},
    "curation": {"rename": N_("renamed"), "hide": N_("marked not a topic"), "unhide": N_("shown again"),
                 "merge": N_("merged"), "split": N_("split"), "move": N_("letter moved")},
    "lineage": {"merge": N_("merged by clustering"), "split": N_("split by clustering"),
                "curated_merge": N_("merged by an analyst"), "curated_split": N_("split by an analyst")},
    "warning_kind": {"spike": N_("a spike"), "new_surge": N_("a new surge")},
    "actor": {"scheduler": N_("scheduled job"), "cli": N_("command line")},
    "recipient": {"analysts": N_("analysts"), "operators": N_("operators")},
    "origin": {"crawl": N_("crawled"), "import": N_("imported")},
    "finish_reason": {"finished": N_("finished normally"), "shutdown": N_("stopped"),
                      "closespider_errorcount": N_("stopped after errors"), "failed": N_("failed")},
    "run_kind": {"crawl": N_("crawl"), "import": N_("import")},
    "field": {"unit": N_("unit"), "category": N_("category"), "reply_text": N_("reply"), "status": N_("status"),
              "replied_at": N_("reply time"), "title": N_("title"), "content": N_("content"),
              "reply_unit": N_("replying unit")},
    "extension_status": {"requested": N_("awaiting decision"), "approved": N_("approved"),
                         "rejected": N_("refused")},
    "audit": {"login": N_("logged in"), "login_failed": N_("failed login"), "login_throttled": N_("login delayed"),
              "logout": N_("logged out"), "password_changed": N_("changed own password"),
              "password_reset": N_("password reset"), "role_changed": N_("role changed"),
              "user_added": N_("user added"), "user_deactivated": N_("user deactivated"),
              "user_activated": N_("user reactivated"), "alert_acknowledged": N_("alert acknowledged"),
              "extension_requested": N_("extension requested"), "extension_approved": N_("extension approved"),
              "extension_rejected": N_("extension refused"), "letter_returned": N_("letter returned"),
              "summary_reopened": N_("summary reopened")},
}


def label(kind: str, code: object) -> str:
    """The translated label of ``code``; an unknown code is shown as it is (never hidden)."""
    if code is None or code == "":
        return "—"
    text = LABELS.get(kind, {}).get(str(code))
    return gettext(text) if text else str(code)


_GENERATED = re.compile(r"^(\d+) messages, (\d+) questions, as of (\S+)$")


def publication_event_detail(action: str, detail: str | None) -> str:
    """The detail of a summary's review-trail event in the reader's language. reports.publication writes the
    "generated" one in English ("8 messages, 2 questions, as of 2025-10-15"); the others are people's notes."""
    text = detail or ""
    found = _GENERATED.match(text) if action == "generated" else None
    if found:
        return gettext("%(messages)s letters, %(questions)s questions, as of %(day)s") % {
            "messages": found[1], "questions": found[2], "day": found[3]}
    return text
