"""Label → field mapping for pages laid out as label/value pairs (th/td, dt/dd, "标签：<span>值</span>").

The vocabulary lives in crawlers/data/labels.toml (data, not code): a bureau adds its site's wording there. It is
validated against ``vocabulary_schema()`` when first read (errors name the file, the key and the reason).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from parsel import Selector

from crawlers.parsing import clean_inline

VOCABULARY_FILE = Path(__file__).parent.parent / "data" / "labels.toml"
_LABEL_NOISE = re.compile(r"[\s:：\u3000\u00a0]+")
_PLACEHOLDER_NOISE = re.compile(r"[\s\u3000\u00a0。.！!…]+")
# fields whose value keeps its line breaks (HTML is kept and cleaned later by items.item_to_record)
MULTILINE = {"content", "reply_text"}


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    from store.schema import load_toml

    data = load_toml(vocabulary_schema(), VOCABULARY_FILE)
    labels = {name: field for field, names in data.labels.items() for name in names}
    return {"labels": labels, "no_reply": tuple(data.no_reply.placeholders), "answered": tuple(data.answered.words)}


@lru_cache(maxsize=1)
def vocabulary_schema() -> type:
    """The pydantic model of labels.toml, built on first use (pydantic is loaded only when the file is read)."""
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

    from crawlers.items import MESSAGE_FIELDS
    from store.schema import invalid

    Word = Annotated[str, StringConstraints(min_length=1)]

    class Strict(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")

    class NoReply(Strict):
        placeholders: list[Word]

    class Answered(Strict):
        words: list[Word]

    class Vocabulary(Strict):
        labels: dict[str, list[Word]]  # message field -> the labels pages print for it
        no_reply: NoReply
        answered: Answered

        @field_validator("labels")
        @classmethod
        def _one_field_per_label(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
            owner: dict[str, str] = {}
            for field, names in value.items():
                if field not in MESSAGE_FIELDS:
                    raise invalid(f"{field!r} is not a message field (one of {', '.join(MESSAGE_FIELDS[2:])})")
                for name in names:
                    if bare_label(name) != name:
                        raise invalid(f"{field}: {name!r}: write the label without spaces or colons "
                                      f"({bare_label(name)!r}): pages are compared that way")
                    if owner.setdefault(name, field) != field:
                        raise invalid(f"{name!r} is a label of both {owner[name]} and {field}")
            return value

    return Vocabulary


def bare_label(label: str) -> str:
    """A label as compared: without spaces and colons (“诉求类型：” and “诉求 类型” are 诉求类型)."""
    return _LABEL_NOISE.sub("", label or "")


def label_field(label: str) -> str | None:
    return vocabulary()["labels"].get(bare_label(label))


def answered_words() -> tuple[str, ...]:
    return vocabulary()["answered"]


def is_placeholder(text: str | None, extra: Iterable[str] = ()) -> bool:
    """True when ``text`` (a reply) only says that no reply exists yet (正在办理中, 待回复…)."""
    if not text:
        return False
    bare = _PLACEHOLDER_NOISE.sub("", clean_inline(text))
    return any(bare == _PLACEHOLDER_NOISE.sub("", word) for word in (*vocabulary()["no_reply"], *extra))


_LEADING_LABEL = re.compile(r"^\s*([\u4e00-\u9fff]{2,8})\s*[:：]\s*")


def without_own_label(name: str, value: Any) -> Any:
    """``value`` without a leading label naming its own field ("留言人：张三" as the submitter → "张三"), as pages
    print a label and its value in one element. Other text before a colon is kept."""
    if not isinstance(value, str) or name in MULTILINE:
        return value
    match = _LEADING_LABEL.match(value)
    if match and label_field(match.group(1)) == name:
        return value[match.end():]
    return value


def cell_value(name: str, cell: Selector) -> str:
    if name in MULTILINE:
        return "".join(cell.xpath("node()").getall())
    return clean_inline(" ".join(cell.xpath(".//text()").getall()))


def fields_from_pairs(pairs: Iterable[tuple[str, Selector]]) -> dict[str, Any]:
    """Field values from (label text, value cell) pairs; the first occurrence of a field wins."""
    fields: dict[str, Any] = {}
    for label, cell in pairs:
        name = label_field(label)
        if name is None or name in fields:
            continue
        fields[name] = cell_value(name, cell)
    return fields


def table_pairs(rows: Iterable[Selector]) -> Iterator[tuple[str, Selector]]:
    """(label, value cell) pairs from table rows whose cells alternate label, value (th/td or td/td), and from
    cells that hold both, the label as text and the value in a ``<span>`` ("信件标题：<span>…</span>")."""
    for row in rows:
        cells = row.xpath("./th|./td")
        index = 0
        while index < len(cells):
            cell = cells[index]
            spans = cell.xpath("./span")
            own = clean_inline(" ".join(cell.xpath("./text()").getall()))
            if spans and own and label_field(own):
                yield own, spans[0]
                index += 1
                continue
            if index + 1 < len(cells):
                yield clean_inline(" ".join(cell.xpath(".//text()").getall())), cells[index + 1]
            index += 2


def dl_pairs(root: Selector) -> Iterator[tuple[str, Selector]]:
    """(label, value) pairs from ``<dl><dt>label</dt><dd>value</dd>…</dl>`` lists under ``root``."""
    for dt in root.xpath(".//dt"):
        dd = dt.xpath("following-sibling::*[1][self::dd]")
        if dd:
            yield clean_inline(dt.xpath("string()").get()), dd[0]


def header_columns(cells: Iterable[Selector]) -> list[str]:
    """The labels of a list table's header cells, as printed."""
    return [clean_inline(cell.xpath("string()").get()) for cell in cells]
