"""The topics of the demo corpus do not depend on Python's string-hash seed.

Set iteration order changes with PYTHONHASHSEED; before this test, a label's place among equally frequent
places and the numbering of the word-bigram columns followed it, so two processes gave two sets of topics from
one corpus (on the demo, seeds 0 and 1 gave different labels and places). Each process stores the demo
corpus in its own SQLite file, runs a full topics step and prints every live topic's (label, keywords, places,
people, member count), sorted; the two outputs must be the same and not empty.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import os, sys
sys.path.insert(0, os.environ["ROOT"]); sys.path.insert(0, os.environ["ROOT"] + "/tests/topics")
from sqlalchemy import select
from conftest import store_messages
from demo.corpus import generate_corpus
from analysis.topics.clustering import update_topics
from store.db import get_engine, session_scope
from store.models import Base
from store.models.topics import Topic
engine = get_engine()
Base.metadata.create_all(engine)
with session_scope(engine) as session:
    store_messages(session, generate_corpus())
with session_scope(engine) as session:
    update_topics(session, mode="full")
    for row in sorted((t.label, t.keywords, t.places, t.distinct_submitters, t.size)
                      for t in session.scalars(select(Topic).where(Topic.status == "active"))):
        print(row)
"""


def _topics(seed: str, scratch: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(PYTHONHASHSEED=seed, ROOT=str(ROOT), HOTLINE_DATABASE_URL=f"sqlite:///{scratch / 'demo.db'}",
               HOTLINE_GENERAL_VAR_DIR=str(scratch))
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return result.stdout


def test_demo_topics_are_the_same_under_two_hash_seeds(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = _topics("0", tmp_path / "a"), _topics("1", tmp_path / "b")
    assert first.count("\n") > 50  # the demo makes over a hundred topics
    assert first == second
