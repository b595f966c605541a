#!/usr/bin/env python3
"""Writes dashboards/grafana/mailgauge.json, the mailgauge Grafana dashboard.

The dashboard is data: the ROWS table below lists every panel (title, kind,
unit, PromQL targets); this script lays them out on Grafana's 24-column grid
and adds the variables. The JSON it writes is committed and provisionable as
is (no __inputs: the datasource is the `datasource` variable).
dashboards/dashboard_test.py checks that the committed JSON equals this
script's output, so edit here and run:

    python3 dashboards/grafana/generate_dashboard.py > dashboards/grafana/mailgauge.json

Variables, each narrowing the next: $datasource (Prometheus), $host (the
mail server: the host part of the scrape target, so that several exporters
on one machine, one per Postfix instance or per log, sit under one host),
$instance (the scrape targets of the chosen hosts; All means all of those,
not every target) and $postfix_instance (the Postfix instance or
--log.file name). Every panel filters on $instance; log-derived families
also on postfix_instance; the exporter's own (source=...) and the queue
families carry no postfix_instance.
"""

import json
import sys

# Label filters. L: log-derived families (postfix_instance); S: the
# exporter's own families (source=...) and the queue families.
L = 'instance=~"$instance",postfix_instance=~"$postfix_instance"'
S = 'instance=~"$instance"'
RI = "$__rate_interval"


def t(expr, legend="__auto"):
    return {"expr": expr, "legend": legend}


def ts(title, targets, unit="short", width=12, stack=False, desc=""):
    return {"kind": "timeseries", "title": title, "targets": targets, "unit": unit,
            "width": width, "stack": stack, "desc": desc}


def stat(title, targets, unit="short", width=6, desc=""):
    return {"kind": "stat", "title": title, "targets": targets, "unit": unit,
            "width": width, "desc": desc}


def table(title, targets, width=12, desc=""):
    return {"kind": "table", "title": title, "targets": targets, "unit": "short",
            "width": width, "desc": desc}


ROWS = [
    ("Traffic", [
        stat("Messages received", [t('sum(increase(mailgauge_messages_received_total{%s}[$__range]))' % L, "received")],
             desc="Finished messages that entered in the selected time range (all origins)."),
        stat("Recipients delivered", [t('sum(increase(mailgauge_recipients_total{%s,status="sent"}[$__range]))' % L, "sent")],
             desc="Recipients whose final status was sent, in the selected time range."),
        stat("Rejects", [t('sum(increase(mailgauge_rejects_total{%s}[$__range]))' % L, "rejected")],
             desc="Rejects by smtpd, cleanup and postscreen in the selected time range."),
        stat("Deferral ratio", [t('sum(rate(mailgauge_delivery_attempts_total{%s,status="deferred"}[%s])) / sum(rate(mailgauge_delivery_attempts_total{%s}[%s]))' % (L, RI, L, RI), "deferred")],
             unit="percentunit", desc="Deferred delivery attempts over all attempts (alert: MailgaugeDeferralRatioHigh above 0.2 for 15m)."),
        ts("Received per minute by origin", [t('sum by (origin) (rate(mailgauge_messages_received_total{%s}[%s])) * 60' % (L, RI), "{{origin}}")],
           unit="short", stack=True, desc="Messages per minute, by how they entered: smtpd, pickup (sendmail), notification (bounces), local."),
        ts("Recipients per minute by final status", [t('sum by (status) (rate(mailgauge_recipients_total{%s}[%s])) * 60' % (L, RI), "{{status}}")],
           stack=True, desc="Recipients of finished messages by final status: sent is delivered."),
        ts("Rejected per minute by daemon", [t('sum by (daemon) (rate(mailgauge_rejects_total{%s}[%s])) * 60' % (L, RI), "{{daemon}}")],
           stack=True),
        ts("SMTP connections per minute", [
            t('sum(rate(postfix_smtpd_connects_total{%s}[%s])) * 60' % (L, RI), "connects"),
            t('sum(rate(postfix_smtpd_connections_lost_total{%s}[%s])) * 60' % (L, RI), "lost"),
        ]),
    ]),
    ("Delivery outcomes", [
        ts("Delivery attempts per minute by transport and status",
           [t('sum by (transport, status) (rate(mailgauge_delivery_attempts_total{%s}[%s])) * 60' % (L, RI), "{{transport}} {{status}}")],
           stack=True, desc="Every status= line: retries count each time."),
        ts("Recipients per minute by transport and final status",
           [t('sum by (transport, status) (rate(mailgauge_recipients_total{%s}[%s])) * 60' % (L, RI), "{{transport}} {{status}}")],
           stack=True, desc="Each recipient once, when its message is finished."),
    ]),
    ("Deferral, bounce and reject reasons", [
        ts("Deferral reasons per minute", [t('sum by (reason) (rate(mailgauge_deferrals_total{%s}[%s])) * 60' % (L, RI), "{{reason}}")],
           width=8, stack=True),
        ts("Bounce reasons per minute", [t('sum by (reason) (rate(mailgauge_bounces_total{%s}[%s])) * 60' % (L, RI), "{{reason}}")],
           width=8, stack=True),
        ts("Reject reasons per minute", [t('sum by (reason, stage) (rate(mailgauge_rejects_total{%s}[%s])) * 60' % (L, RI), "{{reason}} ({{stage}})")],
           width=8, stack=True),
    ]),
    ("Delays", [
        ts("End-to-end delivery time (sent recipients)", [
            t('histogram_quantile(0.5, sum by (le) (rate(mailgauge_recipient_delivery_seconds_bucket{%s,status="sent"}[%s])))' % (L, RI), "p50"),
            t('histogram_quantile(0.9, sum by (le) (rate(mailgauge_recipient_delivery_seconds_bucket{%s,status="sent"}[%s])))' % (L, RI), "p90"),
            t('histogram_quantile(0.99, sum by (le) (rate(mailgauge_recipient_delivery_seconds_bucket{%s,status="sent"}[%s])))' % (L, RI), "p99"),
        ], unit="s", desc="From arrival to final outcome, across content-filter hops; buckets 1 s to 5 days."),
        ts("95th percentile of delays=a/b/c/d by stage", [
            t('histogram_quantile(0.95, sum by (le, stage) (rate(mailgauge_delivery_delays_seconds_bucket{%s}[%s])))' % (L, RI), "{{stage}}"),
        ], unit="s", desc="before_qmgr (a), in_qmgr (b), conn_setup (c), transmission (d) of every delivery attempt."),
        ts("95th percentile of transmission time by transport", [
            t('histogram_quantile(0.95, sum by (le, transport) (rate(mailgauge_delivery_delays_seconds_bucket{%s,stage="transmission"}[%s])))' % (L, RI), "{{transport}}"),
        ], unit="s"),
        ts("Mean delays=a/b/c/d by stage", [
            t('sum by (stage) (rate(mailgauge_delivery_delays_seconds_sum{%s}[%s])) / sum by (stage) (rate(mailgauge_delivery_delays_seconds_count{%s}[%s]))' % (L, RI, L, RI), "{{stage}}"),
        ], unit="s"),
    ]),
    ("Queue", [
        ts("Queue depth (messages)", [t('sum by (queue) (mailgauge_queue_messages{%s})' % S, "{{queue}}")],
           width=8, desc="Gauges from the spool (or postqueue -j): never rate()d. Alert MailgaugeDeferredQueueGrowing uses predict_linear on deferred."),
        ts("Queue size", [t('sum by (queue) (mailgauge_queue_size_bytes{%s})' % S, "{{queue}}")],
           unit="bytes", width=8),
        ts("Oldest message age", [t('max by (queue) (mailgauge_queue_oldest_message_age_seconds{%s})' % S, "{{queue}}")],
           unit="s", width=8, desc="Alert MailgaugeQueueMessageTooOld: active over 1 h, deferred over 1 day."),
        table("Top deferred destinations by age (qshape)", [
            t('sum by (domain, age) (mailgauge_queue_destination_messages{%s,queue="deferred"}) and on (domain) topk(10, sum by (domain) (mailgauge_queue_destination_messages{%s,queue="deferred"}))' % (S, S), "{{domain}} {{age}}"),
        ], width=18, desc="The 10 destination domains with most deferred messages, by age bucket."),
        stat("Queue read succeeded", [t('min(mailgauge_queue_scrape_success{%s})' % S, "queue scrape")],
             width=6, desc="1 when the last read of the queue succeeded on every selected host."),
    ]),
    ("Relay abuse", [
        ts("Relay access denied per minute", [t('sum(rate(mailgauge_relay_denied_total{%s}[%s])) * 60' % (L, RI), "relay denied")],
           width=8, desc="Alert MailgaugeRelayDeniedSurge above 50 in 10 minutes."),
        ts("SASL authentication failures per minute", [t('sum by (method) (rate(mailgauge_sasl_authentication_failures_total{%s}[%s])) * 60' % (L, RI), "{{method}}")],
           width=8, desc="Alert MailgaugeSASLBruteForce above 30 in 10 minutes."),
        ts("RBL rejects per minute by list", [t('sum by (list) (rate(mailgauge_rbl_rejects_total{%s}[%s])) * 60' % (L, RI), "{{list}}")],
           width=8),
        ts("Messages received per minute by SASL method", [t('sum by (sasl_method) (rate(postfix_smtpd_messages_processed_total{%s}[%s])) * 60' % (L, RI), "{{sasl_method}}")],
           width=12, desc="Empty method: unauthenticated. A burst of authenticated mail is the sign of a compromised account (see the busiest senders below)."),
        ts("Rejects per minute by stage (smtpd)", [t('sum by (stage, code) (rate(postfix_smtpd_messages_rejected_total{%s}[%s])) * 60' % (L, RI), "{{stage}} {{code}}")],
           width=12, stack=True),
        ts("Client networks refused relaying", [t('max by (instance, source) (mailgauge_relay_denied_client_networks{%s})' % S, "{{instance}} {{source}}")],
           width=8, desc="Distinct client networks (/24, /64) refused with \"Relay access denied\" within the exporter's --abuse.window (default 1h): one scanner or a botnet."),
        ts("Busiest authenticated senders: distinct recipients", [t('max by (instance, source, rank) (mailgauge_sasl_sender_top_recipients{%s})' % S, "{{instance}} {{source}} #{{rank}}")],
           width=10, desc="Distinct recipients of the top SASL senders by rank within --abuse.window (names on the exporter's /senders page, never labels). Alert MailgaugeAuthenticatedSendBurst when rank 1 passes 100."),
        stat("Senders over the threshold", [t('sum(mailgauge_sasl_senders_over_threshold{%s})' % S, "senders")],
             width=6, desc="SASL senders with at least --abuse.sender-recipients (default 100) distinct recipients within --abuse.window, on the selected hosts."),
    ]),
    ("TLS", [
        ts("TLS share", [
            t('sum(rate(postfix_smtpd_tls_connections_total{%s}[%s])) / sum(rate(postfix_smtpd_connects_total{%s}[%s]))' % (L, RI, L, RI), "incoming (TLS / connections)"),
            t('sum(rate(postfix_smtp_tls_connections_total{%s}[%s])) / sum(rate(mailgauge_delivery_attempts_total{%s,transport="smtp"}[%s]))' % (L, RI, L, RI), "outgoing (TLS / smtp attempts)"),
        ], unit="percentunit", desc="Outgoing is an estimate: a reused connection carries several deliveries."),
        ts("Incoming TLS per minute by protocol", [t('sum by (protocol) (rate(postfix_smtpd_tls_connections_total{%s}[%s])) * 60' % (L, RI), "{{protocol}}")],
           width=6, stack=True),
        ts("Outgoing TLS per minute by protocol", [t('sum by (protocol) (rate(postfix_smtp_tls_connections_total{%s}[%s])) * 60' % (L, RI), "{{protocol}}")],
           width=6, stack=True),
    ]),
    ("Exporter health", [
        ts("Log lag", [t('max by (instance, source) (mailgauge_log_lag_seconds{%s})' % S, "{{instance}} {{source}}")],
           unit="s", width=8, desc="Seconds between now and the newest Postfix line read (alert MailgaugeLogStalled above 1800 s)."),
        ts("Lines read per second", [
            t('sum by (instance, source) (rate(mailgauge_log_lines_read_total{%s}[%s]))' % (S, RI), "{{instance}} {{source}}"),
            t('sum by (instance, source) (rate(mailgauge_log_lines_verbose_total{%s}[%s]))' % (S, RI), "verbose {{instance}} {{source}}"),
        ], width=8, desc="Every line read, and of them the lines of Postfix's verbose logging (alert MailgaugeVerboseLoggingOn after an hour)."),
        ts("Unparsed line ratio", [
            t('sum by (instance, source) (rate({__name__=~"mailgauge_log_lines_not_understood_total|mailgauge_log_lines_malformed_total",%s}[%s])) / sum by (instance, source) (rate(mailgauge_log_lines_read_total{%s}[%s]))' % (S, RI, S, RI), "{{instance}} {{source}}"),
        ], unit="percentunit", width=8, desc="Not understood plus malformed over lines read (alert MailgaugeUnparsedLinesHigh above 0.01)."),
        ts("Unparsed lines per minute by daemon", [t('sum by (daemon) (rate(mailgauge_log_lines_not_understood_total{%s}[%s])) * 60' % (S, RI), "{{daemon}}")],
           width=8, stack=True),
        ts("Messages in flight", [t('sum by (instance, source) (mailgauge_messages_in_flight{%s})' % S, "{{instance}} {{source}}")],
           width=8, desc="Messages the correlator holds open (a gauge)."),
        ts("Correlator evictions per minute", [t('sum by (reason) (rate(mailgauge_correlator_evictions_total{%s}[%s])) * 60' % (S, RI), "{{reason}}")],
           width=8),
        ts("Up", [
            t('up{job="mailgauge",%s}' % S, "scrape {{instance}}"),
            t('min by (instance, source) (mailgauge_source_up{%s})' % S, "log {{instance}} {{source}}"),
        ], width=24, desc="Scrape target up, and each log source open and readable."),
    ]),
]

DS = {"type": "prometheus", "uid": "${datasource}"}
HOST_REGEX = r"/^(\[[^\]]*\]|[^:]+)(?::[0-9]+)?$/"


def variable(name, label, query, all_value=".*", regex=""):
    """A query variable; all_value None makes All the list of its options."""
    v = {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": query,  # the string form: read by Grafana 9 and migrated by 10+
        "regex": regex,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
        "hide": 0,
        "options": [],
    }
    if all_value is not None:
        v["allValue"] = all_value
    return v


def panel_json(p, pid, x, y, h):
    targets = []
    for i, tg in enumerate(p["targets"]):
        targets.append({
            "datasource": DS,
            "expr": tg["expr"],
            "legendFormat": tg["legend"],
            "range": p["kind"] != "table",
            "instant": p["kind"] == "table",
            "format": "table" if p["kind"] == "table" else "time_series",
            "refId": chr(ord("A") + i),
        })
    out = {
        "id": pid,
        "type": p["kind"],
        "title": p["title"],
        "description": p["desc"],
        "datasource": DS,
        "gridPos": {"h": h, "w": p["width"], "x": x, "y": y},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": p["unit"]}, "overrides": []},
    }
    if p["kind"] == "timeseries":
        out["fieldConfig"]["defaults"]["custom"] = {
            "drawStyle": "line",
            "fillOpacity": 20 if p["stack"] else 0,
            "lineWidth": 1,
            "stacking": {"group": "A", "mode": "normal" if p["stack"] else "none"},
        }
        out["options"] = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                          "tooltip": {"mode": "multi", "sort": "desc"}}
    elif p["kind"] == "stat":
        out["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                          "colorMode": "value", "graphMode": "area", "textMode": "auto",
                          "justifyMode": "auto", "orientation": "auto"}
    elif p["kind"] == "table":
        out["options"] = {"showHeader": True, "sortBy": [{"displayName": "Value", "desc": True}]}
        out["transformations"] = [{"id": "labelsToFields", "options": {}}]
    return out


def build():
    panels = []
    pid = 1
    y = 0
    for title, items in ROWS:
        panels.append({"id": pid, "type": "row", "title": title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid += 1
        y += 1
        x = 0
        row_h = 0
        for p in items:
            h = 4 if p["kind"] == "stat" else 8
            if x + p["width"] > 24:
                x = 0
                y += row_h
                row_h = 0
            panels.append(panel_json(p, pid, x, y, h))
            pid += 1
            x += p["width"]
            row_h = max(row_h, h)
        y += row_h
    return {
        "uid": "mailgauge-postfix",
        "title": "mailgauge: Postfix",
        "description": "Postfix mail flow, queue, abuse and exporter health from mailgauge_exporter (docs/monitoring.md).",
        "tags": ["mailgauge", "postfix", "mail"],
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 37,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "links": [],
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [],
             "refresh": 1, "regex": ""},
            # The host part of `instance` (host:port, [v6]:port or a bare host).
            variable("host", "Host",
                     'label_values(mailgauge_log_lines_read_total, instance)',
                     regex=HOST_REGEX),
            # All = the targets of the chosen hosts (no allValue: a regex-all
            # would ignore $host).
            variable("instance", "Exporter (scrape target)",
                     'label_values(mailgauge_log_lines_read_total{instance=~"$host(:[0-9]+)?"}, instance)',
                     all_value=None),
            variable("postfix_instance", "Postfix instance",
                     'label_values(mailgauge_messages_finished_total{instance=~"$instance"}, postfix_instance)'),
        ]},
        "panels": panels,
    }


def main():
    sys.stdout.write(json.dumps(build(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
