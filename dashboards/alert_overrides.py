#!/usr/bin/env python3
"""A copy of the alert rules with some windows, thresholds and holds changed.

The thresholds, windows and `for:` durations of the alerts are set in one
place: dashboards/alerts/mailgauge.yaml (the table at its top, repeated in
docs/monitoring.md; rules_lint_test.py keeps the table, the docs and the
expressions in step). A test that cannot wait ten minutes, or a site that
wants other numbers without editing the shipped file, writes a copy with
this tool. It changes only the tokens it is told to, and fails if one is
not found, so the copy runs the same expressions as the shipped rules:

  - `for`: the rule's `for:` duration;
  - `window OLD NEW`: every range `[OLD]` of the expression (also
    `[OLD] offset ...`) becomes `[NEW]`;
  - `number OLD NEW`: every numeric literal OLD of the expression (a whole
    token, not inside a label matcher or a longer number) becomes NEW.

    python3 dashboards/alert_overrides.py dashboards/alerts/mailgauge.yaml \\
        MailgaugeLogStalled:for=2s MailgaugeLogStalled:number=1800=8 \\
        MailgaugeDeferredQueueGrowing:window=30m=20s > /tmp/alerts.yaml

    # or from Python
    text = alert_overrides.apply(open(path).read(),
        {"MailgaugeLogStalled": {"for": "2s", "number": {"1800": "8"}}})

The copy is written with PyYAML (comments dropped); everything else in the
rules (labels, annotations, other alerts) is kept as is.
"""

import re
import sys

import yaml

_DURATION = r"(?:\d+(?:ms|[smhdwy]))+"


def _replace_window(expr, old, new):
    pattern = r"\[%s\]" % re.escape(old)
    out, n = re.subn(pattern, "[%s]" % new, expr)
    return out, n


def _replace_number(expr, old, new):
    # Keep label matchers ({queue="deferred"}) and strings untouched.
    parts = re.split(r'("(?:[^"\\]|\\.)*")', expr)
    count = 0
    for i in range(0, len(parts), 2):
        parts[i], n = re.subn(r"(?<![\w.\[])%s(?![\w.\]])" % re.escape(old), new, parts[i])
        count += n
    return "".join(parts), count


def apply(text, overrides):
    """The rules file `text` with `overrides` applied; raises ValueError on a miss.

    overrides: {alert name: {"for": DURATION, "window": {OLD: NEW},
    "number": {OLD: NEW}}}; every alert must exist and every OLD must
    occur in its expression.
    """
    doc = yaml.safe_load(text)
    seen = set()
    for group in doc.get("groups", []):
        for rule in group.get("rules", []):
            name = rule.get("alert")
            if name not in overrides:
                continue
            seen.add(name)
            o = overrides[name]
            unknown = set(o) - {"for", "window", "number"}
            if unknown:
                raise ValueError("%s: unknown override %s" % (name, sorted(unknown)))
            expr = rule["expr"]
            for old, new in o.get("window", {}).items():
                if not re.fullmatch(_DURATION, str(new)):
                    raise ValueError("%s: window %r is not a duration" % (name, new))
                expr, n = _replace_window(expr, old, new)
                if n == 0:
                    raise ValueError("%s: no range [%s] in %r" % (name, old, rule["expr"]))
            for old, new in o.get("number", {}).items():
                float(new)  # raises ValueError if not a number
                expr, n = _replace_number(expr, str(old), str(new))
                if n == 0:
                    raise ValueError("%s: no number %s in %r" % (name, old, rule["expr"]))
            rule["expr"] = expr
            if "for" in o:
                if not re.fullmatch(_DURATION, str(o["for"])):
                    raise ValueError("%s: for %r is not a duration" % (name, o["for"]))
                if "for" not in rule:
                    raise ValueError("%s has no for: to override" % name)
                rule["for"] = o["for"]
    missing = set(overrides) - seen
    if missing:
        raise ValueError("no such alert: %s" % ", ".join(sorted(missing)))
    return yaml.safe_dump(doc, sort_keys=False, width=1000)


def parse_args(args):
    """NAME:for=D, NAME:window=OLD=NEW, NAME:number=OLD=NEW → overrides dict."""
    overrides = {}
    for a in args:
        m = re.fullmatch(r"(\w+):(for)=(\S+)|(\w+):(window|number)=([^=\s]+)=(\S+)", a)
        if not m:
            raise ValueError("bad override %r (NAME:for=D, NAME:window=OLD=NEW, NAME:number=OLD=NEW)" % a)
        if m.group(1):
            overrides.setdefault(m.group(1), {})["for"] = m.group(3)
        else:
            overrides.setdefault(m.group(4), {}).setdefault(m.group(5), {})[m.group(6)] = m.group(7)
    return overrides


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: alert_overrides.py RULES.yaml NAME:for=D|NAME:window=OLD=NEW|NAME:number=OLD=NEW...\n")
        return 2
    try:
        text = open(argv[1], encoding="utf-8").read()
        sys.stdout.write(apply(text, parse_args(argv[2:])))
    except (OSError, ValueError) as e:
        sys.stderr.write("alert_overrides.py: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
