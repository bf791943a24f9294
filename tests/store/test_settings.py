from pathlib import Path

import pytest

from store.settings import SETTINGS, Setting, load_settings, render_docs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_has_help_text():
    undocumented = [s.name for s in SETTINGS if len(s.help.strip()) < 10]
    assert undocumented == []


def test_setting_names_are_unique_and_sectioned():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(name.count(".") == 1 for name in names)


def test_docs_file_lists_every_setting_as_generated():
    assert DOCS.is_file(), "run `hotline-monitor config docs > docs/configuration.md`"
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert missing == [], f"undocumented settings: {missing}; regenerate docs/configuration.md"
    assert text == render_docs(), "docs/configuration.md is stale: run `hotline-monitor config docs`"


def test_file_then_environment_override_defaults(tmp_path):
    config = tmp_path / "hotline.toml"
    config.write_text('[import]\nbatch_size = 10\n[database]\necho = true\n', encoding="utf-8")
    settings = load_settings(config, environ={"HOTLINE_IMPORT_BATCH_SIZE": "25"})
    assert settings.get("import.batch_size") == 25
    assert settings.origin("import.batch_size") == "HOTLINE_IMPORT_BATCH_SIZE"
    assert settings.get("database.echo") is True
    assert settings.origin("database.echo") == str(config)
    assert settings.get("general.mode") == "development"


def test_unknown_setting_in_file_is_named(tmp_path):
    config = tmp_path / "hotline.toml"
    config.write_text('[import]\nbatchsize = 10\n', encoding="utf-8")
    with pytest.raises(ValueError, match="import.batchsize"):
        load_settings(config, environ={})


def test_wrong_type_from_environment_is_named():
    with pytest.raises(ValueError, match="HOTLINE_IMPORT_BATCH_SIZE"):
        load_settings(None, environ={"HOTLINE_IMPORT_BATCH_SIZE": "many"})


def test_env_var_name_follows_setting_name():
    assert Setting("database.url", "", "x").env_var == "HOTLINE_DATABASE_URL"
