#!/usr/bin/env python3
"""Drives the content-filter corpus scenarios against a running Postfix and writes the truth.

generate_filters.sh sets Postfix up as a mail server with the two kinds of
content filter that amavisd-new and its kin are run as, and postscreen in
front of port 25:
  - after the queue: content_filter = amavisfeed:[127.0.0.1]:10024, the
    filter (filter_smtp.py) re-injects into the smtpd on 127.0.0.1:10025 with
    XFORWARD; postscreen on port 25 (postscreen_access_list =
    permit_mynetworks, greet action enforce);
  - before the queue: the smtpd on 127.0.0.1:2626 has smtpd_proxy_filter =
    127.0.0.1:10026 (a second filter_smtp.py re-injecting into 10025).
The filter decides by words in the message (see filter_smtp.py). The truth
has the format of scenarios.py's (one object per message by Message-ID,
then one {"reject": ...} per refusal); a recipient's status is what Postfix
did with it: "sent" for the message the after-queue filter accepted and
dropped (to Postfix, a delivery to the filter), "filter_discarded" for the
one the before-queue filter accepted and dropped (no queue file at all).

Example (generate_filters.sh does this with Postfix, rsyslogd, the peer and
both filters running):
  filter_scenarios.py --truth /var/tmp/mailgauge-corpus/truth.filters.jsonl
"""

import socket
import time

from scenarios import (INSIDE, OUTSIDE, drive, expect, local_sent, notice,
                       remote_sent, run, wait_settled)

OUTSIDE_EARLY = "127.0.0.3"   # talks before the greeting: postscreen's PREGREET
PROXY_PORT = 2626             # the smtpd with smtpd_proxy_filter


def filter_hop(addr):
    return {"to": addr, "transport": "smtp", "status": "sent",
            "note": "handed to the after-queue filter on 127.0.0.1:10024"}


def pregreet(d, sender, rcpt):
    """A client that sends EHLO before postscreen's greeting; postscreen's own
    SMTP engine then refuses its RCPT (550 5.5.1 Protocol error)."""
    mid = d.message_id("pregreet")
    s = socket.create_connection(("127.0.0.1", 25), source_address=(OUTSIDE_EARLY, 0), timeout=30)
    replies = []
    try:
        s.sendall(b"EHLO early.example.net\r\n")
        time.sleep(3)  # past postscreen_greet_wait
        replies.append(s.recv(65536))
        for cmd in (b"MAIL FROM:<%s>\r\n" % sender.encode(), b"RCPT TO:<%s>\r\n" % rcpt.encode()):
            s.sendall(cmd)
            time.sleep(0.3)
            replies.append(s.recv(65536))
        s.sendall(b"QUIT\r\n")
        time.sleep(0.3)
    finally:
        s.close()
    expect(replies[-1].startswith(b"550 5.5.1"), "pregreet RCPT: %r" % replies)
    d.reject(OUTSIDE_EARLY, "RCPT", sender, rcpt, 550, "5.5.1", "postscreen protocol error",
             "NOQUEUE", mid)


def scenarios(d):
    # ------------------------------------------------ after the queue (content_filter)
    sc = "filtered_local"
    snd = "alice@example.test"
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent",
         "note": "postscreen ALLOWLISTED; filter, re-injected (XFORWARD), local mailbox",
         "deliveries": [filter_hop("bob@example.test"), local_sent("bob@example.test")]}])

    sc = "filtered_two"
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test", "ok1@remote.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent",
         "deliveries": [filter_hop("bob@example.test"), local_sent("bob@example.test")]},
        {"address": "ok1@remote.test", "status": "sent",
         "deliveries": [filter_hop("ok1@remote.test"), remote_sent("ok1@remote.test")]}])

    sc = "postscreen_new"
    ext = "ext@sender.test"
    mid, qid, ref = d.smtp(sc, ext, ["carol@example.test"], client=OUTSIDE)
    expect(qid and not ref, sc)
    d.record(sc, mid, ext, "smtp", OUTSIDE, False, [
        {"address": "carol@example.test", "status": "sent",
         "note": "postscreen PASS NEW, then smtpd; filter, re-injected, local mailbox",
         "deliveries": [filter_hop("carol@example.test"), local_sent("carol@example.test")]}])

    sc = "filter_rejects"
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"], subject="spamreject")
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "bounced",
         "note": "the filter answers 554 5.7.0 at end of DATA: bounced, notice to the sender"}],
        notice(snd))

    sc = "filter_tempfails"
    mid, tempfail_qid, ref = d.smtp(sc, snd, ["carol@example.test"], subject="tempfail")
    expect(tempfail_qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "carol@example.test", "status": "deferred",
         "note": "the filter answers 451 4.5.0; still deferred at the end", "deferrals": 1}])

    sc = "filter_discards"
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"], subject="discardme")
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent",
         "note": "the filter answers 250 2.7.0 discarded and re-injects nothing: "
                 "to Postfix a delivery to the filter",
         "deliveries": [filter_hop("bob@example.test")]}])

    sc = "filtered_alias"
    mid, qid, ref = d.smtp(sc, snd, ["team@example.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "team@example.test", "status": "sent",
         "note": "filter, then the re-injected copy expands the alias",
         "deliveries": [filter_hop("team@example.test")] +
                       [local_sent(a, "team@example.test")
                        for a in ("alice@example.test", "bob@example.test", "carol@example.test")]}])

    sc = "relay_denied"
    mid, qid, ref = d.smtp(sc, ext, ["someone@elsewhere.test"], client=OUTSIDE, expect_data=False)
    expect(qid is None and "someone@elsewhere.test" in ref, sc)
    d.reject(OUTSIDE, "RCPT", ext, "someone@elsewhere.test", 554, "5.7.1", "relay access denied",
             "NOQUEUE", mid)

    pregreet(d, "bad@spam.test", "bob@example.test")

    sc = "filtered_pickup"
    mid = d.sendmail(sc, snd, ["bob@example.test"])
    d.record(sc, mid, snd, "sendmail", "pickup", False, [
        {"address": "bob@example.test", "status": "sent",
         "deliveries": [filter_hop("bob@example.test"), local_sent("bob@example.test")]}])
    wait_settled(deferred=[tempfail_qid])

    # ------------------------------------------------ before the queue (smtpd_proxy_filter)
    sc = "proxy_accepts"
    mid, qid, ref = d.smtp(sc, ext, ["bob@example.test"], client=OUTSIDE, port=PROXY_PORT)
    expect(qid and not ref, sc)
    d.record(sc, mid, ext, "smtp", OUTSIDE, False, [
        {"address": "bob@example.test", "status": "sent",
         "note": "proxy-accept: the filter re-injects with XFORWARD; one queue file",
         "deliveries": [local_sent("bob@example.test")]}])

    sc = "proxy_rejects"
    rcpts = ["bob@example.test", "carol@example.test"]
    mid, qid, ref = d.smtp(sc, ext, rcpts, subject="spamreject", client=OUTSIDE,
                           port=PROXY_PORT)
    expect(qid is None and ref.get("DATA", (0,))[0] == 554, sc)
    d.record(sc, mid, ext, "smtp", OUTSIDE, False, [
        {"address": a, "status": "rejected",
         "note": "proxy-reject: END-OF-MESSAGE: 554 5.7.0 (one line naming the first recipient)"}
        for a in rcpts])
    d.reject(OUTSIDE, "END-OF-MESSAGE", ext, rcpts[0], 554, "5.7.0", "content filter",
             "NOQUEUE", mid)

    sc = "proxy_tempfails"
    mid, qid, ref = d.smtp(sc, ext, ["carol@example.test"], subject="tempfail", client=OUTSIDE,
                           port=PROXY_PORT)
    expect(qid is None and ref.get("DATA", (0,))[0] == 451, sc)
    d.record(sc, mid, ext, "smtp", OUTSIDE, False, [
        {"address": "carol@example.test", "status": "rejected",
         "note": "proxy-reject: END-OF-MESSAGE: 451 4.5.0 (the client may try again)"}])
    d.reject(OUTSIDE, "END-OF-MESSAGE", ext, "carol@example.test", 451, "4.5.0",
             "content filter", "NOQUEUE", mid)

    sc = "proxy_discards"
    mid, qid, ref = d.smtp(sc, ext, ["alice@example.test"], subject="discardme", client=OUTSIDE,
                           port=PROXY_PORT)
    expect(qid is None and ref.get("DATA", (0,))[0] == 250, sc)
    d.record(sc, mid, ext, "smtp", OUTSIDE, False, [
        {"address": "alice@example.test", "status": "filter_discarded",
         "note": "proxy-accept: 250 2.7.0 discarded; no queue file, no record"}])
    wait_settled(deferred=[tempfail_qid])


def main():
    drive("filter_scenarios.py", lambda d, args: scenarios(d), __doc__)


if __name__ == "__main__":
    main()
