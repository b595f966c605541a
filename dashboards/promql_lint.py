"""Shared checks for the PromQL in dashboards/: metric names and types.

Used by dashboard_test.py and rules_lint_test.py. Reads the metric
reference docs/metrics.md (generated from the exporter's registry) for
every family's type, plus the queue and relay-abuse gauges (QUEUE_GAUGES,
ABUSE_GAUGES: what docs/metrics.md says wins) and Prometheus's own `up`.

    types = promql_lint.metric_types("docs/metrics.md")
    errors = promql_lint.check_expr('rate(mailgauge_queue_messages[5m])', types)
    # -> ['rate() over the gauge mailgauge_queue_messages']
"""

import re
import subprocess
import tempfile
import os

# The queue collector's families (exporter issue in progress): all gauges.
QUEUE_GAUGES = (
    "mailgauge_queue_messages",
    "mailgauge_queue_size_bytes",
    "mailgauge_queue_oldest_message_age_seconds",
    "mailgauge_queue_scrape_success",
    "mailgauge_queue_destination_messages",
)

# The relay-abuse gauges (exporter/abuse_tracker.h), in case docs/metrics.md
# has not been regenerated since they were added: all gauges.
ABUSE_GAUGES = (
    "mailgauge_sasl_senders_over_threshold",
    "mailgauge_sasl_sender_top_recipients",
    "mailgauge_relay_denied_client_networks",
)

# Functions that need a counter (or a histogram's _bucket/_sum/_count).
COUNTER_FUNCS = ("rate", "irate", "increase", "resets")
# Functions meant for gauges.
GAUGE_FUNCS = ("deriv", "predict_linear", "delta", "idelta")

# Words in PromQL that look like metric names but are not.
KEYWORDS = {
    "sum", "min", "max", "avg", "count", "topk", "bottomk", "quantile", "stddev", "stdvar",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "bool", "time", "vector", "scalar", "absent", "histogram_quantile", "clamp_min",
    "clamp_max", "abs", "label_replace", "label_join", "count_values", "group", "atan2",
    "inf", "nan", "le", "humanize",
} | set(COUNTER_FUNCS) | set(GAUGE_FUNCS)


# Grafana's variables and the values the static checks give them: the
# regex-all .* for the label variables (prometheus_e2e_test.py resolves them
# as Grafana does, grafana_vars.py), one minute for $__rate_interval (scrapes every
# 15 s or faster), an hour for $__range.
SUBSTITUTIONS = {
    "$host": ".*",
    "$postfix_instance": ".*",
    "$instance": ".*",
    "$__rate_interval": "1m",
    "$__range": "1h",
}


def resolve(expr):
    """An expression with the dashboard's variables replaced (SUBSTITUTIONS)."""
    for var in sorted(SUBSTITUTIONS, key=len, reverse=True):
        expr = expr.replace(var, SUBSTITUTIONS[var])
    return expr


def dashboard_exprs(d):
    """[(where, expr)] of every panel target and variable selector, unresolved.

    A variable's `label_values(SELECTOR, LABEL)` contributes SELECTOR; a
    variable query of another form raises ValueError.
    """
    out = []
    for p in d["panels"]:
        for t in p.get("targets", []):
            out.append(("panel %d %r target %s" % (p["id"], p["title"], t.get("refId")), t.get("expr", "")))
    for v in d["templating"]["list"]:
        if v["type"] != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)", q)
        if not m:
            raise ValueError("variable %s: query %r is not label_values(SELECTOR, LABEL)" % (v["name"], q))
        out.append(("variable %s" % v["name"], m.group(1)))
    return out


def metric_types(metrics_md):
    """{family: type} from docs/metrics.md's tables, plus the queue gauges and up."""
    types = {}
    for line in open(metrics_md, encoding="utf-8"):
        m = re.match(r"\| `([a-z_:][a-z0-9_:]*)` \| (counter|gauge|histogram|summary) \|", line)
        if m:
            types[m.group(1)] = m.group(2)
    if not types:
        raise ValueError("no metric found in " + metrics_md)
    for name in QUEUE_GAUGES + ABUSE_GAUGES:
        types.setdefault(name, "gauge")
    types["up"] = "gauge"
    return types


def series_type(name, types):
    """Type of a series name (a histogram's _bucket/_sum/_count are 'histogram_part')."""
    if name in types:
        return types[name]
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return "histogram_part"
    return None


def _strip_strings(expr):
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def names_in(expr):
    """Metric names an expression selects (including {__name__=~"a|b"})."""
    names = []
    for m in re.finditer(r'__name__=~?"([^"]*)"', expr):
        names.extend(n for n in m.group(1).split("|") if n)
    bare = _strip_strings(expr)
    bare = re.sub(r"\{[^}]*\}", "{}", bare)
    bare = re.sub(r"\[[^\]]*\]", "[]", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", bare):
        word = m.group(1)
        if word in KEYWORDS or re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.append(word)
    return names


def _call_args(expr, start):
    """The text of a call's arguments, expr[start] being its '('."""
    depth = 0
    for i in range(start, len(expr)):
        if expr[i] == "(":
            depth += 1
        elif expr[i] == ")":
            depth -= 1
            if depth == 0:
                return expr[start + 1 : i]
    return expr[start + 1 :]


def check_expr(expr, types):
    """Problems with one expression: unknown names, rate() of a gauge, deriv() of a counter."""
    errors = []
    for name in names_in(expr):
        if ":" in name:
            continue  # a recording rule's output; checked where it is defined
        if series_type(name, types) is None:
            errors.append("unknown metric %s" % name)
    for m in re.finditer(r"\b(%s)\s*\(" % "|".join(COUNTER_FUNCS + GAUGE_FUNCS), expr):
        func = m.group(1)
        args = _call_args(expr, m.end() - 1)
        for name in names_in(args):
            kind = series_type(name, types)
            if func in COUNTER_FUNCS and kind == "gauge":
                errors.append("%s() over the gauge %s" % (func, name))
            if func in GAUGE_FUNCS and kind in ("counter", "histogram_part"):
                errors.append("%s() over the counter %s" % (func, name))
    for m in re.finditer(r"\bhistogram_quantile\s*\(", expr):
        args = _call_args(expr, m.end() - 1)
        if not re.search(r"\b(rate|irate|increase)\s*\(\s*[a-z_:]+_bucket\b", args) and \
           not re.search(r"[a-z_]+:[a-z0-9_]+_bucket:rate", args):
            errors.append("histogram_quantile() not over rate() of a _bucket series")
    return errors


def promtool_check(exprs, promtool="promtool"):
    """Runs `promtool check rules` on the expressions as recording rules.

    Returns (ok, output). Each expression becomes rule `check:expr_N:parse`.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "exprs.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: dashboard_exprs\n    rules:\n")
            for i, e in enumerate(exprs):
                quoted = "'" + e.replace("'", "''") + "'"
                f.write("      - record: check:expr_%d:parse\n        expr: %s\n" % (i, quoted))
        r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
        return r.returncode == 0, r.stdout + r.stderr
