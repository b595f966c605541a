#!/usr/bin/env python3
"""Checks the alert and recording rules beyond what promtool checks.

- Every alert has a `severity` label (warning or critical) and `summary`,
  `description` and `runbook` annotations, and a promtool test file
  dashboards/tests/<AlertName>.yaml with a case where it fires and one
  where it does not.
- The thresholds table at the top of dashboards/alerts/mailgauge.yaml and
  the one in docs/monitoring.md are the same, list every alert once, and
  agree with the rules: same `for` and severity, every number of the
  threshold column appears in the expression, the window as a range.
- Recording rules are named level:metric:operation with level instance or job.
- No expression names an unknown metric, rate()s a gauge or deriv()s a
  counter (promql_lint.py, against docs/metrics.md).

The rules files are read with a small parser for the layout this
directory uses (`      - alert: NAME` blocks), so no YAML library is needed.

Usage (from the runfiles root): rules_lint_test.py
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promql_lint  # noqa: E402

ALERTS = "dashboards/alerts/mailgauge.yaml"
RULES = "dashboards/rules/mailgauge.yaml"
TESTS = "dashboards/tests"
MONITORING_MD = "docs/monitoring.md"


def monitoring_md():
    """docs/monitoring.md, from the runfiles (//:docs/monitoring.md)."""
    return MONITORING_MD

METRICS_MD = "docs/metrics.md"

errors = []


def error(msg):
    errors.append(msg)


def rule_blocks(path, kind):
    """{name: block text} of the `- alert:` or `- record:` entries of a rules file."""
    text = open(path, encoding="utf-8").read()
    out = {}
    parts = re.split(r"^      - (alert|record): ", text, flags=re.M)
    for i in range(1, len(parts), 2):
        if parts[i] != kind:
            continue
        name, _, body = parts[i + 1].partition("\n")
        name = name.strip()
        if name in out:
            error("%s: %s %s defined twice" % (path, kind, name))
        out[name] = body
    return out


def field(block, key):
    """A scalar field (`key: value`) or a block scalar (`key: |`) of a rule."""
    m = re.search(r"^\s+%s: \|\n((?:\s{10,}.*\n?)+)" % re.escape(key), block, re.M)
    if m:
        return "\n".join(l.strip() for l in m.group(1).splitlines())
    m = re.search(r"^\s+%s: (.*)$" % re.escape(key), block, re.M)
    if not m:
        return None
    v = m.group(1).strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        v = v[1:-1]
    return v


def table_rows(lines):
    """Rows of the first markdown table whose header starts with '| alert'."""
    rows = []
    inside = False
    for line in lines:
        line = line.strip()
        if line.startswith("#"):
            line = line[1:].strip()
        if line.startswith("| alert"):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            rows.append(cells)
    return rows


def merge_continuations(rows):
    """Table rows with an empty alert cell continue the previous row's threshold."""
    out = []
    for cells in rows:
        if cells[0] == "" and out:
            out[-1][1] += " " + cells[1]
        else:
            out.append(list(cells))
    return out


def main():
    types = promql_lint.metric_types(METRICS_MD)
    alerts = rule_blocks(ALERTS, "alert")
    records = rule_blocks(RULES, "record")
    if len(alerts) < 10:
        error("only %d alerts found in %s" % (len(alerts), ALERTS))

    for name, block in alerts.items():
        sev = field(block, "severity")
        if sev not in ("warning", "critical"):
            error("%s: severity %r is not warning or critical" % (name, sev))
        for a in ("summary", "description", "runbook"):
            if not field(block, a):
                error("%s: no %s annotation" % (name, a))
        expr = field(block, "expr")
        if not expr:
            error("%s: no expr" % name)
            continue
        for problem in promql_lint.check_expr(expr, types):
            error("%s: %s" % (name, problem))
        test = os.path.join(TESTS, name + ".yaml")
        if not os.path.exists(test):
            error("%s: no promtool test %s" % (name, test))
            continue
        t = open(test, encoding="utf-8").read()
        if "../alerts/mailgauge.yaml" not in t:
            error("%s does not load ../alerts/mailgauge.yaml" % test)
        cases = re.findall(r"alertname: (\S+)\n\s+exp_alerts:(.*)", t)
        mine = [c for c in cases if c[0] == name]
        if not any(c[1].strip() == "[]" for c in mine):
            error("%s: no case where %s must not fire" % (test, name))
        if not any(c[1].strip() == "" for c in mine):
            error("%s: no case where %s must fire" % (test, name))
        if len(mine) != len(cases):
            error("%s tests other alerts too: one file per alert" % test)

    for name, block in records.items():
        if not re.fullmatch(r"(instance|job):[a-z][a-z0-9_]*:[a-z0-9_]+", name):
            error("recording rule %s is not named instance|job:metric:operation" % name)
        expr = field(block, "expr")
        for problem in promql_lint.check_expr(expr or "", types):
            error("%s: %s" % (name, problem))
        if name.startswith("job:") and re.search(r"\bby \([^)]*\binstance\b", expr or ""):
            error("%s: a job-level rule keeps the instance label" % name)

    in_rules = merge_continuations(table_rows(open(ALERTS, encoding="utf-8")))
    docs = monitoring_md()
    if not os.path.exists(docs):
        error("%s missing" % docs)
        in_docs = []
    else:
        in_docs = merge_continuations(table_rows(open(docs, encoding="utf-8")))
    norm = lambda rows: [[re.sub(r"\s+", " ", c.replace("`", "")) for c in r] for r in rows]
    if norm(in_rules) != norm(in_docs):
        error("the thresholds tables of %s and %s differ:\n  %s\n  %s" % (ALERTS, MONITORING_MD, norm(in_rules), norm(in_docs)))
    listed = [r[0] for r in in_rules]
    if sorted(listed) != sorted(alerts):
        error("thresholds table lists %s, the rules are %s" % (sorted(listed), sorted(alerts)))
    for cells in in_rules:
        if len(cells) != 5 or cells[0] not in alerts:
            continue
        name, threshold, window, for_, sev = cells
        block = alerts[name]
        expr = field(block, "expr") or ""
        if (field(block, "for") or "-") != for_:
            error("%s: table says for %s, rule says %s" % (name, for_, field(block, "for")))
        if field(block, "severity") != sev:
            error("%s: table says severity %s, rule says %s" % (name, sev, field(block, "severity")))
        if window != "-" and "[%s" % window not in expr:
            error("%s: window %s not in the expression" % (name, window))
        expr_numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", re.sub(r'"[^"]*"', "", expr)))
        for number in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?=x?\b)", threshold.replace("`", "")):
            if number not in expr_numbers and number not in ("0", "1"):
                error("%s: threshold %s of the table is not in the expression" % (name, number))

    if errors:
        for e in errors:
            print("FAIL: " + e, file=sys.stderr)
        sys.exit(1)
    print("OK: %d alerts, %d recording rules, thresholds table in step with %s" % (len(alerts), len(records), MONITORING_MD))


if __name__ == "__main__":
    main()
