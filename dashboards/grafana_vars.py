"""Grafana's variable substitution for a Prometheus dashboard, in Python.

prometheus_e2e_test.py runs every dashboard query against a real
Prometheus "as Grafana would": this module resolves the dashboard's query
variables against that Prometheus and interpolates panel expressions the
way Grafana's Prometheus data source does:

- `label_values(SELECTOR, LABEL)` asks /api/v1/series for SELECTOR (after
  interpolating the variables defined before it) and takes the values of
  LABEL; the variable's `regex` (`/.../`) keeps the matching values, its
  first capture group being the value; `sort` 1 orders them alphabetically.
- A multi-value or include-All variable is written regex-escaped
  (`prometheusSpecialRegexEscape`: `\\\\` before each of
  `$ ^ * + ? . ( ) | [ ] { } '`, and a backslash becomes four: the regex
  escape, doubled for the PromQL string),
  several values as `(a|b)`; All is the variable's `allValue` verbatim when
  it has one, else all of its options.
- `$__interval` is the time range over the panel's max data points,
  rounded to Grafana's steps (roundInterval) and at least the data
  source's scrape interval; `$__rate_interval` is max($__interval + scrape
  interval, 4 x scrape interval); `$__range` the range in whole seconds.

    values = grafana_vars.resolve_variables(dashboard, series, {"host": ["localhost"]})
    expr = grafana_vars.interpolate(panel_expr, values, grafana_vars.builtins(300, 1000, 1))

`series(selector)` is a function returning the label sets of
/api/v1/series?match[]=selector.
"""

import re

_SPECIAL = re.compile(r"""[\\$^*+?.()|\[\]{}']""")


def regex_escape(value):
    """prometheusSpecialRegexEscape: the value as a literal inside =~"..."."""
    return _SPECIAL.sub(lambda m: "\\\\\\\\" if m.group(0) == "\\" else "\\\\" + m.group(0), value)


class Value:
    """A resolved variable: its options and what it stands for in a query."""

    def __init__(self, name, options, selected, all_value, regex_format):
        self.name = name
        self.options = options
        self.selected = selected  # None: All
        self.all_value = all_value
        self.regex_format = regex_format

    def text(self):
        if self.selected is None and self.all_value is not None:
            return self.all_value
        values = self.options if self.selected is None else self.selected
        if not self.regex_format:
            return values[0] if values else ""
        escaped = [regex_escape(v) for v in values]
        if len(escaped) == 1:
            return escaped[0]
        return "(" + "|".join(escaped) + ")"


# rangeutil.ts roundInterval: (below this many ms, round to this many ms).
_ROUND_MS = [
    (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
    (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
    (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
    (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000),
    (32400000, 21600000), (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
    (3628800000, 2592000000),
]


def round_interval_ms(ms):
    """Grafana's roundInterval: an interval rounded to a "nice" step."""
    for below, rounded in _ROUND_MS:
        if ms < below:
            return rounded
    return 31536000000


def builtins(range_seconds, max_data_points, scrape_interval_seconds):
    """Grafana's $__interval, $__rate_interval and $__range for a panel.

    calculateInterval: range / max data points, rounded, floored at the
    data source's scrape interval; $__rate_interval: max($__interval +
    scrape interval, 4 x scrape interval). Whole seconds.
    """
    interval_ms = max(scrape_interval_seconds * 1000, round_interval_ms(range_seconds * 1000 / max_data_points))
    interval = max(1, interval_ms // 1000)
    rate_interval = max(interval + scrape_interval_seconds, 4 * scrape_interval_seconds)
    return {
        "__rate_interval": "%ds" % rate_interval,
        "__interval": "%ds" % interval,
        "__range": "%ds" % range_seconds,
        "__range_s": "%d" % range_seconds,
    }


def interpolate(expr, values, builtin_values):
    """expr with $name / ${name} replaced (values: {name: Value}; builtins: {name: text})."""
    table = dict(builtin_values)
    for name, v in values.items():
        table[name] = v.text()

    def sub(m):
        name = m.group(1) or m.group(2)
        if name not in table:
            raise ValueError("unknown variable $%s in %r" % (name, expr))
        return table[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, expr)


def _js_regex(text):
    m = re.fullmatch(r"/(.*)/([gimsuy]*)", text or "")
    if not m:
        return None
    flags = re.I if "i" in m.group(2) else 0
    return re.compile(m.group(1), flags)


def resolve_variables(dashboard, series, selection=None):
    """{name: Value} for the dashboard's query variables, in their order.

    selection: {name: [values]} for variables not left on All.
    """
    selection = selection or {}
    values = {}
    for v in dashboard["templating"]["list"]:
        if v["type"] != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"label_values\((.*),\s*([a-zA-Z_]\w*)\)", q)
        if not m:
            raise ValueError("variable %s: %r is not label_values(SELECTOR, LABEL)" % (v["name"], q))
        selector = interpolate(m.group(1), values, {})
        label = m.group(2)
        found = set()
        for labels in series(selector):
            if label in labels:
                found.add(labels[label])
        rx = _js_regex(v.get("regex"))
        options = set()
        for value in found:
            if rx is None:
                options.add(value)
                continue
            mm = rx.search(value)
            if mm:
                options.add(mm.group(1) if mm.groups() else value)
        options = sorted(options)
        chosen = selection.get(v["name"])
        if chosen is not None:
            bad = [c for c in chosen if c not in options]
            if bad:
                raise ValueError("variable %s: %s not among its options %s" % (v["name"], bad, options))
        values[v["name"]] = Value(v["name"], options, chosen, v.get("allValue"),
                                  bool(v.get("multi") or v.get("includeAll")))
    return values
