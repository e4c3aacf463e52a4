"""SmtpOutbound against the aiosmtpd sink."""

from __future__ import annotations

import logging

import pytest

from agent.errors import AdapterError, TransientError
from agent.mail.smtp import SmtpOutbound

pytestmark = pytest.mark.integration

RAW = (b"From: Mentor Program <program@example.test>\r\nTo: mentee@example.org\r\n"
       b"Subject: Your agenda\r\nMessage-ID: <out-1@example.test>\r\n\r\nHello\r\n")


def outbound(sink, **kw) -> SmtpOutbound:
    return SmtpOutbound(sink.host, sink.port, "none", timeout=10, **kw)


def test_send_without_auth_delivers_with_envelope_from_the_from_header(smtp_sink):
    outbound(smtp_sink).send("<out-1@example.test>", RAW, ["mentee@example.org", "mentor@example.org"])
    (msg,) = smtp_sink.wait_for(1)
    assert msg.mail_from == "program@example.test"
    assert msg.rcpt_tos == ["mentee@example.org", "mentor@example.org"]
    assert msg.message_id == "<out-1@example.test>" and msg.login is None
    assert msg.data.rstrip(b"\r\n") == RAW.rstrip(b"\r\n")


def test_send_with_auth_and_missing_message_id_added(smtp_sink):
    raw = RAW.replace(b"Message-ID: <out-1@example.test>\r\n", b"")
    box = outbound(smtp_sink, username="agent@example.test", password="secret",
                   envelope_from="bounces@example.test")
    box.send("key-42@example.test", raw, ["mentee@example.org"])
    (msg,) = smtp_sink.wait_for(1)
    assert msg.login == "agent@example.test" and msg.mail_from == "bounces@example.test"
    assert msg.message_id == "<key-42@example.test>"
    assert "secret" not in repr(box)


def test_wrong_password_is_permanent_and_secret_free(smtp_sink, caplog):
    box = outbound(smtp_sink, username="agent@example.test", password="hunter2-wrong")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AdapterError) as err:
        box.send("<x@example.test>", RAW, ["mentee@example.org"])
    assert not isinstance(err.value, TransientError) and "535" in str(err.value)
    assert "hunter2-wrong" not in str(err.value) + repr(box) + caplog.text


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
def test_4xx_is_transient(smtp_sink, stage):
    smtp_sink.fail_next(451, stage=stage, text="4.3.0 try again later")
    with pytest.raises(TransientError, match="451"):
        outbound(smtp_sink).send("<out-1@example.test>", RAW, ["mentee@example.org"])
    outbound(smtp_sink).send("<out-1@example.test>", RAW, ["mentee@example.org"])  # retry works
    assert len(smtp_sink.wait_for(1)) == 1


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
def test_5xx_is_permanent_with_the_servers_reply(smtp_sink, stage):
    smtp_sink.fail_next(554, stage=stage, text="5.7.1 rejected by policy")
    with pytest.raises(AdapterError, match="554 5.7.1 rejected by policy") as err:
        outbound(smtp_sink).send("<out-1@example.test>", RAW, ["mentee@example.org"])
    assert not isinstance(err.value, TransientError)
    assert smtp_sink.messages == []


def test_partial_refusal_does_not_raise(smtp_sink, caplog):
    smtp_sink.fail_next(550, stage="RCPT", text="5.1.1 no such user")
    outbound(smtp_sink).send("<out-1@example.test>", RAW, ["gone@example.org", "mentee@example.org"])
    (msg,) = smtp_sink.wait_for(1)
    assert msg.rcpt_tos == ["mentee@example.org"] and "gone@example.org" in caplog.text


def test_no_server_is_transient():
    from servers import free_port

    with pytest.raises(TransientError):
        SmtpOutbound("127.0.0.1", free_port(), "none", timeout=5).send("<a@b>", RAW, ["x@example.org"])
