"""The publication's personal-data rules on top of analysis.privacy.redact: staff names, masked contacts, dropping."""
from __future__ import annotations

from reports import deidentify
from store.settings import get_settings


def test_staff_names_are_masked_by_default_and_kept_when_the_setting_is_off(monkeypatch):
    text = "经核实，社区工作人员刘志强已上门查看，联系人：赵敏。"
    masked = deidentify.mask(text)
    assert "刘志强" not in masked and "赵敏" not in masked
    assert "刘**" in masked  # the surname stays so the sentence still reads
    monkeypatch.setenv("HOTLINE_REPORTS_MASK_STAFF_NAMES", "false")
    get_settings.cache_clear()
    assert not [s for s in deidentify.published_findings(text) if s.type == "staff_name"]


def test_an_already_masked_phone_is_still_a_contact_detail():
    text = "业主反映问题，联系电话157-****-6102。"
    types = {s.type for s in deidentify.published_findings(text)}
    assert "masked_contact" in types
    assert "6102" not in deidentify.mask(text)


def test_contact_sentences_are_dropped_whole():
    kept = deidentify.drop_contact_sentences(["路灯已修复。", "请拨打13812345678联系。"])
    assert kept == ["路灯已修复。"]


def test_words_after_staff_cues_that_are_not_names_are_left_alone():
    text = "工作人员已上门核实，负责人表示将于本周完成维修。"
    assert deidentify.mask(text) == text
