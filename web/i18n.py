"""The UI's language: gettext catalogues (Babel) for templates and the texts routes show.

English is the source language (the msgids); ``web/locale/zh_CN/LC_MESSAGES/messages.po`` holds the Chinese,
which is the default (setting web.locale; a user may choose per account). The .po file is the only form kept in
the repository: it is compiled in memory when first needed, so a fresh clone works without a build step.
Update the catalogue with ``make messages`` (pybabel extract + update; see babel.cfg), then translate.

The language of the request being rendered lives in a context variable: templates and ``gettext`` read it.
"""
from __future__ import annotations

import contextvars
import gettext as _gettext
import io
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LOCALES = ("zh_CN", "en")  # zh_CN first: the default
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("hm_locale", default="zh_CN")


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``locale`` (English: none needed, the msgids are English)."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == "en" or not po.is_file():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def normalise(locale: str | None, default: str = "zh_CN") -> str:
    if locale in LOCALES:
        return locale
    if locale and locale.replace("-", "_").split("_")[0] == "en":
        return "en"
    if locale and locale.replace("-", "_").lower().startswith("zh"):
        return "zh_CN"
    return default if default in LOCALES else "zh_CN"


def set_locale(locale: str) -> None:
    _current.set(normalise(locale))


def current_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Marks a text for the catalogue where it is defined; it is translated where it is shown."""
    return message


# Texts made outside web/ or kept literal for logs that the UI shows translated (``tr`` in templates).
SHOWN_ELSEWHERE = (N_("(no unit)"), N_("CSRF token missing or wrong: reload the page and try again."),
                   N_("Bad request"))
