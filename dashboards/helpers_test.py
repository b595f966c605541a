#!/usr/bin/env python3
"""Unit tests of alert_overrides.py and grafana_vars.py (no Prometheus needed).

Usage (from the runfiles root or the repository root): helpers_test.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alert_overrides  # noqa: E402
import grafana_vars  # noqa: E402

RULES = """\
groups:
  - name: g
    rules:
      - alert: Growing
        expr: |
          predict_linear(q{queue="deferred",le="50"}[30m], 3600) > 500
          and q{queue="deferred"} > 50
        for: 10m
        labels:
          severity: warning
      - alert: Other
        expr: up == 0
        for: 5m
"""


class AlertOverridesTest(unittest.TestCase):
    def test_changes_only_the_given_tokens(self):
        out = alert_overrides.apply(RULES, {"Growing": {"for": "2s", "window": {"30m": "20s"},
                                                        "number": {"50": "5"}}})
        self.assertIn('predict_linear(q{queue="deferred",le="50"}[20s], 3600) > 500', out)
        self.assertIn('and q{queue="deferred"} > 5\n', out)
        self.assertIn("for: 2s", out)
        self.assertIn("for: 5m", out)  # Other untouched
        self.assertIn("severity: warning", out)

    def test_a_token_not_in_the_rule_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "no range \\[1h\\]"):
            alert_overrides.apply(RULES, {"Growing": {"window": {"1h": "1m"}}})
        with self.assertRaisesRegex(ValueError, "no number 42"):
            alert_overrides.apply(RULES, {"Growing": {"number": {"42": "1"}}})
        with self.assertRaisesRegex(ValueError, "no such alert: Missing"):
            alert_overrides.apply(RULES, {"Missing": {"for": "1s"}})
        with self.assertRaisesRegex(ValueError, "not a duration"):
            alert_overrides.apply(RULES, {"Growing": {"for": "soon"}})

    def test_number_does_not_touch_parts_of_other_numbers(self):
        out = alert_overrides.apply(RULES, {"Growing": {"number": {"500": "7"}}})
        self.assertIn("3600) > 7", out)

    def test_command_line_arguments(self):
        self.assertEqual(
            {"A": {"for": "2s", "window": {"30m": "15s"}, "number": {"50": "5"}}},
            alert_overrides.parse_args(["A:for=2s", "A:window=30m=15s", "A:number=50=5"]))
        with self.assertRaises(ValueError):
            alert_overrides.parse_args(["A:limit=5"])


DASHBOARD = {"templating": {"list": [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    {"name": "host", "type": "query", "query": "label_values(m, instance)",
     "regex": "/^(\\[[^\\]]*\\]|[^:]+)(?::[0-9]+)?$/", "includeAll": True, "multi": True, "allValue": ".*"},
    {"name": "instance", "type": "query", "query": 'label_values(m{instance=~"$host(:[0-9]+)?"}, instance)',
     "includeAll": True, "multi": True},
]}}

SERIES = [{"__name__": "m", "instance": i} for i in ("mx1.example.com:9154", "mx1.example.com:9155",
                                                      "mx2.example.com:9154", "[2001:db8::1]:9154")]


def fake_series(selector):
    """/api/v1/series for `m` and `m{instance=~"RE"}` over SERIES (enough for these tests)."""
    import re
    m = re.fullmatch(r'm(?:\{instance=~"(.*)"\})?', selector)
    assert m, selector
    if not m.group(1):
        return SERIES
    rx = re.compile(m.group(1).replace("\\\\", "\\"))
    return [s for s in SERIES if rx.fullmatch(s["instance"])]


class GrafanaVarsTest(unittest.TestCase):
    def test_escape_as_grafana(self):
        self.assertEqual("mx1\\\\.example\\\\.com:9154", grafana_vars.regex_escape("mx1.example.com:9154"))
        self.assertEqual("a\\\\\\\\b", grafana_vars.regex_escape("a\\b"))

    def test_all_hosts(self):
        v = grafana_vars.resolve_variables(DASHBOARD, fake_series)
        self.assertEqual(["[2001:db8::1]", "mx1.example.com", "mx2.example.com"], v["host"].options)
        self.assertEqual(".*", v["host"].text())
        self.assertEqual(4, len(v["instance"].options))
        self.assertTrue(v["instance"].text().startswith("("))

    def test_one_host_narrows_the_instances(self):
        v = grafana_vars.resolve_variables(DASHBOARD, fake_series, {"host": ["mx1.example.com"]})
        self.assertEqual(["mx1.example.com:9154", "mx1.example.com:9155"], v["instance"].options)
        self.assertEqual('up{instance=~"(mx1\\\\.example\\\\.com:9154|mx1\\\\.example\\\\.com:9155)"}[4s]',
                         grafana_vars.interpolate('up{instance=~"$instance"}[$__rate_interval]', v,
                                                  grafana_vars.builtins(300, 1000, 1)))

    def test_a_selection_not_among_the_options_is_an_error(self):
        with self.assertRaises(ValueError):
            grafana_vars.resolve_variables(DASHBOARD, fake_series, {"host": ["mx9"]})

    def test_builtins(self):
        # 24 h over 1000 points: 86.4 s, rounded to 1m; rate interval 60 + 15.
        b = grafana_vars.builtins(24 * 3600, 1000, 15)
        self.assertEqual("60s", b["__interval"])
        self.assertEqual("75s", b["__rate_interval"])
        # 7 days: 604.8 s, rounded to 10m.
        self.assertEqual("600s", grafana_vars.builtins(7 * 86400, 1000, 15)["__interval"])
        # Short ranges: the scrape interval is the floor; rate interval 4 scrapes.
        b = grafana_vars.builtins(300, 1000, 15)
        self.assertEqual(("15s", "60s", "300s"), (b["__interval"], b["__rate_interval"], b["__range"]))

    def test_unknown_variable(self):
        with self.assertRaises(ValueError):
            grafana_vars.interpolate("up{x=\"$nope\"}", {}, {})


if __name__ == "__main__":
    unittest.main()
