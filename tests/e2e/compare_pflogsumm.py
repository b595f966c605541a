#!/usr/bin/env python3
"""Compares pflogsumm's Grand Totals on refmta's log (--pflogsumm), or the
totals of `mailgauge report --format json` (--report-json, the same
definitions plus `expired`: messages qmgr returned to the sender), with
refmta's ledger.

What pflogsumm counts (Debian's /usr/sbin/pflogsumm), in ledger terms:
  received    smtpd "client=" and pickup "uid=" lines: every message that got
              a queue ID from smtpd or pickup (accepted, held, discarded, or
              refused later by cleanup), not notices or forwards refmta made
  delivered   "status=sent" lines except "forwarded as": delivered events
              that are not hand-offs
  forwarded   "status=sent (forwarded as ...)": delivered hand-offs
  deferred    messages with at least one "status=deferred" line, and the
              number of such lines (deferrals)
  bounced     "status=bounced" lines (an expiry is logged without to=, so
              it is not counted)
  rejected    smtpd "reject:" lines (one per refused command) and cleanup
              "reject:" lines (one per message)
  held, discarded   cleanup "hold:" / "discard:" lines (one per message)

usage: compare_pflogsumm.py --ledger L (--pflogsumm OUTPUT | --report-json OUTPUT)
"""
import argparse
import json
import re
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ledger", required=True)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--pflogsumm")
    which.add_argument("--report-json")
    args = ap.parse_args()
    ledger = [json.loads(l) for l in open(args.ledger, encoding="utf-8") if l.strip()]
    side = "pflogsumm" if args.pflogsumm else "mailgauge"
    text = open(args.pflogsumm or args.report_json, encoding="utf-8", errors="replace").read()
    grand = text.split("Grand Totals", 1)[-1].split("Per-Hour", 1)[0]

    def total(label):
        m = re.search(r"^\s*(\d+)([km]?)\s+" + label + r"\b", grand, re.M)
        if not m:
            sys.exit(f"pflogsumm output has no '{label}' total:\n{grand}")
        if m.group(2):
            sys.exit(f"'{label}' is shown in units ({m.group(0).strip()}); use a smaller run")
        return int(m.group(1))

    made_by_refmta = {e["queue_id"] for e in ledger
                      if e["event"] == "accepted" and e["where"] in ("local", "bounce")}
    with_qid = {e["queue_id"] for e in ledger
                if e["queue_id"] and e["event"] in ("accepted", "held", "discarded", "rejected")}
    deferred_lines = [e for e in ledger if e["event"] == "deferred"]
    expected = {
        "received": len(with_qid - made_by_refmta),
        "delivered": sum(1 for e in ledger if e["event"] == "delivered"
                         and not e["why"].startswith("forwarded as ")),
        "forwarded": sum(1 for e in ledger if e["event"] == "delivered"
                         and e["why"].startswith("forwarded as ")),
        "deferred": len({e["queue_id"] for e in deferred_lines}),
        "deferrals": len(deferred_lines),
        "bounced": sum(1 for e in ledger if e["event"] == "bounced"),
        "rejected": sum(1 for e in ledger if e["event"] == "rejected"
                        and e["where"] in ("smtpd:RCPT", "smtpd:MAIL"))
                    + len({e["queue_id"] for e in ledger
                           if e["event"] == "rejected" and e["where"] == "cleanup:header"}),
        "held": len({e["queue_id"] for e in ledger if e["event"] == "held"}),
        "discarded": len({e["queue_id"] for e in ledger if e["event"] == "discarded"}),
    }
    if args.report_json:
        expected["expired"] = len({e["queue_id"] for e in ledger if e["event"] == "expired"})
        try:
            totals = json.loads(text)["totals"]
        except (ValueError, KeyError) as e:
            sys.exit(f"mailgauge report output is not the expected JSON ({e}):\n{text[:2000]}")
        got = {k: totals.get(k) for k in expected}
    else:
        got = {k: total(k) for k in expected if k != "deferrals"}
        m = re.search(r"deferred\s+\((\d+)\s+deferrals\)", grand)
        got["deferrals"] = int(m.group(1)) if m else 0
    failures = 0
    for k, want in expected.items():
        ok = want == got[k]
        failures += not ok
        print(f"{'ok      ' if ok else 'MISMATCH'} {k:10s} ledger {want:5d}  {side} {got[k]}")
    if failures:
        print(grand if args.pflogsumm else json.dumps(totals, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
