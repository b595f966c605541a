#!/usr/bin/env python3
"""Stands in for `postqueue -j` in prometheus_e2e_test.py.

Prints a small, fixed Postfix queue as `postqueue -j` does: one JSON object
per message (queue_name, queue_id, arrival_time, message_size, sender,
recipients[address, delay_reason]), arrival times relative to now so that
the qshape age buckets are stable. The exporter runs it with
--postfix.showq-command, which keeps the test away from the host's spool.

With `--growing DIR` the deferred queue also holds messages to
flood.example (a destination that is down): none until DIR/start exists,
then 20 more every second from the time written in DIR/start; once
DIR/stop exists (a time too), the flood drains at 40 a second.

    fake_postqueue_j.py --growing /tmp/q    # as postqueue -j
"""

import json
import os
import sys
import time

NOW = int(time.time())

MESSAGES = [
    ("deferred", "4F2A81081D1", 3 * 3600, 2100, ["ann@example.net", "bob@example.net"],
     "connect to mx.example.net[192.0.2.10]:25: Connection refused"),
    ("deferred", "4F2A81081D2", 20 * 60, 1800, ["carl@example.net"],
     "connect to mx.example.net[192.0.2.10]:25: Connection refused"),
    ("deferred", "4F2A81081D3", 2 * 60, 900, ["dee@example.org"],
     "host mx.example.org[192.0.2.20] said: 450 4.7.1 greylisted"),
    ("active", "4F2A81081D4", 30, 1200, ["eve@example.com"], ""),
    ("hold", "4F2A81081D5", 26 * 3600, 5000, ["fay@example.com"], ""),
]

FLOOD_RATE = 20.0   # messages a second while growing
DRAIN_RATE = 40.0   # messages a second once stopped


def flood_size(state_dir):
    """Messages to flood.example now, from DIR/start and DIR/stop."""
    try:
        start = float(open(os.path.join(state_dir, "start")).read())
    except (OSError, ValueError):
        return 0
    now = time.time()
    try:
        stop = float(open(os.path.join(state_dir, "stop")).read())
    except (OSError, ValueError):
        return int(max(0.0, now - start) * FLOOD_RATE)
    peak = max(0.0, stop - start) * FLOOD_RATE
    return int(max(0.0, peak - max(0.0, now - stop) * DRAIN_RATE))


if len(sys.argv) == 3 and sys.argv[1] == "--growing":
    for k in range(flood_size(sys.argv[2])):
        MESSAGES.append(("deferred", "5A%09X" % k, 60, 1500, ["user%d@flood.example" % k],
                         "connect to mx.flood.example[192.0.2.30]:25: Connection timed out"))
elif len(sys.argv) != 1:
    sys.stderr.write("usage: fake_postqueue_j.py [--growing DIR]\n")
    sys.exit(2)

lines = []
for queue, qid, age, size, rcpts, reason in MESSAGES:
    rec = {
        "queue_name": queue,
        "queue_id": qid,
        "arrival_time": NOW - age,
        "message_size": size,
        "forced_expire": False,
        "sender": "sender@example.com",
        "recipients": [dict({"address": r}, **({"delay_reason": reason} if reason else {})) for r in rcpts],
    }
    lines.append(json.dumps(rec) + "\n")
try:
    sys.stdout.write("".join(lines))
    sys.stdout.flush()
except BrokenPipeError:
    sys.exit(1)
