#!/usr/bin/env python3
"""Drives the features corpus scenarios against a running Postfix and writes the truth.

generate_features.sh sets Postfix up with what a mail server runs beside
plain SMTP and local delivery (see there). The truth has the format of
scenarios.py's (one object per message by Message-ID, then one
{"reject": ...} per refusal), plus one {"canceled": ...} per transaction
that smtpd dropped before it completed (the client went away, timed out,
made too many errors or said RSET): Postfix 3.7 logs the transaction's
"QID: client=" line and then nothing more about that queue ID.

Example (generate_features.sh does this with Postfix, rsyslogd and the
peers running):
  features_scenarios.py --truth /var/tmp/mailgauge-corpus/truth.features.jsonl
"""

import smtplib
import socket
import time

from scenarios import (INSIDE, DriverError, drive, expect, local_sent, notice, queue,
                       remote_sent, run, wait_for)

SUBMISSION_PORT = 587
SASL_USER, SASL_PASSWORD = "mguser@example.test", "mg-secret"
ROAMING = "127.0.0.2"  # the submission client: outside mynetworks


def sent(addr, transport, orig=None):
    d = {"to": addr, "transport": transport, "status": "sent"}
    if orig:
        d["orig_to"] = orig
    return d


def accepted(d, sc, sender, rcpts):
    """A message over SMTP on port 25 that Postfix takes for every
    recipient; returns (message_id, queue_id)."""
    mid, qid, refused = d.smtp(sc, sender, rcpts)
    expect(qid and not refused, "%s: %s" % (sc, refused))
    return mid, qid


def submission_session():
    """A session on port 587 from the roaming client, after STARTTLS."""
    s = smtplib.SMTP("127.0.0.1", SUBMISSION_PORT, local_hostname="laptop.example.net",
                     source_address=(ROAMING, 0), timeout=30)
    s.ehlo()
    s.starttls()
    s.ehlo()
    return s


def submission(d, sc, rcpts, bad_password_first):
    """A message over port 587: STARTTLS, AUTH (after a wrong password when
    asked), then the transaction. Returns (message_id, queue_id)."""
    mid = d.message_id(sc)
    data = d.build(mid, SASL_USER, rcpts, "submitted", 1)
    s = submission_session()
    try:
        if bad_password_first:
            try:
                s.login(SASL_USER, "wrong-password")
                raise DriverError("a wrong password was accepted")
            except smtplib.SMTPAuthenticationError:
                pass
        s.login(SASL_USER, SASL_PASSWORD)
        code, resp = s.mail(SASL_USER)
        expect(code == 250, "%s MAIL: %s" % (sc, resp))
        for r in rcpts:
            code, resp = s.rcpt(r)
            expect(code == 250, "%s RCPT %s: %s" % (sc, r, resp))
        code, resp = s.data(data)
        expect(code == 250, "%s DATA: %s" % (sc, resp))
        qid = resp.decode().rsplit(" ", 1)[-1]
    finally:
        s.quit()
    return mid, qid


def unauthenticated_submission(d, sender, rcpt):
    """MAIL and RCPT on port 587 without AUTH: smtpd_client_restrictions
    (permit_sasl_authenticated, reject) refuse the recipient."""
    mid = d.message_id("submission_noauth")
    s = submission_session()
    try:
        s.mail(sender)
        code, resp = s.rcpt(rcpt)
        expect(code == 554, "unauthenticated RCPT: %d %s" % (code, resp))
    finally:
        s.quit()
    d.reject(ROAMING, "RCPT", sender, rcpt, 554, "5.7.1", "client host rejected", "NOQUEUE", mid)


class Session:
    """A raw SMTP session on port 25, to break off where a real client does."""

    def __init__(self, source):
        self.sock = socket.create_connection(("127.0.0.1", 25), source_address=(source, 0),
                                             timeout=30)
        self.file = self.sock.makefile("rb")
        self.reply()

    def reply(self):
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                raise DriverError("the server closed the connection")
            lines.append(line)
            if line[3:4] != b"-":
                return int(line[:3]), b"".join(lines)

    def command(self, text, want):
        self.sock.sendall(text.encode("ascii") + b"\r\n")
        code, resp = self.reply()
        expect(code == want, "%s: want %d, got %r" % (text, want, resp))

    def send_raw(self, text):
        self.sock.sendall(text.encode("ascii"))

    def close(self):
        self.sock.close()
        time.sleep(0.5)  # smtpd logs the end before the next session starts


def open_transaction(source, helo, sender, rcpt):
    """A session on port 25 with a transaction open: EHLO, MAIL and an
    accepted RCPT (smtpd logs "QID: client=" then)."""
    s = Session(source)
    s.command("EHLO " + helo, 250)
    s.command("MAIL FROM:<%s>" % sender, 250)
    s.command("RCPT TO:<%s>" % rcpt, 250)
    return s


def canceled(d, source, after, sender, mid=None):
    obj = {"client": source, "after": after, "sender": sender}
    if mid:
        obj["message_id"] = mid
    d.rejects.append({"canceled": obj})


def broken_sessions(d):
    """Transactions smtpd drops, each from a client address of its own (the
    connection rate limit counts per client)."""
    # the client goes away after its recipient was accepted
    s = open_transaction("127.0.0.11", "gone.example.net", "spam@gone.test", "bob@example.test")
    s.close()
    canceled(d, "127.0.0.11", "RCPT", "spam@gone.test")

    # ... in the middle of the content
    mid = d.message_id("lost_in_data")
    s = open_transaction("127.0.0.12", "partial.example.net", "big@partial.test", "carol@example.test")
    s.command("DATA", 354)
    s.send_raw("Message-ID: <%s>\r\nSubject: partial\r\n\r\nthe first line of a long body\r\n" % mid)
    time.sleep(0.3)
    s.close()
    canceled(d, "127.0.0.12", "DATA", "big@partial.test", mid)

    # RSET after the recipient, then QUIT
    s = open_transaction("127.0.0.13", "rset.example.net", "maybe@rset.test", "bob@example.test")
    s.command("RSET", 250)
    s.command("QUIT", 221)
    s.close()
    canceled(d, "127.0.0.13", "RSET", "maybe@rset.test")

    # silent inside the content until smtpd_timeout (3s) ends the session
    s = open_transaction("127.0.0.14", "slow.example.net", "slow@slow.test", "alice@example.test")
    s.command("DATA", 354)
    s.send_raw("Subject: slow\r\n\r\nwaiting\r\n")
    time.sleep(4.5)
    s.close()
    canceled(d, "127.0.0.14", "DATA", "slow@slow.test")

    # commands smtpd does not know until smtpd_hard_error_limit (5)
    s = open_transaction("127.0.0.15", "noisy.example.net", "noisy@noisy.test", "bob@example.test")
    for _ in range(5):
        s.command("XYZZY", 500)
    s.command("XYZZY", 421)
    s.close()
    canceled(d, "127.0.0.15", "UNKNOWN", "noisy@noisy.test")


def rate_limited(source, limit):
    """limit connections from one client in a row, and one more:
    smtpd_client_connection_rate_limit refuses the last with 421."""
    for i in range(limit):
        s = smtplib.SMTP("127.0.0.1", 25, local_hostname="fast.example.net",
                         source_address=(source, 0), timeout=30)
        code, _ = s.ehlo()
        expect(code == 250, "connection %d from %s" % (i + 1, source))
        s.quit()
    s = socket.create_connection(("127.0.0.1", 25), source_address=(source, 0), timeout=30)
    try:
        banner = s.makefile("rb").readline()
    finally:
        s.close()
    expect(banner.startswith(b"421"), "connection %d from %s: %r" % (limit + 1, source, banner))
    time.sleep(0.5)


def scenarios(d):
    snd = "alice@example.test"

    sc = "submission"
    mid, qid = submission(d, sc, ["ok9@remote.test", "bob@example.test"], bad_password_first=True)
    d.record(sc, mid, SASL_USER, "smtp", ROAMING, True, [
        {"address": "ok9@remote.test", "status": "sent",
         "note": "port 587 (postfix/submission/smtpd), STARTTLS, AUTH PLAIN after a failed one",
         "deliveries": [remote_sent("ok9@remote.test")]},
        {"address": "bob@example.test", "status": "sent",
         "deliveries": [local_sent("bob@example.test")]}])

    unauthenticated_submission(d, "nobody@example.test", "ok10@remote.test")

    sc = "lmtp"
    mid, lmtp_qid = accepted(d, sc, snd, ["u1@mbox.test", "quota-1@mbox.test",
                                          "tempfail-1@mbox.test"])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "u1@mbox.test", "status": "sent", "note": "LMTP 250 after DATA",
         "deliveries": [sent("u1@mbox.test", "lmtp")]},
        {"address": "quota-1@mbox.test", "status": "bounced",
         "note": "LMTP 552 5.2.2 after DATA (over quota)"},
        {"address": "tempfail-1@mbox.test", "status": "deferred",
         "note": "LMTP 451 4.3.0 after DATA; still deferred at the end, with a delay warning",
         "deferrals": 2}],
        notice(snd))

    sc = "pipe"
    mid, pipe_qid = accepted(d, sc, snd, ["ok@pipe.test", "nouser@pipe.test", "tempfail@pipe.test"])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "ok@pipe.test", "status": "sent", "note": "pipe(8), exit 0",
         "deliveries": [sent("ok@pipe.test", "pipe")]},
        {"address": "nouser@pipe.test", "status": "bounced", "note": "pipe(8), exit 67 (EX_NOUSER)"},
        {"address": "tempfail@pipe.test", "status": "deferred",
         "note": "pipe(8), exit 75 (EX_TEMPFAIL); still deferred at the end", "deferrals": 2}],
        notice(snd))

    sc = "transport_error"
    mid = d.sendmail(sc, snd, ["x@gone.test", "y@later.test", "z@drop.test"])
    d.record(sc, mid, snd, "sendmail", "pickup", False, [
        {"address": "x@gone.test", "status": "bounced", "note": "transport error:5.1.2 (error(8))"},
        {"address": "y@later.test", "status": "deferred",
         "note": "transport retry:4.3.2 (error(8) as retry); still deferred at the end",
         "deferrals": 2},
        {"address": "z@drop.test", "status": "sent", "note": "transport discard: (discard(8))",
         "deliveries": [sent("z@drop.test", "discard")]}],
        notice(snd))

    sc = "tls_required"
    mid, tls_qid = accepted(d, sc, snd, ["t@tlsreq.test"])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "t@tlsreq.test", "status": "deferred",
         "note": "smtp_tls_security_level=encrypt, the peer offers no STARTTLS (4.7.4)",
         "deferrals": 2}])

    sc = "sender_bcc"
    mid, qid = accepted(d, sc, "bcc-sender@example.test", ["bob@example.test"])
    d.record(sc, mid, "bcc-sender@example.test", "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent",
         "deliveries": [local_sent("bob@example.test")]},
        {"address": "archive@remote.test", "status": "sent",
         "note": "added by sender_bcc_maps",
         "deliveries": [remote_sent("archive@remote.test")]}])

    sc = "alias_command_file"
    mid, qid = accepted(d, sc, snd, ["tocmd@example.test", "tofile@example.test",
                                     "tocmdfail@example.test"])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "tocmd@example.test", "status": "sent",
         "note": "alias to a command: 'delivered to command: ...'",
         "deliveries": [local_sent("tocmd@example.test")]},
        {"address": "tofile@example.test", "status": "sent",
         "note": "alias to a file: 'delivered to file: ...'",
         "deliveries": [local_sent("tofile@example.test")]},
        {"address": "tocmdfail@example.test", "status": "bounced",
         "note": "alias to a command that exits 1: 'Command died with status 1'"}],
        notice(snd))

    sc = "quoted_local_part"
    mid, qid = accepted(d, sc, snd, ['"j d"@remote.test'])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": '"j d"@remote.test', "status": "sent",
         "deliveries": [remote_sent('"j d"@remote.test')]}])

    broken_sessions(d)
    rate_limited("127.0.0.16", 4)

    # Past delay_warning_time (2s), one more attempt for each deferred
    # message: the delay warnings go out now if they have not yet.
    # Deferred: lmtp, pipe and tls_required's messages and transport_error's
    # (by sendmail: its queue ID is not known here).
    deferred = 1 + len([lmtp_qid, pipe_qid, tls_qid])
    wait_for_deferred(deferred)
    time.sleep(2.5)
    run(["postqueue", "-f"])
    time.sleep(3)
    wait_for_deferred(deferred)


def wait_for_deferred(n):
    """Waits until the queue holds n messages, all deferred."""
    wait_for(lambda: len(queue()) == n and set(queue().values()) == {"deferred"},
             "%d deferred messages" % n)
    time.sleep(0.5)


def main():
    drive("features_scenarios.py", lambda d, args: scenarios(d), __doc__)


if __name__ == "__main__":
    main()
