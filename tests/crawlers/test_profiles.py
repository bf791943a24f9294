"""Profiles: the packaged ones load; a bad one is refused naming the file and the key."""
from __future__ import annotations

import pytest

from crawlers.profiles import FAMILIES, ProfileError, load_profile, load_profiles
from store.settings import get_settings


def test_packaged_profiles_cover_every_family():
    profiles = load_profiles()
    assert {p.family for p in profiles.values()} == set(FAMILIES)


def test_with_origin_keeps_the_path():
    profile = load_profiles()["demo-vsb"].with_origin("http://127.0.0.1:9999")
    assert profile.base_url == "http://127.0.0.1:9999/vsb/"
    assert profile.allowed_domains == ("127.0.0.1",)


_BASE = 'name = "x"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"\n'


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\nfamily = "wordpress"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"', "family 'wordpress'"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mail"\nbase_url = "http://a.gov.cn/"', "channel 'mail'"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mailbox"', "missing required key 'base_url'"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"\nspeed = 3', "unknown key"),
    ('name = "x', "not valid TOML"),
    (_BASE + 'max_pages = "10"', "key 'max_pages' must be int, not str"),
    (_BASE + 'time_budget_seconds = true', "key 'time_budget_seconds' must be int or float, not bool"),
    (_BASE + 'encoding = "gbk2"', "encoding 'gbk2' is not an encoding Python knows"),
    (_BASE + '[params]\nreply_placeholders = "待回复"', "params.reply_placeholders must be a list, not str"),
    (_BASE + '[params.list_fields]\nreply = "回复"', "params.list_fields.reply is not a message field"),
    (_BASE + '[params.list_fields]\nkind = ""', "params.list_fields.kind must be a non-empty text"),
])
def test_bad_profile(tmp_path, text, message):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_own_profiles_dir_wins(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text(
        'name = "demo-vsb"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://www.example.gov.cn/"\n',
        encoding="utf-8")
    monkeypatch.setenv("HOTLINE_CRAWL_PROFILES_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert load_profiles()["demo-vsb"].base_url == "http://www.example.gov.cn/"
