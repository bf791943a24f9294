"""The notifier registry (``alerts.notifiers``): every channel registers itself, is imported only when used, and
delivers to a real local server (aiosmtpd for e-mail, the robot server for the others)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from alerts.notifiers import BaseNotifier, OutgoingMessage, channels, notifier_class, notifier_for
from tests.alerts.servers import ROBOT_SECRETS, RobotServer, SmtpSink


@pytest.fixture
def servers():
    smtp, robots = SmtpSink().start(), RobotServer().start()
    yield smtp, robots
    robots.stop()
    smtp.stop()


def address_on_test_server(channel: str, smtp: SmtpSink, robots: RobotServer) -> dict:
    """Where the test server of ``channel`` listens. A new channel without an entry here fails the test below:
    give it a route in tests/alerts/servers.py first."""
    if channel == "email":
        return {"to": ["duty@jiangchuan.example"]}
    if channel in ("dingtalk", "feishu"):
        return {"url": f"{robots.url}/{channel}", "secret": ROBOT_SECRETS[channel]}
    if channel in ("wecom", "webhook"):
        return {"url": f"{robots.url}/{channel}"}
    pytest.fail(f"channel {channel!r} has no test server: add one to tests/alerts/servers.py and here")


def test_every_registered_channel_delivers_to_its_test_server(servers, monkeypatch):
    from store.settings import get_settings

    smtp, robots = servers
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_ALERTS_SMTP_PORT", str(smtp.port))
    get_settings.cache_clear()
    registered = channels()
    # the five modules of alerts/notifiers/ (a sixth would be listed here by the registry, not by hand)
    assert registered == ("dingtalk", "email", "feishu", "webhook", "wecom")
    for channel in registered:
        notifier = notifier_for(channel)
        assert isinstance(notifier, BaseNotifier) and notifier.channel == channel
        message = OutgoingMessage(idempotency_key=f"registry-{channel}", subject="【回复提醒】测试", text="- [A1] 测试",
                                  recipient_name="市住建局")
        try:
            answer = notifier.send(address_on_test_server(channel, smtp, robots), message)
        finally:
            notifier.close()
        assert answer, channel
    assert sorted(r["kind"] for r in robots.accepted) == ["dingtalk", "feishu", "webhook", "wecom"]
    assert robots.rejected == []
    assert [m["rcpt"] for m in smtp.messages] == [["duty@jiangchuan.example"]]


def test_a_channel_module_is_imported_only_when_used():
    # A fresh interpreter: using WeCom imports its module alone; listing the channels imports them all.
    code = ("import sys; from alerts.notifiers import channels, notifier_class; notifier_class('wecom'); "
            "print(sorted(m for m in sys.modules if m.startswith('alerts.notifiers.'))); channels(); "
            "print(sorted(m for m in sys.modules if m.startswith('alerts.notifiers.')))")
    used, listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                  ).stdout.splitlines()
    assert used == "['alerts.notifiers._http', 'alerts.notifiers.wecom']"
    assert "'alerts.notifiers.email'" in listed and "'alerts.notifiers.dingtalk'" in listed


def test_unknown_and_twice_registered_channels_are_refused():
    with pytest.raises(ValueError, match=r"unknown alert channel 'fax' \(one of dingtalk, email, feishu, "):
        notifier_class("fax")
    with pytest.raises(TypeError, match="registered twice"):
        type("OtherWeCom", (BaseNotifier,), {}, channel="wecom")
