"""crawlers/data/labels.toml: checked against its schema when read; a mistake names the file, the key and why."""
from __future__ import annotations

import tomllib

import pytest

from crawlers.spiders.labels import VOCABULARY_FILE, label_field, vocabulary, vocabulary_schema
from store.schema import load_toml
from store.settings import ConfigError

_REST = '[no_reply]\nplaceholders = ["待回复"]\n[answered]\nwords = ["已回复"]\n'


def test_the_shipped_vocabulary_reads_as_written():
    # every label of the file maps to its field (the file read by plain tomllib is the independent oracle)
    raw = tomllib.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    expected = {name: field for field, names in raw["labels"].items() for name in names}
    assert vocabulary()["labels"] == expected
    assert vocabulary()["no_reply"] == tuple(raw["no_reply"]["placeholders"])
    assert label_field("诉求 类型：") == "kind"


@pytest.mark.parametrize(("text", "message"), [
    ('[labels]\nreply = ["回复"]\n' + _REST, "labels: 'reply' is not a message field"),
    ('[labels]\ntitle = ["主题"]\ncategory = ["主题"]\n' + _REST, "labels: '主题' is a label of both title and category"),
    ('[labels]\ntitle = ["标题："]\n' + _REST, "labels: title: '标题：': write the label without spaces or colons ('标题')"),
    ('[labels]\ntitle = "标题"\n' + _REST, "labels.title: Input should be a valid list"),
    ('[labels]\ntitle = ["标题"]\n[answered]\nwords = ["已回复"]\n', "no_reply: Field required"),
    ('[labels]\ntitle = ["标题"]\n' + _REST + '[extra]\n', "extra: Extra inputs are not permitted"),
])
def test_a_mistake_names_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "labels.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_toml(vocabulary_schema(), path)
    assert f"{path}: {message}" in str(caught.value)
