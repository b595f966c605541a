#!/usr/bin/env python3
"""Drives the mailgauge corpus scenarios against a running Postfix and writes the truth.

The truth is what this script did and arranged, never what it read from a log:
one JSON object per message it submitted (message_id, scenario, sender,
recipients with their final status), then one {"reject": {...}} object per
SMTP-time reject it provoked.  Queue IDs are not in the truth (they differ per
run); the driver only uses the IDs Postfix told it ("250 2.0.0 Ok: queued as
QID") to hold, release, delete or flush single messages.

Example (generate.sh does this with Postfix, the peer and a syslog running):
  scenarios.py --truth /var/tmp/mailgauge-corpus/truth.syslog.jsonl --dead-port 2599
"""

import argparse
import json
import re
import smtplib
import subprocess
import sys
import time

INSIDE = "127.0.0.1"    # in mynetworks
OUTSIDE = "127.0.0.2"   # not in mynetworks
HELO = "client.example.net"
QUEUED_RE = re.compile(rb"queued as ([0-9A-Za-z]+)")


class DriverError(Exception):
    pass


def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise DriverError("%s failed (%d): %s" % (" ".join(cmd), res.returncode, res.stderr.strip()))
    return res.stdout


def queue():
    """Returns {queue_id: queue_name} from `postqueue -j`."""
    out = run(["postqueue", "-j"])
    q = {}
    for line in out.splitlines():
        if line.strip():
            obj = json.loads(line)
            q[obj["queue_id"]] = obj["queue_name"]
    return q


def wait_for(pred, what, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise DriverError("timed out waiting for %s; queue=%s" % (what, queue()))


def wait_settled(deferred=(), hold=()):
    """Waits until the queue holds exactly the given deferred and held IDs."""
    want = {qid: "deferred" for qid in deferred}
    want.update({qid: "hold" for qid in hold})
    wait_for(lambda: queue() == want, "queue to settle to %s" % want)
    time.sleep(0.5)  # let the last "removed" line reach the log


class Driver:
    def __init__(self):
        self.messages = []
        self.rejects = []
        self.counter = {}

    def message_id(self, scenario):
        n = self.counter.get(scenario, 0) + 1
        self.counter[scenario] = n
        return "%s.%d@test" % (scenario, n)

    @staticmethod
    def build(mid, sender, rcpts, subject, body_lines):
        head = [
            "Message-ID: <%s>" % mid,
            "Date: Wed, 25 Nov 2026 12:00:00 +0000",
            "From: <%s>" % sender,
            "To: %s" % ", ".join("<%s>" % r for r in rcpts),
            "Subject: %s" % subject,
        ]
        body = ["mailgauge corpus message %s" % mid]
        body += ["%04d %s" % (i, "x" * 66) for i in range(body_lines)]
        return ("\r\n".join(head) + "\r\n\r\n" + "\r\n".join(body) + "\r\n").encode("ascii")

    def record(self, scenario, mid, sender, via, client, tls, recipients, notification=None):
        obj = {
            "message_id": mid,
            "scenario": scenario,
            "sender": sender,
            "submission": via,
            "client": client,
            "tls": tls,
            "recipients": recipients,
        }
        if notification:
            obj["notification"] = notification
        self.messages.append(obj)

    def smtp(self, scenario, sender, rcpts, subject="test", client=INSIDE, tls=False,
             body_lines=1, declare_size=True, expect_data=True, port=25):
        """Sends one message over SMTP; returns (message_id, queue_id, refused)."""
        mid = self.message_id(scenario)
        data = self.build(mid, sender, rcpts, subject, body_lines)
        s = smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, source_address=(client, 0),
                         timeout=30)
        refused = {}
        qid = None
        try:
            s.ehlo()
            if tls:
                s.starttls()
                s.ehlo()
            opts = ["size=%d" % len(data)] if declare_size and s.has_extn("size") else []
            code, resp = s.mail(sender, opts)
            if code != 250:
                s.rset()
                return mid, None, {"MAIL": (code, resp.decode())}
            accepted = []
            for r in rcpts:
                code, resp = s.rcpt(r)
                if code in (250, 251):
                    accepted.append(r)
                else:
                    refused[r] = (code, resp.decode())
            if not accepted:
                s.rset()
                if expect_data:
                    raise DriverError("%s: every recipient refused: %s" % (mid, refused))
                return mid, None, refused
            code, resp = s.data(data)
            m = QUEUED_RE.search(resp)
            if code == 250 and m:
                qid = m.group(1).decode()
            else:
                refused["DATA"] = (code, resp.decode())
        finally:
            try:
                s.quit()
            except smtplib.SMTPException:
                pass
        return mid, qid, refused

    def sendmail(self, scenario, sender, rcpts, subject="test"):
        mid = self.message_id(scenario)
        data = self.build(mid, sender, rcpts, subject, 1).replace(b"\r\n", b"\n")
        res = subprocess.run(["/usr/sbin/sendmail", "-i", "-f", sender, "--"] + rcpts,
                             input=data, capture_output=True)
        if res.returncode != 0:
            raise DriverError("sendmail for %s failed: %s" % (mid, res.stderr.decode()))
        return mid

    def reject(self, client, stage, sender, recipient, code, dsn, kind, logged_with, mid):
        obj = {"client": client, "stage": stage, "sender": sender, "code": code, "dsn": dsn,
               "kind": kind, "logged_with": logged_with, "message_id": mid}
        if recipient is not None:
            obj["recipient"] = recipient
        self.rejects.append({"reject": obj})


def expect(cond, what):
    if not cond:
        raise DriverError("unexpected SMTP outcome: " + what)


def local_sent(addr, orig=None):
    d = {"to": addr, "transport": "local", "status": "sent"}
    if orig:
        d["orig_to"] = orig
    return d


def remote_sent(addr, orig=None):
    d = {"to": addr, "transport": "smtp", "status": "sent"}
    if orig:
        d["orig_to"] = orig
    return d


def notice(sender):
    return {"type": "non-delivery", "to": sender, "status": "sent",
            "note": "bounce(8) logs 'sender non-delivery notification: QID'; local delivers it"}


def scenarios(d, dead_port):
    # ------------------------------------------------------------ phase 1: immediate outcomes
    sc = "local_smtp"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent", "note": "local mailbox",
         "deliveries": [local_sent("bob@example.test")]}])

    sc = "local_sendmail"
    snd = "carol+%s@example.test" % sc
    mid = d.sendmail(sc, snd, ["alice@example.test"])
    d.record(sc, mid, snd, "sendmail", "pickup", False, [
        {"address": "alice@example.test", "status": "sent", "note": "pickup uid=0, local mailbox",
         "deliveries": [local_sent("alice@example.test")]}])

    sc = "alias_user"
    snd = "carol+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["info@example.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "info@example.test", "status": "sent", "note": "alias info: bob",
         "deliveries": [local_sent("bob@example.test", "info@example.test")]}])

    sc = "alias_list"
    snd = "bob+%s@example.test" % sc
    mid = d.sendmail(sc, snd, ["team@example.test"])
    d.record(sc, mid, snd, "sendmail", "pickup", False, [
        {"address": "team@example.test", "status": "sent", "note": "alias team: alice, bob, carol",
         "deliveries": [local_sent(u + "@example.test", "team@example.test") for u in ("alice", "bob", "carol")]}])

    sc = "alias_forward"
    snd = "bob+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["fwd@example.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "fwd@example.test", "status": "sent",
         "note": "alias fwd: ext-fwd@remote.test; local logs to=<fwd@example.test> (no orig_to) "
                 "'status=sent (forwarded as QID2)'; QID2 has the same message-id, no client= line, and "
                 "is relayed to the peer as to=<ext-fwd@remote.test>, orig_to=<fwd@example.test>",
         "deliveries": [
             {"to": "fwd@example.test", "transport": "local", "status": "sent", "forwarded": True},
             {"to": "ext-fwd@remote.test", "orig_to": "fwd@example.test", "transport": "smtp",
              "status": "sent", "in_forwarded_copy": True}]}])

    sc = "virtual_mailbox"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["v1@vmail.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "v1@vmail.test", "status": "sent", "note": "virtual(8) maildir",
         "deliveries": [{"to": "v1@vmail.test", "transport": "virtual", "status": "sent"}]}])

    sc = "virtual_alias"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["sales@valias.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "sales@valias.test", "status": "sent", "note": "virtual_alias_maps: bob@example.test",
         "deliveries": [local_sent("bob@example.test", "sales@valias.test")]}])

    sc = "virtual_quota"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["full@vmail.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "full@vmail.test", "status": "bounced",
         "note": "mbox at virtual_mailbox_limit: dsn=5.2.2 'error writing message: File too large'",
         "deliveries": [{"to": "full@vmail.test", "transport": "virtual", "status": "bounced", "dsn": "5.2.2"}]}],
        notice(snd))

    sc = "unknown_user_outside"
    snd = "%s@outside.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["nosuch1@example.test", "carol@example.test"], client=OUTSIDE)
    expect(qid and list(ref) == ["nosuch1@example.test"] and ref["nosuch1@example.test"][0] == 550, sc)
    d.record(sc, mid, snd, "smtp", OUTSIDE, False, [
        {"address": "nosuch1@example.test", "status": "rejected",
         "note": "550 5.1.1 User unknown in local recipient table, first RCPT so logged as NOQUEUE",
         "stage": "RCPT"},
        {"address": "carol@example.test", "status": "sent", "note": "second RCPT accepted",
         "deliveries": [local_sent("carol@example.test")]}])
    d.reject(OUTSIDE, "RCPT", snd, "nosuch1@example.test", 550, "5.1.1", "unknown_user", "NOQUEUE", mid)

    sc = "unknown_user_inside"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test", "nosuch2@example.test"])
    expect(qid and list(ref) == ["nosuch2@example.test"] and ref["nosuch2@example.test"][0] == 550, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent", "note": "first RCPT accepted",
         "deliveries": [local_sent("bob@example.test")]},
        {"address": "nosuch2@example.test", "status": "rejected",
         "note": "550 5.1.1 User unknown in local recipient table even from mynetworks; "
                 "after an accepted RCPT so the reject line carries the queue ID, not NOQUEUE",
         "stage": "RCPT"}])
    d.reject(INSIDE, "RCPT", snd, "nosuch2@example.test", 550, "5.1.1", "unknown_user", "queue_id", mid)

    sc = "unknown_user_sendmail"
    snd = "alice+%s@example.test" % sc
    mid = d.sendmail(sc, snd, ["nosuch3@example.test"])
    d.record(sc, mid, snd, "sendmail", "pickup", False, [
        {"address": "nosuch3@example.test", "status": "bounced",
         "note": "no SMTP check for pickup; local(8) bounces: unknown user: \"nosuch3\"",
         "deliveries": [{"to": "nosuch3@example.test", "transport": "local", "status": "bounced",
                         "dsn": "5.1.1"}]}],
        notice(snd))

    sc = "relay_denied"
    snd = "%s@outside.test" % sc
    rcpts = ["victim@elsewhere.test", "ok9@remote.test"]
    mid, qid, ref = d.smtp(sc, snd, rcpts, client=OUTSIDE, expect_data=False)
    expect(qid is None and sorted(ref) == sorted(rcpts) and all(v[0] == 554 for v in ref.values()), sc)
    d.record(sc, mid, snd, "smtp", OUTSIDE, False, [
        {"address": r, "status": "rejected", "note": "554 5.7.1 Relay access denied; no DATA, "
         "so the message-id never reaches the log", "stage": "RCPT"} for r in rcpts])
    for r in rcpts:
        d.reject(OUTSIDE, "RCPT", snd, r, 554, "5.7.1", "relay_denied", "NOQUEUE", mid)

    sc = "relay_sent"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["ok1@remote.test", "ok2@remote.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": a, "status": "sent", "note": "peer 250 over STARTTLS",
         "deliveries": [remote_sent(a)]} for a in ("ok1@remote.test", "ok2@remote.test")])

    sc = "relay_bounced"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["ok3@remote.test", "reject-a@remote.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "ok3@remote.test", "status": "sent", "note": "peer 250",
         "deliveries": [remote_sent("ok3@remote.test")]},
        {"address": "reject-a@remote.test", "status": "bounced",
         "note": "peer 550 5.1.1 User unknown at RCPT",
         "deliveries": [{"to": "reject-a@remote.test", "transport": "smtp", "status": "bounced",
                         "dsn": "5.1.1"}]}],
        notice(snd))

    sc = "relay_full"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["full-a@remote.test"])
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "full-a@remote.test", "status": "bounced",
         "note": "peer 552 5.2.2 Mailbox full at RCPT (Postfix bounces it: enhanced code 5.2.2)",
         "deliveries": [{"to": "full-a@remote.test", "transport": "smtp", "status": "bounced",
                         "dsn": "5.2.2"}]}],
        notice(snd))

    sc = "tls_inbound"
    snd = "%s@outside.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["carol@example.test"], client=OUTSIDE, tls=True)
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", OUTSIDE, True, [
        {"address": "carol@example.test", "status": "sent",
         "note": "STARTTLS from outside mynetworks: 'Anonymous TLS connection established from unknown[127.0.0.2]'",
         "deliveries": [local_sent("carol@example.test")]}])

    sc = "tls_relay"
    snd = "bob+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["ok4@remote.test"], tls=True)
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, True, [
        {"address": "ok4@remote.test", "status": "sent", "note": "STARTTLS in and out",
         "deliveries": [remote_sent("ok4@remote.test")]}])

    sc = "header_reject"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"], subject="MG-REJECT please")
    expect(qid is None and ref.get("DATA", (0,))[0] == 550, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "rejected",
         "note": "header_checks REJECT: cleanup 'QID: reject: header Subject: ...: 5.7.1 ...'; "
                 "550 after DATA; the queue ID gets client= and message-id= but no qmgr line",
         "stage": "header"}])

    sc = "header_discard"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"], subject="MG-DISCARD please")
    expect(qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "discarded",
         "note": "header_checks DISCARD: client sees 250, cleanup logs 'QID: discard: header ...'"}])

    sc = "size_reject_mail"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"], body_lines=400, expect_data=False)
    expect(qid is None and ref.get("MAIL", (0,))[0] == 552, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "rejected",
         "note": "SIZE=28xxx > message_size_limit 20000: NOQUEUE reject at MAIL, 552 5.3.4, "
                 "no RCPT was sent", "stage": "MAIL"}])
    d.reject(INSIDE, "MAIL", snd, None, 552, "5.3.4", "message_size", "NOQUEUE", mid)

    sc = "size_reject_data"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["bob@example.test"], body_lines=400, declare_size=False)
    expect(qid is None and ref.get("DATA", (0,))[0] == 552, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "rejected",
         "note": "no SIZE declared: 552 5.3.4 after DATA; no reject line, only "
                 "'warning: QID: queue file size limit exceeded' (smtpd and cleanup)",
         "stage": "DATA"}])

    sc = "header_hold_release"
    snd = "alice+%s@example.test" % sc
    mid, hold_qid, ref = d.smtp(sc, snd, ["bob@example.test"], subject="MG-HOLD please")
    expect(hold_qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "bob@example.test", "status": "sent",
         "note": "header_checks HOLD ('QID: hold: header ...'), later 'postsuper -H QID' and 'postqueue -i QID', then delivered",
         "held_then_released": True,
         "deliveries": [local_sent("bob@example.test")]}])

    wait_settled(hold=[hold_qid])

    # ------------------------------------------------------------ phase 2: deferred, then sent
    sc = "later_sent"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["later-a@remote.test"])
    expect(qid and not ref, sc)
    wait_settled(deferred=[qid], hold=[hold_qid])
    run(["postqueue", "-i", qid])
    wait_settled(hold=[hold_qid])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "later-a@remote.test", "status": "sent",
         "note": "peer 451 4.7.1 on the first attempt (deferred), 250 after 'postqueue -i QID'",
         "deferrals": 1,
         "deliveries": [remote_sent("later-a@remote.test")]}])

    # ------------------------------------------------------------ phase 3: expiry
    sc = "expired"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["gone@unreach.test"])
    expect(qid and not ref, sc)
    wait_settled(deferred=[qid], hold=[hold_qid])
    run(["postconf", "-e", "maximal_queue_lifetime = 1s", "bounce_queue_lifetime = 1s"])
    run(["postfix", "reload"])
    time.sleep(2.5)
    run(["postqueue", "-i", qid])
    try:
        wait_settled(hold=[hold_qid])
    finally:
        run(["postconf", "-e", "maximal_queue_lifetime = 5d", "bounce_queue_lifetime = 5d"])
        run(["postfix", "reload"])
        time.sleep(1)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "gone@unreach.test", "status": "expired",
         "note": "next hop [127.0.0.1]:%d refuses connections; deferred, then with "
                 "maximal_queue_lifetime=1s 'postqueue -i' tries once more (deferred again) and qmgr logs "
                 "'QID: from=<...>, status=expired, returned to sender'" % dead_port,
         "deferrals": 2}],
        notice(snd))

    # ------------------------------------------------------------ phase 4: what stays in the queue
    sc = "held_final"
    snd = "alice+%s@example.test" % sc
    mid, held_qid, ref = d.smtp(sc, snd, ["hold-me@unreach.test"])
    expect(held_qid and not ref, sc)
    wait_settled(deferred=[held_qid], hold=[hold_qid])
    run(["postsuper", "-h", held_qid])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "hold-me@unreach.test", "status": "held",
         "note": "deferred (connection refused), then 'postsuper -h QID'; still on hold at the end",
         "deferrals": 1}])

    sc = "deleted"
    snd = "alice+%s@example.test" % sc
    mid, qid, ref = d.smtp(sc, snd, ["del-me@unreach.test"])
    expect(qid and not ref, sc)
    wait_settled(deferred=[qid], hold=[hold_qid, held_qid])
    run(["postsuper", "-d", qid])
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "del-me@unreach.test", "status": "deleted",
         "note": "deferred, then 'postsuper -d QID' (postsuper logs 'QID: removed')",
         "deferrals": 1}])

    sc = "deferred_unreachable"
    snd = "alice+%s@example.test" % sc
    mid, unreach_qid, ref = d.smtp(sc, snd, ["stuck@unreach.test"])
    expect(unreach_qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "stuck@unreach.test", "status": "deferred",
         "note": "connection refused (or 'delivery temporarily suspended' once the next hop is marked dead); "
                 "still deferred at the end", "deferrals": 1}])

    sc = "deferred_peer"
    snd = "alice+%s@example.test" % sc
    mid, peer_qid, ref = d.smtp(sc, snd, ["defer-a@remote.test", "ok5@remote.test"])
    expect(peer_qid and not ref, sc)
    d.record(sc, mid, snd, "smtp", INSIDE, False, [
        {"address": "defer-a@remote.test", "status": "deferred",
         "note": "peer always answers 451 4.7.1; still deferred at the end", "deferrals": 1},
        {"address": "ok5@remote.test", "status": "sent", "note": "peer 250 in the same session",
         "deliveries": [remote_sent("ok5@remote.test")]}])
    wait_settled(deferred=[unreach_qid, peer_qid], hold=[hold_qid, held_qid])

    # release the header_checks HOLD message: it is delivered now
    # ("postsuper -H" moves it to the deferred queue; "postqueue -i" delivers it now)
    run(["postsuper", "-H", hold_qid])
    run(["postqueue", "-i", hold_qid])
    wait_settled(deferred=[unreach_qid, peer_qid], hold=[held_qid])


def drive(program, scenarios_of, doc, extra_args=()):
    """The main() of a scenario driver: parses --truth (and `extra_args`,
    (flag, type, default) triples), runs scenarios_of(driver, args) and writes
    the truth, one JSON object per line: the messages, then the rejects."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--truth", required=True, help="where to write the truth (JSON Lines)")
    for flag, kind, default in extra_args:
        ap.add_argument(flag, type=kind, default=default)
    args = ap.parse_args()
    d = Driver()
    try:
        scenarios_of(d, args)
    except (DriverError, smtplib.SMTPException, OSError) as e:
        sys.exit("%s: %s" % (program, e))
    with open(args.truth, "w", encoding="utf-8") as f:
        for obj in d.messages + d.rejects:
            f.write(json.dumps(obj, sort_keys=True) + "\n")
    print("%s: %d messages, %d rejects -> %s" % (program, len(d.messages), len(d.rejects), args.truth),
          file=sys.stderr)


def main():
    drive("scenarios.py", lambda d, args: scenarios(d, args.dead_port), __doc__,
          [("--dead-port", int, 2599)])


if __name__ == "__main__":
    main()
