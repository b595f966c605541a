#!/usr/bin/env python3
"""Cross-checks a real Postfix log against the corpus truth (grep-level, independent of mailgauge).

For every message in the truth it finds the message's queue ID by its
Message-ID (cleanup "message-id=<...>"), then checks each recipient's final
outcome against the log: delivery lines (to=, orig_to=, status=, dsn=, daemon),
number of deferrals, expiry, postsuper hold/release/delete, header_checks
actions, size rejects, smtpd reject lines, STARTTLS, and the non-delivery
notification and its local delivery.  It also checks the reverse: every
message-id, status= line and reject line in the log belongs to the truth.

Reads the four envelope formats the corpus has: RFC 3164, RFC 3339/ISO,
RFC 5424 and Postfix's postlogd (maillog_file).

Example:
  check_logs.py --truth testdata/expected/postfix_real.expected.jsonl \
      testdata/logs/postfix_real.syslog testdata/logs/postfix_real.maillog
  check_logs.py --same-stream --truth ... postfix_real.syslog postfix_real.iso.log postfix_real.rfc5424.log
Exit status 0 when every file matches, 1 on any mismatch, 2 on bad input.
"""

import argparse
import collections
import json
import re
import sys

ENVELOPES = [
    ("rfc5424", re.compile(
        r"^<\d{1,3}>1 \S+ (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ (?:-|(?:\[.*?\])+) ?(?P<msg>.*)$")),
    ("iso", re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) (?P<host>\S+) "
        r"(?P<prog>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$")),
    ("rfc3164", re.compile(
        r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? (?P<host>\S+) "
        r"(?P<prog>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$")),
]

# Short IDs are hex.  Long IDs (enable_long_queue_ids) are 10 characters of time (seconds
# and microseconds in base 52: digits and consonants, 'z' included), the separator 'z',
# then the inode number in base 51 (no 'z'), e.g. 4jZTzD5MTWz87wj.
QID = r"(?:[0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]+)"
RE_CLIENT = re.compile(r"^(%s): client=(\S+?)\[([^\]]+)\]" % QID)
RE_PICKUP = re.compile(r"^(%s): uid=(\d+) from=<([^>]*)>" % QID)
RE_MSGID = re.compile(r"^(%s): message-id=<([^>]*)>" % QID)
RE_QMGR_FROM = re.compile(r"^(%s): from=<([^>]*)>, size=(\d+), nrcpt=(\d+)" % QID)
RE_EXPIRED = re.compile(r"^(%s): from=<([^>]*)>, status=expired, returned to sender" % QID)
RE_REMOVED = re.compile(r"^(%s): removed$" % QID)
RE_DELIVERY = re.compile(
    r"^(%s): to=<([^>]*)>, (?:orig_to=<([^>]*)>, )?relay=([^,]+), .*?dsn=(\d\.\d+\.\d+), "
    r"status=(\w+) \((.*)\)$" % QID)
RE_FORWARDED = re.compile(r"forwarded as (%s)" % QID)
RE_NOTICE = re.compile(r"^(%s): sender non-delivery notification: (%s)$" % (QID, QID))
RE_CLEANUP_ACT = re.compile(r"^(%s): (reject|discard|hold): header (\S+)" % QID)
RE_SIZE_WARN = re.compile(r"^warning: (%s): queue file size limit exceeded$" % QID)
RE_POSTSUPER = re.compile(r"^(%s): (placed on hold|released from hold|removed)$" % QID)
RE_REJECT = re.compile(
    r"^(NOQUEUE|%s): reject: (\S+) from (\S+?)\[([^\]]+)\]: (\d{3}) (\d\.\d+\.\d+) (.*?); "
    r"from=<([^>]*)>(?: to=<([^>]*)>)? proto=" % QID)
RE_CONNECT = re.compile(r"^connect from \S+?\[([^\]]+)\]")
RE_TLS_IN = re.compile(r"^\S+ TLS connection established from \S+?\[([^\]]+)\]")

TRANSPORT_PROG = {"local": "local", "virtual": "virtual", "smtp": "smtp"}


class InputError(Exception):
    pass


class Record:
    """One queue file's life: from its first line to its removal."""

    def __init__(self, qid):
        self.qid = qid
        self.client = None       # (name, addr)
        self.tls = False
        self.pickup = None       # (uid, from)
        self.message_id = None
        self.qmgr_from = None
        self.deliveries = []     # dicts
        self.removed = False
        self.expired = False
        self.notices = []        # notice QIDs
        self.cleanup = []        # (action, header)
        self.size_warning = False
        self.postsuper = []      # actions, in order
        self.reject_lines = []
        self.forwarded_from = None

    def closed(self):
        return self.removed or any(a in ("reject", "discard") for a, _ in self.cleanup) or \
            "removed" in self.postsuper


class Log:
    def __init__(self, path):
        self.path = path
        self.lines = 0
        self.formats = collections.Counter()
        self.records = collections.defaultdict(list)   # qid -> [Record]
        self.all_records = []
        self.rejects = []        # dicts
        self.unparsed = []
        self.events = []         # (program, pid, message) in file order
        self.smtpd_tls = {}      # smtpd pid -> tls on current connection
        self._read()

    def rec(self, qid, new=False):
        lst = self.records[qid]
        if new or not lst or lst[-1].closed():
            r = Record(qid)
            lst.append(r)
            self.all_records.append(r)
        return lst[-1]

    def _read(self):
        try:
            f = open(self.path, encoding="utf-8", errors="replace")
        except OSError as e:
            raise InputError("cannot read %s: %s" % (self.path, e))
        with f:
            for raw in f:
                line = raw.rstrip("\n")
                if not line:
                    continue
                self.lines += 1
                for name, rx in ENVELOPES:
                    m = rx.match(line)
                    if m:
                        self.formats[name] += 1
                        self.events.append((m.group("prog"), m.group("pid"), m.group("msg").lstrip(" ")))
                        self._event(m.group("prog"), m.group("pid"), m.group("msg").lstrip(" "))
                        break
                else:
                    self.unparsed.append(line)

    def _event(self, prog, pid, msg):
        daemon = prog.split("/")[-1]
        if daemon == "smtpd":
            m = RE_CONNECT.match(msg)
            if m:
                self.smtpd_tls[pid] = False
                return
            if RE_TLS_IN.match(msg):
                self.smtpd_tls[pid] = True
                return
            m = RE_CLIENT.match(msg)
            if m:
                r = self.rec(m.group(1), new=True)
                r.client = (m.group(2), m.group(3))
                r.tls = self.smtpd_tls.get(pid, False)
                return
        m = RE_REJECT.match(msg)
        if m:
            rj = {"qid": m.group(1), "stage": m.group(2), "client": m.group(4), "code": int(m.group(5)),
                  "dsn": m.group(6), "text": m.group(7), "sender": m.group(8), "recipient": m.group(9),
                  "daemon": daemon}
            self.rejects.append(rj)
            if rj["qid"] != "NOQUEUE":
                self.rec(rj["qid"]).reject_lines.append(rj)
            return
        if daemon == "pickup":
            m = RE_PICKUP.match(msg)
            if m:
                self.rec(m.group(1), new=True).pickup = (m.group(2), m.group(3))
            return
        if daemon == "cleanup":
            m = RE_MSGID.match(msg)
            if m:
                self.rec(m.group(1)).message_id = m.group(2)
                return
            m = RE_CLEANUP_ACT.match(msg)
            if m:
                self.rec(m.group(1)).cleanup.append((m.group(2), m.group(3)))
                return
        m = RE_SIZE_WARN.match(msg)
        if m and daemon == "smtpd":
            self.rec(m.group(1)).size_warning = True
            return
        if daemon == "qmgr":
            m = RE_EXPIRED.match(msg)
            if m:
                self.rec(m.group(1)).expired = True
                return
            m = RE_QMGR_FROM.match(msg)
            if m:
                r = self.rec(m.group(1))
                if r.qmgr_from is None:
                    r.qmgr_from = m.group(2)
                return
            m = RE_REMOVED.match(msg)
            if m:
                self.rec(m.group(1)).removed = True
                return
        if daemon == "postsuper":
            m = RE_POSTSUPER.match(msg)
            if m:
                self.rec(m.group(1)).postsuper.append(m.group(2))
                return
        if daemon == "bounce":
            m = RE_NOTICE.match(msg)
            if m:
                self.rec(m.group(1)).notices.append(m.group(2))
                return
        m = RE_DELIVERY.match(msg)
        if m:
            d = {"daemon": daemon, "to": m.group(2), "orig_to": m.group(3), "relay": m.group(4),
                 "dsn": m.group(5), "status": m.group(6), "text": m.group(7)}
            r = self.rec(m.group(1))
            r.deliveries.append(d)
            fm = RE_FORWARDED.search(d["text"]) if d["status"] == "sent" else None
            if fm:
                # the copy's cleanup line comes before this one, so it already has a record
                self.rec(fm.group(1)).forwarded_from = r
                d["forwarded_as"] = fm.group(1)


def load_truth(path):
    messages, rejects = [], []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError("%s:%d: bad JSON: %s" % (path, n, e))
                if "reject" in obj:
                    rejects.append(obj["reject"])
                elif "message_id" in obj:
                    messages.append(obj)
                else:
                    raise InputError("%s:%d: neither a message nor a reject" % (path, n))
    except OSError as e:
        raise InputError("cannot read %s: %s" % (path, e))
    return messages, rejects


class Checker:
    def __init__(self, log, messages, rejects):
        self.log = log
        self.messages = messages
        self.rejects = rejects
        self.errors = []
        self.used_deliveries = set()   # id() of delivery dicts explained by the truth
        self.used_rejects = set()
        self.used_records = set()
        self.by_mid = collections.defaultdict(list)
        for r in log.all_records:
            if r.message_id:
                self.by_mid[r.message_id].append(r)

    def err(self, mid, text):
        self.errors.append("%s: %s" % (mid, text))

    def originals(self, mid):
        return [r for r in self.by_mid.get(mid, []) if r.forwarded_from is None]

    def find_reject(self, mid, client, stage, sender, recipient, qid=None):
        for i, rj in enumerate(self.log.rejects):
            if i in self.used_rejects:
                continue
            if rj["client"] == client and rj["stage"] == stage and rj["sender"] == sender and \
                    rj["recipient"] == recipient and (qid is None or rj["qid"] == qid):
                self.used_rejects.add(i)
                return rj
        self.err(mid, "no %s reject from %s for from=<%s> to=<%s>%s" %
                 (stage, client, sender, recipient, " with queue ID %s" % qid if qid else ""))
        return None

    def deliveries_for(self, rec, addr):
        return [d for d in rec.deliveries if d["to"] == addr or d["orig_to"] == addr]

    def check_message(self, m):
        mid = m["message_id"]
        statuses = {r["status"] for r in m["recipients"]}
        origs = self.originals(mid)
        all_rcpt_rejected_early = all(r["status"] == "rejected" and r.get("stage") in ("RCPT", "MAIL")
                                      for r in m["recipients"])
        if all_rcpt_rejected_early:
            if origs:
                self.err(mid, "message-id is in the log but every recipient was refused before DATA")
            for r in m["recipients"]:
                rcpt = r["address"] if r["stage"] == "RCPT" else None
                self.find_reject(mid, m["client"], r["stage"], m["sender"], rcpt)
            return
        if len(origs) != 1:
            self.err(mid, "expected one queue file with this message-id, found %d" % len(origs))
            return
        rec = origs[0]
        self.used_records.add(id(rec))
        # submission
        if m["submission"] == "smtp":
            if rec.client is None or rec.client[1] != m["client"]:
                self.err(mid, "smtpd client= %s, expected %s" % (rec.client, m["client"]))
            if rec.tls != m["tls"]:
                self.err(mid, "STARTTLS on the session: log %s, truth %s" % (rec.tls, m["tls"]))
        else:
            if rec.pickup is None or rec.pickup[1] != m["sender"]:
                self.err(mid, "pickup from= %s, expected %s" % (rec.pickup, m["sender"]))
        reached_qmgr = not (statuses <= {"rejected", "discarded"})
        if reached_qmgr:
            if rec.qmgr_from != m["sender"]:
                self.err(mid, "qmgr from=<%s>, expected <%s>" % (rec.qmgr_from, m["sender"]))
        elif rec.qmgr_from is not None:
            self.err(mid, "reached qmgr but the truth says it was %s" % "/".join(sorted(statuses)))
        for r in m["recipients"]:
            self.check_recipient(m, rec, r)
        # whole-message end states
        final = set(statuses) - {"rejected"}
        stays = final & {"deferred", "held"}
        if stays and rec.removed:
            self.err(mid, "removed from the queue, but the truth leaves it %s" % "/".join(sorted(stays)))
        if not stays and reached_qmgr and not rec.removed and "deleted" not in final:
            self.err(mid, "never 'removed' by qmgr")
        want_hold = "held" in final
        is_held = self.hold_state(rec)
        if want_hold != is_held:
            self.err(mid, "on hold at the end: log %s, truth %s" % (is_held, want_hold))
        if ("expired" in final) != rec.expired:
            self.err(mid, "qmgr 'status=expired, returned to sender': log %s, truth %s" %
                     (rec.expired, "expired" in final))
        # notification
        notice = m.get("notification")
        if notice:
            if len(rec.notices) != 1:
                self.err(mid, "expected one sender non-delivery notification, found %d" % len(rec.notices))
            else:
                self.check_notice(mid, rec.notices[0], notice)
        elif rec.notices:
            self.err(mid, "unexpected non-delivery notification %s" % rec.notices)
        # every delivery line of this queue file must be explained
        for d in rec.deliveries:
            if id(d) not in self.used_deliveries:
                self.err(mid, "delivery line not in the truth: to=<%s> status=%s" % (d["to"], d["status"]))

    def hold_state(self, rec):
        held = any(a == "hold" for a, _ in rec.cleanup)
        for act in rec.postsuper:
            if act == "placed on hold":
                held = True
            elif act in ("released from hold", "removed"):
                held = False
        return held

    def check_notice(self, mid, nqid, notice):
        recs = self.log.records.get(nqid)
        if not recs:
            self.err(mid, "notification %s has no lines" % nqid)
            return
        n = recs[0]
        self.used_records.add(id(n))
        if n.qmgr_from != "":
            self.err(mid, "notification %s: qmgr from=<%s>, expected <>" % (nqid, n.qmgr_from))
        ok = [d for d in n.deliveries if d["to"] == notice["to"] and d["status"] == notice["status"]]
        if len(ok) != 1 or len(n.deliveries) != 1:
            self.err(mid, "notification %s: expected one delivery to <%s> status=%s, log has %s" %
                     (nqid, notice["to"], notice["status"],
                      [(d["to"], d["status"]) for d in n.deliveries]))
        for d in n.deliveries:
            self.used_deliveries.add(id(d))
        if not n.removed:
            self.err(mid, "notification %s never removed" % nqid)

    def check_recipient(self, m, rec, r):
        mid, addr, status = m["message_id"], r["address"], r["status"]
        lines = self.deliveries_for(rec, addr)
        deferred = [d for d in lines if d["status"] == "deferred"]
        finals = [d for d in lines if d["status"] != "deferred"]
        for d in deferred:
            self.used_deliveries.add(id(d))
        if "deferrals" in r and len(deferred) != r["deferrals"]:
            self.err(mid, "<%s>: %d deferred lines, truth %d" % (addr, len(deferred), r["deferrals"]))
        if "deferrals" not in r and deferred:
            self.err(mid, "<%s>: unexpected deferred lines" % addr)
        if status in ("sent", "bounced"):
            for want in r["deliveries"]:
                self.check_delivery(mid, rec, want)
            extra = [d for d in finals if id(d) not in self.used_deliveries]
            if extra:
                self.err(mid, "<%s>: extra final lines %s" % (addr, [(d["to"], d["status"]) for d in extra]))
            if r.get("held_then_released"):
                if not any(a == "hold" for a, _ in rec.cleanup) or "released from hold" not in rec.postsuper:
                    self.err(mid, "<%s>: expected header_checks hold then postsuper release" % addr)
            return
        if finals:
            self.err(mid, "<%s>: truth %s but the log has final lines %s" %
                     (addr, status, [(d["to"], d["status"]) for d in finals]))
        if status == "deferred":
            if not deferred:
                self.err(mid, "<%s>: no deferred line" % addr)
        elif status == "expired":
            if not rec.expired:
                self.err(mid, "<%s>: no expiry line" % addr)
        elif status == "held":
            if "placed on hold" not in rec.postsuper and not any(a == "hold" for a, _ in rec.cleanup):
                self.err(mid, "<%s>: never placed on hold" % addr)
        elif status == "deleted":
            if "removed" not in rec.postsuper:
                self.err(mid, "<%s>: no postsuper 'removed' line" % addr)
        elif status == "discarded":
            if not any(a == "discard" for a, _ in rec.cleanup):
                self.err(mid, "<%s>: no cleanup 'discard:' line" % addr)
        elif status == "rejected":
            stage = r.get("stage")
            if stage == "RCPT":
                self.find_reject(mid, m["client"], "RCPT", m["sender"], addr)
            elif stage == "header":
                if not any(a == "reject" for a, _ in rec.cleanup):
                    self.err(mid, "<%s>: no cleanup 'reject: header' line" % addr)
            elif stage == "DATA":
                if not rec.size_warning:
                    self.err(mid, "<%s>: no 'queue file size limit exceeded' warning" % addr)
            else:
                self.err(mid, "<%s>: rejected at unknown stage %r" % (addr, stage))
        else:
            self.err(mid, "<%s>: unknown status %r in the truth" % (addr, status))

    def check_delivery(self, mid, rec, want):
        target = rec
        if want.get("in_forwarded_copy"):
            fwd = [d.get("forwarded_as") for d in rec.deliveries if d.get("forwarded_as")]
            copies = [c for q in fwd for c in self.log.records.get(q, []) if c.forwarded_from is rec]
            if len(copies) != 1:
                self.err(mid, "expected one forwarded copy, found %d" % len(copies))
                return
            target = copies[0]
            self.used_records.add(id(target))
            if target.message_id != mid:
                self.err(mid, "forwarded copy %s has message-id %s" % (target.qid, target.message_id))
            if not target.removed:
                self.err(mid, "forwarded copy %s never removed" % target.qid)
        for d in target.deliveries:
            if id(d) in self.used_deliveries or d["status"] != want["status"] or d["to"] != want["to"]:
                continue
            if d["orig_to"] != want.get("orig_to"):
                continue
            if d["daemon"] != TRANSPORT_PROG[want["transport"]]:
                continue
            if "dsn" in want and d["dsn"] != want["dsn"]:
                continue
            if bool(want.get("forwarded")) != ("forwarded_as" in d):
                continue
            self.used_deliveries.add(id(d))
            if want.get("in_forwarded_copy"):
                for other in target.deliveries:
                    if id(other) not in self.used_deliveries:
                        self.err(mid, "forwarded copy: unexplained line to=<%s>" % other["to"])
            return
        self.err(mid, "no %s line to=<%s>%s status=%s%s" %
                 (want["transport"], want["to"],
                  " orig_to=<%s>" % want["orig_to"] if want.get("orig_to") else "",
                  want["status"], " dsn=%s" % want["dsn"] if "dsn" in want else ""))

    def check_rejects(self):
        """Each truth reject object matches a reject line; no reject line is left over."""
        by_mid = {m["message_id"]: m for m in self.messages}
        matched = set()
        for rj in self.rejects:
            mid = rj.get("message_id", "?")
            matches = [i for i, l in enumerate(self.log.rejects)
                       if l["client"] == rj["client"] and l["stage"] == rj["stage"]
                       and l["sender"] == rj["sender"] and l["recipient"] == rj.get("recipient")
                       and l["code"] == rj["code"] and l["dsn"] == rj["dsn"]]
            if len(matches) != 1:
                self.err(mid, "reject %s: %d matching lines" % (json.dumps(rj, sort_keys=True), len(matches)))
                continue
            line = self.log.rejects[matches[0]]
            matched.add(matches[0])
            if rj["logged_with"] == "NOQUEUE" and line["qid"] != "NOQUEUE":
                self.err(mid, "reject logged with %s, truth NOQUEUE" % line["qid"])
            if rj["logged_with"] == "queue_id":
                origs = self.originals(mid)
                if line["qid"] == "NOQUEUE" or not origs or origs[0].qid != line["qid"]:
                    self.err(mid, "reject logged with %s, truth: the message's queue ID" % line["qid"])
            if mid not in by_mid:
                self.err(mid, "reject names a message-id that is not in the truth")
        for i, l in enumerate(self.log.rejects):
            if i not in self.used_rejects:
                self.errors.append("log has a reject no truth message explains: %s" % l)
            if i not in matched:
                self.errors.append("log has a reject with no truth reject object: %s" % l)

    def check_leftovers(self):
        mids = {m["message_id"] for m in self.messages}
        for r in self.log.all_records:
            if r.message_id and r.message_id not in mids and id(r) not in self.used_records:
                self.errors.append("log has message-id=<%s> (%s) not in the truth" % (r.message_id, r.qid))
            for d in r.deliveries:
                if id(d) not in self.used_deliveries:
                    self.errors.append("unexplained delivery line %s: to=<%s> status=%s" %
                                       (r.qid, d["to"], d["status"]))

    def run(self):
        for m in self.messages:
            self.check_message(m)
        self.check_rejects()
        self.check_leftovers()
        if self.log.unparsed:
            self.errors.append("%d lines in no known envelope, first: %r" %
                               (len(self.log.unparsed), self.log.unparsed[0]))
        return self.errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--same-stream", action="store_true",
                    help="also require every log to hold the same lines (program, pid, text) in the "
                         "same order, as the three rsyslog files of one run must")
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()
    try:
        messages, rejects = load_truth(args.truth)
        if not messages:
            raise InputError("%s has no messages" % args.truth)
        failed = False
        first = None
        for path in args.logs:
            log = Log(path)
            errors = Checker(log, messages, rejects).run()
            statuses = collections.Counter(r["status"] for m in messages for r in m["recipients"])
            print("%s: %d lines (%s), %d queue files, %d messages in truth, %d rejects; recipients: %s" %
                  (path, log.lines, ", ".join("%s=%d" % kv for kv in sorted(log.formats.items())),
                   len(log.all_records), len(messages), len(rejects),
                   ", ".join("%s=%d" % kv for kv in sorted(statuses.items()))))
            for e in errors:
                print("  MISMATCH " + e)
            print("  %s" % ("OK" if not errors else "%d mismatches" % len(errors)))
            failed = failed or bool(errors)
            if args.same_stream:
                if first is None:
                    first = log
                elif log.events != first.events:
                    diff = next((i for i, (a, b) in enumerate(zip(first.events, log.events)) if a != b),
                                min(len(first.events), len(log.events)))
                    print("  MISMATCH not the same stream as %s: first difference at line %d" %
                          (first.path, diff + 1))
                    failed = True
                else:
                    print("  same %d lines as %s" % (len(log.events), first.path))
    except InputError as e:
        print("check_logs.py: %s" % e, file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
