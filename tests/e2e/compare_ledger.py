#!/usr/bin/env python3
"""Compares refmta's ledger (the truth) with what mailgauge read from refmta's log.

Checks, number by number:
  * every message in the ledger (accepted, held, discarded, or rejected after
    it had a queue ID) is in exactly one `mailgauge records` record, with the
    same sender, and every record's queue IDs are in the ledger;
  * every recipient's final status (sent, bounced, expired, deferred, held,
    discarded, deleted) per queue ID and address, and its number of
    deferrals, equals the ledger's;
  * recipients refused while the message had a queue ID are the record's
    rejected_recipients, with the same reply; NOQUEUE rejects in the ledger
    equal mailgauge's NOQUEUE count (--stats);
  * a record is unfinished exactly when the ledger leaves mail in the queue;
  * no line is left not understood;
  * what the traffic generator saw (its transcripts) agrees with the ledger;
  * the scenarios produced every kind of outcome they are meant to (so that
    the comparison is not vacuous).
On a mismatch both sides are printed and the exit status is 1.

usage: compare_ledger.py --ledger L --records R --stats S --unparsed U
                         [--transcript T]... [--coverage none|basic|all]
"""
import argparse
import collections
import json
import re
import sys

TERMINAL = {
    "delivered": "sent",
    "bounced": "bounced",
    "expired": "expired",
    "deleted": "deleted",
    "held": "held",
    "discarded": "discarded",
}


def load_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError as e:
                    sys.exit(f"{path}, line {n}: not JSON: {e}")
    return out


class Report:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def check(self, ok, what, ledger_side=None, mailgauge_side=None):
        self.checks += 1
        if ok:
            return
        self.failures += 1
        print(f"MISMATCH: {what}")
        if ledger_side is not None:
            print(f"  ledger:    {ledger_side}")
        if mailgauge_side is not None:
            print(f"  mailgauge: {mailgauge_side}")

    def counters(self, what, ledger, mailgauge, side_names=("ledger", "mailgauge")):
        """Compares two Counters key by key."""
        self.checks += 1
        keys = sorted(set(ledger) | set(mailgauge), key=str)
        bad = [k for k in keys if ledger.get(k, 0) != mailgauge.get(k, 0)]
        if not bad:
            return
        self.failures += 1
        print(f"MISMATCH: {what}: {len(bad)} keys differ")
        for k in bad:
            print(f"  {k}: {side_names[0]} {ledger.get(k, 0)}, {side_names[1]} {mailgauge.get(k, 0)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--records", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--unparsed", required=True)
    ap.add_argument("--transcript", action="append", default=[])
    ap.add_argument("--coverage", choices=("none", "basic", "all", "scenarios"),
                    default="basic",
                    help="which outcomes the traffic must have made: basic (normal-day), "
                         "all (normal-day and mixed-soak), scenarios (relay-abuse, "
                         "over-quota, remote-outage, unknown-users), none")
    args = ap.parse_args()
    rep = Report()
    ledger = load_jsonl(args.ledger)
    records = load_jsonl(args.records)
    stats = open(args.stats, encoding="utf-8").read()

    # ---- the ledger's messages
    messages = collections.OrderedDict()  # qid -> {sender, origin, rcpts, kind}
    noqueue = []
    qid_rcpt_rejects = collections.Counter()
    message_rejects = {}  # qid -> why (refused after it had a queue ID)
    for e in ledger:
        ev, qid = e["event"], e["queue_id"]
        if ev in ("accepted", "held", "discarded"):
            m = messages.setdefault(qid, {"sender": e["sender"], "origin": e["where"],
                                          "rcpts": [], "event": ev})
            m["rcpts"].append(e["recipient"])
        elif ev == "rejected":
            if qid == "":
                noqueue.append(e)
            elif e["where"] == "smtpd:RCPT":
                qid_rcpt_rejects[(qid, e["recipient"], e["why"])] += 1
            else:
                message_rejects.setdefault(qid, e)
                messages.setdefault(qid, {"sender": e["sender"], "origin": e["where"],
                                          "rcpts": [], "event": "rejected"})

    # ---- mailgauge's records
    by_qid = {}
    for r in records:
        for q in r["queue_ids"]:
            rep.check(q not in by_qid, f"queue ID {q} is in two records", None,
                      [by_qid.get(q, {}).get("queue_ids"), r["queue_ids"]])
            by_qid[q] = r
    for q in by_qid:
        rep.check(q in messages, f"record queue ID {q} is not a message in the ledger",
                  "absent", json.dumps(by_qid[q])[:400])
    for q, m in messages.items():
        r = by_qid.get(q)
        rep.check(r is not None, f"ledger message {q} has no record",
                  json.dumps(m), "absent")
        if r is None:
            continue
        if r["queue_ids"][0] == q:
            rep.check(r["sender"] == m["sender"], f"{q}: sender", m["sender"], r["sender"])
        if m["event"] == "discarded":
            rep.check(r["end"] == "discarded", f"{q}: end of a discarded message",
                      "discarded", r["end"])
        if m["event"] == "rejected":
            why = message_rejects[q]["why"]
            got = (r.get("reject") or {}).get("reply", "")
            rep.check(r["end"] == "rejected" and got != "" and why.endswith(got),
                      f"{q}: message refused after it had a queue ID", why,
                      f"end={r['end']} reject={r.get('reject')}")

    # ---- recipients: final status and deferrals per (queue ID, address)
    groups = collections.OrderedDict()
    for e in ledger:
        if e["event"] in ("accepted", "rejected", "connect", "disconnect", "notification"):
            continue
        if e["event"] == "delivered" and e["why"].startswith("forwarded as "):
            continue  # a hand-off: mailgauge shows the new hop's recipients instead
        groups.setdefault((e["queue_id"], e["recipient"]), []).append(e)
    ledger_final = collections.Counter()
    ledger_deferrals = collections.Counter()
    pending_qids = set()
    for (q, rcpt), evs in groups.items():
        for e in evs:
            if e["event"] in TERMINAL:
                ledger_final[(q, rcpt, TERMINAL[e["event"]])] += 1
            if e["event"] == "deferred":
                ledger_deferrals[(q, rcpt)] += 1
        last = evs[-1]["event"]
        if last in ("deferred", "released"):
            ledger_final[(q, rcpt, "deferred")] += 1
        if last in ("deferred", "released", "held"):
            pending_qids.add(q)
    # Accepted recipients with no event at all are still waiting for qmgr.
    for q, m in messages.items():
        if m["event"] == "accepted" and not any(k[0] == q for k in groups):
            for rcpt in m["rcpts"]:
                ledger_final[(q, rcpt, "deferred")] += 1
            pending_qids.add(q)
    mg_final = collections.Counter()
    mg_deferrals = collections.Counter()
    mg_rejects = collections.Counter()
    mg_message_rejects = collections.Counter()
    for r in records:
        for x in r["recipients"]:
            mg_final[(x["queue_id"], x["address"], x["status"])] += 1
            if x["deferrals"]:
                mg_deferrals[(x["queue_id"], x["address"])] += x["deferrals"]
        for x in r.get("rejected_recipients", []):
            if x["stage"] == "RCPT":
                mg_rejects[(r["queue_ids"][0], x["address"], x["reply"])] += 1
            else:  # the whole message was refused; checked with the record's end
                mg_message_rejects[(r["queue_ids"][0], x["address"])] += 1
    rep.counters("final status per (queue ID, recipient, status)", ledger_final, mg_final)
    rep.counters("deferrals per (queue ID, recipient)", ledger_deferrals, mg_deferrals)
    rep.counters("recipients refused at RCPT with a queue ID (queue ID, recipient, reply)",
                 qid_rcpt_rejects, mg_rejects)
    # A refused message: Postfix's cleanup line names one recipient (the
    # last), so compare (queue ID, recipient) for single-recipient messages.
    ledger_message_rejects = collections.Counter()
    for q, e in message_rejects.items():
        rcpts = [x["recipient"] for x in ledger if x["event"] == "rejected" and x["queue_id"] == q
                 and x["where"] != "smtpd:RCPT"]
        if len(rcpts) == 1:
            ledger_message_rejects[(q, rcpts[0])] += 1
        elif rcpts:
            mg_message_rejects.pop((q, rcpts[-1]), None)
    rep.counters("recipients of refused messages (queue ID, recipient)",
                 ledger_message_rejects, mg_message_rejects)

    # ---- finished / unfinished
    for r in records:
        want_unfinished = any(q in pending_qids for q in r["queue_ids"])
        rep.check(r["finished"] == (not want_unfinished),
                  f"record {r['queue_ids']}: finished",
                  "in the queue" if want_unfinished else "done",
                  f"finished={r['finished']} end={r['end']}")

    # ---- --stats numbers
    m = re.search(r"(\d+) NOQUEUE rejects", stats)
    rep.check(m is not None, "mailgauge --stats prints a NOQUEUE count", None, stats)
    if m:
        rep.check(int(m.group(1)) == len(noqueue), "NOQUEUE rejects", len(noqueue),
                  int(m.group(1)))
    m = re.search(r"(\d+) records \((\d+) unfinished\)", stats)
    if m:
        rep.check(int(m.group(1)) == len(records), "records counted by --stats",
                  len(records), int(m.group(1)))
        rep.check(int(m.group(2)) == sum(1 for r in records if not r["finished"]),
                  "unfinished records counted by --stats", None, m.group(2))
    m = re.search(r"(\d+) not understood", stats)
    rep.check(m is not None and int(m.group(1)) == 0, "lines not understood", 0,
              m.group(1) if m else stats)
    unparsed = open(args.unparsed, encoding="utf-8", errors="replace").read()
    rep.check(unparsed == "", "lines written by --unparsed", "", unparsed[:2000])

    # ---- the traffic generator's view against the ledger
    seen_rejects = collections.Counter()
    sendmail_ok = 0
    data_refused = 0
    for path in args.transcript:
        for t in load_jsonl(path):
            if t["via"] == "sendmail":
                sendmail_ok += t["sendmail_exit"] == 0
                continue
            rep.check(t["error"] == "", f"traffic message {t['number']} ({path}) failed",
                      None, t["error"])
            accepted = []
            for rcpt, reply in zip(t["recipients"], t["rcpt_replies"]):
                if reply.startswith("2"):
                    accepted.append(rcpt)
                else:
                    seen_rejects[(t["sender"], rcpt, reply)] += 1
            if t["queue_id"]:
                lm = messages.get(t["queue_id"])
                rep.check(lm is not None and lm["sender"] == t["sender"] and
                          sorted(lm["rcpts"]) == sorted(accepted),
                          f"traffic got 'queued as {t['queue_id']}'",
                          json.dumps(lm), json.dumps({"sender": t["sender"], "rcpts": accepted}))
            elif accepted:
                data_refused += 1
    if args.transcript:
        ledger_rcpt_rejects = collections.Counter(
            (e["sender"], e["recipient"], e["why"]) for e in ledger
            if e["event"] == "rejected" and e["where"] == "smtpd:RCPT")
        rep.counters("RCPT refusals (sender, recipient, reply)", ledger_rcpt_rejects,
                     seen_rejects, ("ledger", "traffic"))
        pickups = sum(1 for m in messages.values() if m["origin"] == "pickup")
        rep.check(pickups == sendmail_ok, "sendmail submissions", pickups, sendmail_ok)
        rep.check(data_refused == len(message_rejects), "messages refused at DATA",
                  len(message_rejects), data_refused)

    # ---- coverage: the scenarios did what they are for
    def has(pred):
        return any(pred(e) for e in ledger)
    coverage = {} if args.coverage in ("none", "scenarios") else {
        "local delivery": lambda e: e["event"] == "delivered" and e["where"].startswith("local:"),
        "virtual delivery": lambda e: e["event"] == "delivered" and e["where"].startswith("virtual:"),
        "relayed to the peer": lambda e: e["event"] == "delivered" and e["where"].startswith("smtp:"),
        "alias forward": lambda e: e["event"] == "delivered" and e["why"].startswith("forwarded as"),
        "sendmail submission": lambda e: e["where"] == "pickup",
        "NOQUEUE unknown user": lambda e: e["event"] == "rejected" and e["queue_id"] == "" and "User unknown" in e["why"],
        "greylisted, then sent": lambda e: e["event"] == "deferred" and "Greylisted" in e["why"],
    }
    if args.coverage == "all":
        coverage.update({
            "relay access denied": lambda e: e["event"] == "rejected" and "Relay access denied" in e["why"],
            "remote 5xx bounce": lambda e: e["event"] == "bounced" and e["where"].startswith("smtp:"),
            "over-quota bounce": lambda e: e["event"] == "bounced" and e["where"].startswith("virtual:"),
            "deferred by outage": lambda e: e["event"] == "deferred" and "Connection refused" in e["why"],
            "expired": lambda e: e["event"] == "expired",
            "bounce notice": lambda e: e["where"] == "bounce",
            "held": lambda e: e["event"] == "held",
            "discarded": lambda e: e["event"] == "discarded",
            "header REJECT": lambda e: e["event"] == "rejected" and e["where"] == "cleanup:header",
        })
    if args.coverage == "scenarios":
        coverage = {
            "relay access denied": lambda e: e["event"] == "rejected" and "Relay access denied" in e["why"],
            "over-quota bounce": lambda e: e["event"] == "bounced" and e["where"].startswith("virtual:"),
            "remote full mailbox": lambda e: e["event"] == "bounced" and "552 5.2.2" in e["why"],
            "deferred: connection refused": lambda e: e["event"] == "deferred" and "Connection refused" in e["why"],
            "deferred: connection dropped": lambda e: e["event"] == "deferred" and "lost connection" in e["why"],
            "relayed after the outage": lambda e: e["event"] == "delivered" and e["where"].startswith("smtp:"),
            "NOQUEUE unknown user": lambda e: e["event"] == "rejected" and e["queue_id"] == "" and "User unknown" in e["why"],
            "unknown virtual user": lambda e: e["event"] == "rejected" and "virtual mailbox table" in e["why"],
            "unknown user with a queue ID": lambda e: e["event"] == "rejected" and e["queue_id"] != "" and "User unknown" in e["why"],
        }
    for name, pred in coverage.items():
        rep.check(has(pred), f"the scenarios made no '{name}'", "none", None)

    print(f"compare_ledger: {len(ledger)} ledger events, {len(messages)} messages, "
          f"{len(records)} records, {sum(ledger_final.values())} final recipient statuses, "
          f"{len(noqueue)} NOQUEUE rejects; {rep.checks} checks, {rep.failures} mismatches")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
