"""Profiles: the packaged ones load; a bad one is refused naming the file and the key."""
from __future__ import annotations

import pytest

from crawlers.profiles import ProfileError, load_profile, load_profiles
from crawlers.spiders import families
from store.settings import get_settings


def test_packaged_profiles_cover_every_family():
    # every registered family has a packaged (demo) profile: the spider tests run each family through it
    profiles = load_profiles()
    assert {p.family for p in profiles.values()} == set(families())


def test_with_origin_keeps_the_path():
    profile = load_profiles()["demo-vsb"].with_origin("http://127.0.0.1:9999")
    assert profile.base_url == "http://127.0.0.1:9999/vsb/"
    assert profile.allowed_domains == ("127.0.0.1",)


_BASE = 'name = "x"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"\n'


# Messages as store.schema words them: "<file>: <key path>: <reason>" (a changed expectation is at least as
# precise as the hand-written one it replaces: the key path and the reason, and every problem, not the first).
@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\nfamily = "wordpress"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"',
     f"family: 'wordpress' is not a spider family (one of {', '.join(families())})"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mail"\nbase_url = "http://a.gov.cn/"', "channel: 'mail' is not one of"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mailbox"', "base_url: Field required"),
    ('name = ""\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"', "name: String should have at least 1"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "a.gov.cn"', "base_url: 'a.gov.cn' has no host"),
    ('name = "x"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://a.gov.cn/"\nspeed = 3',
     "speed: Extra inputs are not permitted"),
    ('name = "x', "not valid TOML"),
    (_BASE + 'max_pages = "10"', "max_pages: Input should be a valid integer"),
    (_BASE + 'time_budget_seconds = true', "time_budget_seconds: Input should be a valid number"),
    (_BASE + 'encoding = "gbk2"', "encoding: 'gbk2' is not an encoding Python knows"),
    (_BASE + '[params]\nreply_placeholders = "待回复"', "params.reply_placeholders: Input should be a valid list"),
    (_BASE + '[params.list_fields]\nreply = "回复"', "params.list_fields: 'reply' is not a message field"),
    (_BASE + '[params.list_fields]\nkind = ""', "params.list_fields: kind: must be a non-empty text"),
])
def test_bad_profile(tmp_path, text, message):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert f"{path}: " in str(info.value) and message in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    # three mistakes, three lines (the hand-written validator stopped at the first)
    path = tmp_path / "site.toml"
    path.write_text(_BASE.replace('"vsb"', '"wordpress"') + 'max_pages = "10"\nspeed = 3\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert [line.split(": ")[1] for line in str(info.value).splitlines()] == ["family", "max_pages", "speed"]


def test_a_valid_profile_keeps_its_values(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(_BASE + 'time_budget_seconds = 60\n[params]\nlist_path = "list.jsp"\n', encoding="utf-8")
    profile = load_profile(path)
    # the default domain is base_url's host; params keep the family's own keys as written
    assert (profile.allowed_domains, profile.time_budget_seconds, profile.params) == (
        ("a.gov.cn",), 60, {"list_path": "list.jsp"})
    assert profile.source == "x" and profile.freshness_days == 5


def test_own_profiles_dir_wins(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text(
        'name = "demo-vsb"\nfamily = "vsb"\nchannel = "mailbox"\nbase_url = "http://www.example.gov.cn/"\n',
        encoding="utf-8")
    monkeypatch.setenv("HOTLINE_CRAWL_PROFILES_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert load_profiles()["demo-vsb"].base_url == "http://www.example.gov.cn/"


def test_a_profiles_region_goes_onto_its_source(tmp_path, sqlite_engine):
    from sqlalchemy import select

    from crawlers.state import open_run
    from store.db import session_scope
    from store.models import Source

    path = tmp_path / "site.toml"
    path.write_text(_BASE + 'region = "江川区"\n', encoding="utf-8")
    profile = load_profile(path)
    assert profile.region == "江川区"
    open_run(profile, "vsb")
    with session_scope() as session:
        assert session.scalar(select(Source.region).where(Source.name == profile.source)) == "江川区"
    bad = tmp_path / "bad.toml"
    bad.write_text(_BASE + "region = 3\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="region"):
        load_profile(bad)
