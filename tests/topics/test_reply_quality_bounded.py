"""Reply quality in bounded memory (issue 16): read and counted in batches, the same flags and similarities as
one TF-IDF over the whole run (the oracle: sklearn's TfidfVectorizer, and the implementation as it was)."""
from __future__ import annotations

import random
import re

import numpy as np
import pytest
from sqlalchemy import select, update

from analysis.quality import reply_quality
from analysis.quality.reply_quality import _NOISE, _QUOTED, REPLY_BOILERPLATE, assess_replies, assess_texts
from analysis.quality.similarity import PairSimilarities
from analysis.text.normalise import clean_text
from store.models import Message, MessageRevision
from store.models.topics import ReplyQuality
from store.settings import get_settings
from tests.topics.conftest import store_messages

_OLD_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in REPLY_BOILERPLATE))


def _old_substance(reply: str, title: str | None = None) -> str:
    """``substance`` as it was: the whole alternation on every reply."""
    text = clean_text(reply)
    if title:
        text = text.replace(clean_text(title), "")
    text = _QUOTED.sub("", text)
    text = _OLD_BOILERPLATE.sub("", text)
    return _NOISE.sub("", text)


def _old_assess_texts(questions, replies, titles, min_chars=15, min_ratio=0.15, min_similarity=0.01):
    """``assess_texts`` as it was: every document in one TfidfVectorizer (the oracle)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.text.tokenize import tokens

    results, substances = [], []
    for question, reply, title in zip(questions, replies, titles, strict=True):
        question_text = _NOISE.sub("", clean_text(f"{title or ''}{question or ''}"))
        reply_text = _NOISE.sub("", clean_text(reply or ""))
        core = _old_substance(reply or "", title)
        flags = []
        if not reply_text:
            flags.append("empty")
        elif len(core) < min_chars:
            flags.append("boilerplate_only")
        elif len(core) < min_ratio * len(question_text) and len(core) < 25:
            flags.append("too_short")
        results.append([flags, len(reply_text), len(question_text), len(core), None])
        substances.append(core)
    checkable = [i for i, r in enumerate(results) if not r[0]]
    docs = [f"{titles[i] or ''} {questions[i] or ''}" for i in checkable] + [substances[i] for i in checkable]
    matrix = TfidfVectorizer(analyzer=tokens, sublinear_tf=True).fit_transform(docs)
    n = len(checkable)
    similarity = np.asarray(matrix[:n].multiply(matrix[n:]).sum(axis=1)).ravel()
    for position, i in enumerate(checkable):
        results[i][4] = float(similarity[position])
        if similarity[position] < min_similarity:
            results[i][0].append("unrelated")
    return results


def _tfidf_oracle(questions, replies):
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True).fit_transform(
        list(questions) + list(replies))
    n = len(questions)
    return np.asarray(matrix[:n].multiply(matrix[n:]).sum(axis=1)).ravel()


@pytest.mark.parametrize("batch_size", [1, 7, 250, 2000])
def test_pair_similarities_in_batches_are_sklearns_to_the_bit(batch_size):
    rnd = random.Random(16)
    words = [f"词{i}" for i in range(2000)] + ["a", "b", "", "z"]

    def document():
        size = rnd.choice([0, 1, 3, 20, 80, 250])
        pool = words[:rnd.choice([30, len(words)])]
        return [rnd.choice(pool) for _ in range(size)]

    questions = [document() for _ in range(1200)]
    replies = [document() for _ in range(1200)]
    expected = _tfidf_oracle(questions, replies)
    similarities = PairSimilarities()
    for start in range(0, len(questions), batch_size):
        similarities.add(questions[start:start + batch_size], replies[start:start + batch_size])
    got = np.concatenate(list(similarities.finish()))
    assert got.tobytes() == expected.tobytes()  # bit for bit, not only close


def test_pair_similarities_order_of_terms_matters_and_is_kept():
    """Terms met first in a later reply than in an earlier question, and repeated: the oracle's column order and
    in-row order both differ from the order this object meets the terms; the figures are still the same bits."""
    questions = [["x"] * 3 + ["m", "a"], ["q", "a", "a", "n"], [], ["r", "x", "b"] * 2]
    replies = [["b", "z", "y", "m"], ["x", "y", "q"], ["a"], ["y", "r", "n", "a", "b", "x"]]
    expected = _tfidf_oracle(questions, replies)
    for batch_size in (1, 2, 4):
        similarities = PairSimilarities()
        for start in range(0, 4, batch_size):
            similarities.add(questions[start:start + batch_size], replies[start:start + batch_size])
        assert np.concatenate(list(similarities.finish())).tobytes() == expected.tobytes()


def test_pair_similarities_without_any_word():
    similarities = PairSimilarities()
    similarities.add([[], []], [[], []])
    similarities.add([[]], [[]])
    assert list(similarities.finish()) == [None, None]


def _varied_replies(demo_corpus):
    """Demo replies plus formulas, quotes, dates and fragments strung together at random."""
    rnd = random.Random(7)
    pieces = ["网友您好！", "尊敬的市民李先生，您好", "您好，", "非常感谢您对我们工作的支持和理解！", "您在网上的留言已收悉。",
              "现将调查处理情况回复如下：", "已转交相关部门办理。", "请耐心等待相关部门的回复。", "特此回复。", "此复",
              "关于您反映的问题", "已转F9市调查处理、核实", "感谢您的来信！", "如有疑问请联系12345咨询。",
              "祝您生活愉快！", "2019年3月5日", "２０１９年１２月３１日", "“滨江路路灯不亮”", "经核查，路灯已修复，",
              "我们已收到", "已经上报市局处置", "您所咨询的情况", "感谢关注", "收悉", "年月日", "已", "此",
              "按规定租房提取需提供租赁合同。", "\n", " ", "！", "，", "电缆被挖断"]
    replies = [m.reply_text for m in demo_corpus if m.reply_text]
    for _ in range(600):
        replies.append("".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 9))))
    return replies


def test_substance_is_unchanged_on_varied_replies(demo_corpus):
    titles = [None, "滨江路路灯不亮", "关于暖气不热"]
    replies = _varied_replies(demo_corpus)
    changed = 0
    for i, reply in enumerate(replies):
        title = titles[i % len(titles)]
        assert reply_quality.substance(reply, title) == _old_substance(reply, title), reply
        # what makes cleaning sentence by sentence the same: no formula matches across a 。
        assert all("。" not in m.group(0)[:-1] for m in _OLD_BOILERPLATE.finditer(clean_text(reply)))
        changed += _old_substance(reply, title) != _NOISE.sub("", clean_text(reply))
    assert changed > len(replies) // 2  # the formulas were there to be removed


def test_each_formula_needs_its_strings():
    """Every formula alone, on text holding none of its needed strings, matches nothing: checked on samples of
    the strings the formulas match (each formula's own matches, with each needed string removed)."""
    from analysis.quality.reply_quality import _BOILERPLATE_NEEDS

    samples = ["网友您好！您的留言已收悉，现将有关情况答复如下：已转交相关部门办理。感谢您的关注！特此回复。"
               "关于您反映的问题，已转至县农业局核实、办理。请耐心等待相关部门的回复。如有疑问请联系我们咨询。"
               "祝您生活愉快！2020年1月2日，感谢您的来信。市民您好，此复"]
    for pattern, needs in zip(REPLY_BOILERPLATE, _BOILERPLATE_NEEDS, strict=True):
        compiled = re.compile(pattern)
        matches = [m.group(0) for s in samples for m in compiled.finditer(s) if m.group(0)]
        assert matches, pattern
        for match in matches:
            assert any(needed in match for needed in needs), (pattern, match)


@pytest.mark.parametrize("batch_size", [3, 40, 100000])
def test_assess_texts_in_batches_equals_the_old_single_fit(demo_corpus, batch_size):
    rnd = random.Random(3)
    messages = [m for m in demo_corpus if m.reply_text][:300]
    replies = _varied_replies(demo_corpus)[-300:]
    questions = [m.content for m in messages] * 2
    titles = [m.title for m in messages] * 2
    answers = [m.reply_text for m in messages] + [rnd.choice([r, r, None, "", "经核查该路段电缆已于本周更换完毕恢复照明。"])
                                                  for r in replies[:len(messages)]]
    expected = _old_assess_texts(questions, answers, titles)
    got = assess_texts(questions, answers, titles, batch_size=batch_size)
    assert [[r.flags, r.reply_chars, r.question_chars, r.substantive_chars, r.similarity] for r in got] == expected
    assert {f for r in got for f in r.flags} == {"empty", "boilerplate_only", "too_short", "unrelated"}


@pytest.mark.parametrize("executor", ["serial", "process"])
def test_assess_replies_in_batches_writes_what_one_fit_gives(session, demo_corpus, monkeypatch, executor):
    # "process": every batch of 17 screened on 2 worker processes in chunks of 5, the next batch's screening
    # running while this process counts the one before (the order of the counts decides the sums)
    for name, value in {"EXECUTOR": executor, "WORKERS": "2", "PARALLEL_MIN_ITEMS": "1", "CHUNK_SIZE": "5"}.items():
        monkeypatch.setenv(f"HOTLINE_ANALYSIS_{name}", value)
    get_settings.cache_clear()
    store_messages(session, demo_corpus)
    rows = session.execute(select(Message.id, Message.title, Message.content, Message.reply_text)
                           .where(Message.reply_text.is_not(None)).order_by(Message.id)).all()
    expected = _old_assess_texts([r.content for r in rows], [r.reply_text for r in rows], [r.title for r in rows])
    counts = assess_replies(session, batch_size=17)
    session.commit()
    stored = {q.message_id: q for q in session.scalars(select(ReplyQuality))}
    assert len(stored) == len(rows)
    assert [[stored[r.id].flags, stored[r.id].reply_chars, stored[r.id].question_chars,
             stored[r.id].substantive_chars, stored[r.id].similarity] for r in rows] == expected
    assert counts["assessed"] == len(rows) and counts["unchanged"] == 0
    assert sum(counts.get(flag, 0) for flag in reply_quality.FLAGS) == sum(len(e[0]) for e in expected)

    # nothing changed: nothing assessed; then one reply changes: that row is updated in place
    assert assess_replies(session, batch_size=17) == {"assessed": 0, "unchanged": len(rows)}
    target = rows[5]
    session.execute(update(Message).where(Message.id == target.id).values(reply_text="网友您好！已转交相关部门。"))
    # the revision every import and crawl writes with a change (analysis.watermarks reads it)
    session.add(MessageRevision(message_id=target.id, field="reply_text", old_value=target.reply_text,
                                new_value="网友您好！已转交相关部门。"))
    session.commit()
    record_id = stored[target.id].id
    assert assess_replies(session, batch_size=4) == {"assessed": 1, "unchanged": len(rows) - 1,
                                                     "boilerplate_only": 1}
    session.commit()
    record = session.get(ReplyQuality, record_id)
    assert record.message_id == target.id and record.flags == ["boilerplate_only"] and record.similarity is None
    assert session.scalar(select(ReplyQuality.id).where(ReplyQuality.message_id == target.id)) == record_id


def test_pair_similarities_on_many_small_corpora():
    """Few terms, empty documents, terms met first in replies: a row's order by sklearn's index is kept apart
    from the next row's (its indices run past the number of terms)."""
    rnd = random.Random(5)
    checked = 0
    for _ in range(300):
        n = rnd.randint(1, 6)
        questions, replies = ([[rnd.choice("abcdefg") for _ in range(rnd.choice([0, 0, 1, 3, 6]))] for _ in range(n)]
                              for _ in range(2))
        if not any(questions + replies):
            continue
        similarities = PairSimilarities()
        for start in range(0, n, 2):
            similarities.add(questions[start:start + 2], replies[start:start + 2])
        got = np.concatenate(list(similarities.finish()))
        assert got.tobytes() == _tfidf_oracle(questions, replies).tobytes(), (questions, replies)
        checked += 1
    assert checked > 200


def test_later_runs_assess_only_new_letters_and_revised_replies(session, demo_corpus):
    # The first half of the corpus assessed, then the second half imported: the second run assesses exactly
    # the replied letters of the second half (counted from the corpus, independently of the step); then an
    # import that changes one reply (the product's path: upsert writes the revision) makes that one due.
    import dataclasses

    half = len(demo_corpus) // 2
    store_messages(session, demo_corpus[:half])
    first = assess_replies(session)
    session.commit()
    replied_first = sum(1 for m in demo_corpus[:half] if m.reply_text)
    assert first["assessed"] == replied_first and first["unchanged"] == 0

    store_messages(session, demo_corpus[half:])
    second = assess_replies(session)
    session.commit()
    assert second["assessed"] == sum(1 for m in demo_corpus[half:] if m.reply_text)
    assert second["unchanged"] == replied_first

    target = next(m for m in demo_corpus[:half] if m.reply_text)
    store_messages(session, [dataclasses.replace(target, reply_text="网友您好！已转交相关部门。")])
    third = assess_replies(session)
    session.commit()
    assert third["assessed"] == 1 and third["boilerplate_only"] == 1
    assert third["unchanged"] == sum(1 for m in demo_corpus if m.reply_text) - 1
