#!/usr/bin/env python3
"""Checks dashboards/grafana/mailgauge.json.

- It is what grafana/generate_dashboard.py writes (no hand edit drifts),
  and grafana/mailgauge-layout.svg is what grafana/layout_svg.py draws of it.
- It is a provisionable Grafana dashboard: schemaVersion >= 36, a uid, no
  __inputs, a `datasource` variable and `host`, `instance` and
  `postfix_instance` query variables, each narrowing the next, every panel
  and every target on
  ${datasource}, unique panel ids, panels inside the 24-column grid and
  not overlapping, the rows the issue asks for.
- Every PromQL expression (panel targets and the variables' selectors),
  with the variables resolved ($host, $instance and $postfix_instance to
  the regex-all .*, $__rate_interval to 1m, $__range to 1h), names only known
  metrics, never rate()s a gauge, takes histogram_quantile over rate() of
  _bucket, and parses: they are loaded as recording rules in a temp file
  and run through `promtool check rules` (skipped with a message if
  promtool is not installed).

Usage (from the runfiles root): dashboard_test.py
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promql_lint  # noqa: E402

DASHBOARD = "dashboards/grafana/mailgauge.json"
GENERATOR = "dashboards/grafana/generate_dashboard.py"
METRICS_MD = "docs/metrics.md"
LAYOUT_SCRIPT = "dashboards/grafana/layout_svg.py"
LAYOUT_SVG = "dashboards/grafana/mailgauge-layout.svg"

REQUIRED_ROWS = ("Traffic", "Delivery outcomes", "Deferral, bounce and reject reasons", "Delays",
                 "Queue", "Relay abuse", "TLS", "Exporter health")

errors = []


def error(msg):
    errors.append(msg)


def check_structure(d):
    if d.get("schemaVersion", 0) < 36:
        error("schemaVersion %s < 36" % d.get("schemaVersion"))
    if not d.get("uid"):
        error("no uid: provisioning needs a stable one")
    if "__inputs" in d:
        error("__inputs is for the import UI; the provisioned dashboard uses the datasource variable")
    variables = {v["name"]: v for v in d["templating"]["list"]}
    ds = variables.get("datasource")
    if not ds or ds["type"] != "datasource" or ds["query"] != "prometheus":
        error("no `datasource` variable of type datasource/prometheus")
    # All of host and postfix_instance is the regex .*; All of instance is
    # the list of its options (the targets of the chosen hosts), so it has
    # no allValue, and its query narrows on $host.
    all_values = {"host": ".*", "instance": None, "postfix_instance": ".*"}
    for name, all_value in all_values.items():
        v = variables.get(name)
        if not v:
            error("no `%s` variable" % name)
            continue
        if v["type"] != "query" or v["datasource"].get("uid") != "${datasource}":
            error("variable %s is not a query on ${datasource}" % name)
        if not v.get("includeAll") or v.get("allValue") != all_value:
            error("variable %s: All must be %s" % (name, "the regex .*" if all_value else "the list of its options"))
    order = [v["name"] for v in d["templating"]["list"]]
    if order[:4] != ["datasource", "host", "instance", "postfix_instance"]:
        error("variables must come in the order datasource, host, instance, postfix_instance: %s" % order)
    if "instance" in variables and "$host" not in variables["instance"]["query"]:
        error("variable instance does not narrow on $host")
    if "postfix_instance" in variables and "$instance" not in variables["postfix_instance"]["query"]:
        error("variable postfix_instance does not narrow on $instance")
    ids = set()
    cells = {}
    rows = []
    for p in d["panels"]:
        pid = p["id"]
        if pid in ids:
            error("panel id %d repeated" % pid)
        ids.add(pid)
        g = p["gridPos"]
        if g["x"] < 0 or g["w"] <= 0 or g["x"] + g["w"] > 24 or g["h"] <= 0:
            error("panel %d %r outside the 24-column grid: %s" % (pid, p["title"], g))
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    error("panel %d overlaps panel %d at %d,%d" % (pid, cells[(x, y)], x, y))
                cells[(x, y)] = pid
        if p["type"] == "row":
            rows.append(p["title"])
            continue
        if p.get("datasource", {}).get("uid") != "${datasource}":
            error("panel %d %r is not on ${datasource}" % (pid, p["title"]))
        targets = p.get("targets", [])
        if not targets:
            error("panel %d %r has no target" % (pid, p["title"]))
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            error("panel %d %r: refIds repeated" % (pid, p["title"]))
        for t in targets:
            if t.get("datasource", {}).get("uid") != "${datasource}":
                error("panel %d %r target %s is not on ${datasource}" % (pid, p["title"], t.get("refId")))
            if not t.get("expr", "").strip():
                error("panel %d %r target %s has no expr" % (pid, p["title"], t.get("refId")))
    for r in REQUIRED_ROWS:
        if r not in rows:
            error("row %r missing" % r)


def main():
    text = open(DASHBOARD, encoding="utf-8").read()
    generated = subprocess.run([sys.executable, GENERATOR], capture_output=True, text=True, check=True).stdout
    if generated != text:
        error("%s differs from the output of %s; run: python3 %s > %s" % (DASHBOARD, GENERATOR, GENERATOR, DASHBOARD))
    d = json.loads(text)
    check_structure(d)
    layout = subprocess.run([sys.executable, LAYOUT_SCRIPT, DASHBOARD], capture_output=True, text=True,
                            check=True).stdout
    if not os.path.exists(LAYOUT_SVG) or open(LAYOUT_SVG, encoding="utf-8").read() != layout:
        error("%s is not the picture of %s; run: python3 %s %s > %s" % (
            LAYOUT_SVG, DASHBOARD, LAYOUT_SCRIPT, DASHBOARD, LAYOUT_SVG))
    types = promql_lint.metric_types(METRICS_MD)
    try:
        exprs = promql_lint.dashboard_exprs(d)
    except ValueError as e:
        error(str(e))
        exprs = []
    resolved = []
    for where, e in exprs:
        r = promql_lint.resolve(e)
        if "$" in r:
            error("%s: unresolved variable in %r" % (where, r))
            continue
        for problem in promql_lint.check_expr(r, types):
            error("%s: %s in %r" % (where, problem, r))
        resolved.append(r)
    promtool = shutil.which("promtool")
    if promtool is None:
        print("SKIPPED: promtool is not installed (apt-get install prometheus); %d expressions not parsed" % len(resolved))
    else:
        ok, out = promql_lint.promtool_check(resolved, promtool)
        if not ok:
            error("promtool check rules rejected a dashboard expression:\n" + out)
        else:
            print("promtool parsed all %d dashboard expressions" % len(resolved))
    if errors:
        for e in errors:
            print("FAIL: " + e, file=sys.stderr)
        sys.exit(1)
    print("OK: %s (%d panels, %d expressions)" % (DASHBOARD, len(d["panels"]), len(resolved)))


if __name__ == "__main__":
    main()
