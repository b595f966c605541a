#!/usr/bin/env python3
"""`mailgauge report --format html` rendered by headless Chromium.

On testdata/logs/postfix_real.syslog:

1. The HTML is self-contained: no element that loads anything (img,
   link, iframe, object, embed, audio, video, source, script src, any
   src/href/srcset/xlink:href attribute) and no url() or @import in its
   styles, read from the file and again from the DOM Chromium built.
2. Chromium (`--headless --dump-dom`, network log on, every host name
   resolving to nothing so that no request can leave the machine)
   renders it: the DOM has the report's sections (Grand Totals, per-hour
   traffic, host/domain, senders, recipients, the detail sections and
   mailgauge's own), inline SVG charts with bars, and the page requests
   nothing over the network and logs no console message. A control page
   with one external image and one script error proves the network and
   console checks can fail.
3. The Grand Totals in the DOM (td#total-NAME) equal the `totals` of
   `mailgauge report --format json` on the same log, every one of them
   (the page is made with --smtpd-stats, so smtpd_connections is there).
4. A screenshot (`--screenshot --window-size=1280,4000`) is a 1280x4000
   PNG that is not blank and shows the charts' colours.

Fails when chromium is not installed (tools/install-deps.sh installs it).
make_screenshot.sh writes docs/report-html.png the same way.

Usage: html_chromium_test.py MAILGAUGE LOG
"""

import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

# Flags for every Chromium run: headless, no GPU, a throw-away profile, no
# background traffic, and no host name resolving (nothing leaves the
# machine even if something is requested).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr", "--v=0",
]

# Sections the report always has, in this order (pflogsumm's, then mailgauge's own).
SECTIONS = [
    "Grand Totals",
    "Per-Hour Traffic Summary",
    "Host/Domain Summary: Message Delivery",
    "Host/Domain Summary: Messages Received",
    "Per-Hour SMTPD Connection Summary",
    "Senders by message count",
    "Recipients by message count",
    "Senders by message size",
    "Recipients by message size",
    "message deferral detail",
    "message bounce detail (by relay)",
    "message reject detail",
    "Warnings",
    "TLS connections",
    "Reject reason classes",
    "Deferral reason classes",
    "Bounce reason classes",
]

# Colours of the charts (html_report.cc): delivered, received.
CHART_COLOURS = [(0x3C, 0x9A, 0x5F), (0x4A, 0x7B, 0xD0)]

LOADING_TAGS = {"img", "link", "iframe", "frame", "object", "embed", "audio", "video", "source", "track",
                "image", "use", "input"}
LOADING_ATTRS = {"src", "href", "srcset", "xlink:href", "data", "poster", "background", "action"}

errors = []


def error(msg):
    errors.append(msg)


class Dom(html.parser.HTMLParser):
    """What the checks need from a page: sections, totals, SVGs, loaders."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h2 = []
        self.totals = {}
        self.svgs = []  # [number of rect elements]
        self.loaders = []
        self.scripts = 0
        self._text_into = None
        self._in_svg = False
        self._style = False
        self.styles = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self._text_into = ("h2", [])
        elif tag == "td" and (a.get("id") or "").startswith("total-"):
            self._text_into = ("total:" + a["id"][len("total-"):], [])
        elif tag == "svg":
            self.svgs.append(0)
            self._in_svg = True
        elif tag == "rect" and self._in_svg:
            self.svgs[-1] += 1
        elif tag == "style":
            self._style = True
        elif tag == "script":
            self.scripts += 1
        if tag in LOADING_TAGS:
            self.loaders.append("<%s %s>" % (tag, attrs))
        for name, value in attrs:
            if name in LOADING_ATTRS:
                self.loaders.append("<%s %s=%r>" % (tag, name, value))
            if name == "style" and re.search(r"url\(|@import", value or ""):
                self.loaders.append("<%s style=%r>" % (tag, value))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self._in_svg = False

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg = False
        elif tag == "style":
            self._style = False
        elif self._text_into and tag in ("h2", "td"):
            kind, parts = self._text_into
            text = "".join(parts).strip()
            if kind == "h2":
                self.h2.append(text)
            else:
                self.totals[kind[len("total:"):]] = text
            self._text_into = None

    def handle_data(self, data):
        if self._text_into:
            self._text_into[1].append(data)
        if self._style:
            self.styles.append(data)


def parse(text):
    d = Dom()
    d.feed(text)
    d.close()
    return d


def check_self_contained(where, dom):
    for loader in dom.loaders:
        error("%s: an element that loads a resource: %s" % (where, loader))
    for s in dom.styles:
        if re.search(r"url\(|@import", s):
            error("%s: a style loads a resource: %r" % (where, s[:200]))


def chromium(binary, work, url, extra):
    """Runs Chromium on url; returns (stdout, stderr, page-initiated request URLs)."""
    net_log = os.path.join(work, "net-%d.json" % len(os.listdir(work)))
    argv = [binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(work, "profile"),
                                        "--log-net-log=" + net_log] + extra + [url]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise SystemExit("FAIL: %s exited %d:\n%s" % (" ".join(argv), r.returncode, r.stderr[-3000:]))
    return r.stdout, r.stderr, page_requests(net_log)


def page_requests(net_log):
    """URLs the page asked the network stack for (Chromium's own requests have no origin)."""
    try:
        d = json.load(open(net_log, encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SystemExit("FAIL: Chromium's network log %s: %s" % (net_log, e))
    start_job = d["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for e in d.get("events", []):
        p = e.get("params") or {}
        if e["type"] == start_job and "url" in p and p.get("initiator") != "not an origin":
            urls.append(p.get("url"))
    return urls


def console_messages(stderr, url):
    return [l for l in stderr.splitlines() if ":CONSOLE" in l and url in l]


def png_rows(path):
    """(width, height, bytes per pixel, rows as bytearrays) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s is not a PNG" % path)
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError("PNG depth %d colour %d interlace %d not handled" % (depth, colour, interlace))
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if width is None:
        raise ValueError("%s has no IHDR" % path)
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f in (1, 3, 4):
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                if f == 1:
                    line[x] = (line[x] + a) & 255
                elif f == 3:
                    line[x] = (line[x] + (a + b) // 2) & 255
                else:
                    c = prev[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif f != 0:
            raise ValueError("PNG filter %d" % f)
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def pixels(row, bpp, step=1):
    return [tuple(row[x:x + 3]) for x in range(0, len(row), bpp * step)]


def check_control(binary, work):
    """The network and console checks see a page that loads and fails."""
    control = os.path.join(work, "control.html")
    with open(control, "w") as f:
        f.write('<!DOCTYPE html><html><body><img src="http://mailgauge-control.invalid/x.png">'
                '<script>throw new Error("mailgauge control")</script></body></html>')
    url = "file://" + control
    _, stderr, requests = chromium(binary, work, url, ["--dump-dom"])
    if "http://mailgauge-control.invalid/x.png" not in requests:
        raise SystemExit("FAIL: the network log does not show the control page's image: %s" % requests)
    if not console_messages(stderr, url):
        raise SystemExit("FAIL: Chromium's console log does not show the control page's error")


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: html_chromium_test.py MAILGAUGE LOG")
    mailgauge, log = sys.argv[1], sys.argv[2]
    binary = shutil.which("chromium")
    if binary is None:
        raise SystemExit("FAIL: chromium is not installed (run tools/install-deps.sh)")
    work = tempfile.mkdtemp(prefix="html_chromium.", dir=os.environ.get("TEST_TMPDIR"))
    try:
        report = os.path.join(work, "report.html")
        with open(report, "w") as f:
            subprocess.run([mailgauge, "report", "--smtpd-stats", "--format", "html", log],
                           stdout=f, check=True)
        totals = json.loads(subprocess.run([mailgauge, "report", "--format", "json", log],
                                           capture_output=True, text=True, check=True).stdout)["totals"]
        text = open(report, encoding="utf-8").read()
        check_self_contained("report file", parse(text))

        check_control(binary, work)
        url = "file://" + report
        dom_text, stderr, requests = chromium(binary, work, url, ["--dump-dom"])
        dom = parse(dom_text)
        check_self_contained("rendered DOM", dom)
        for r in requests:
            error("the page requested %s" % r)
        for m in console_messages(stderr, url):
            error("console: %s" % m)

        missing = [s for s in SECTIONS if s not in dom.h2]
        if missing:
            error("sections missing from the DOM: %s (found %s)" % (missing, dom.h2))
        elif [h for h in dom.h2 if h in SECTIONS] != SECTIONS:
            error("sections out of order: %s" % dom.h2)
        charts = [n for n in dom.svgs if n > 0]
        if len(charts) < 2:
            error("%d inline SVG charts with bars, want at least 2 (outcome mix, per hour): %s" % (len(charts), dom.svgs))

        for name, value in totals.items():
            if name not in dom.totals:
                error("Grand Totals: no %s (JSON says %s)" % (name, value))
            elif dom.totals[name] != str(value):
                error("Grand Totals: %s is %r in the HTML, %s in the JSON" % (name, dom.totals[name], value))
        for name in dom.totals:
            if name not in totals:
                error("Grand Totals: %s is not in the JSON totals" % name)

        shot = os.path.join(work, "shot.png")
        chromium(binary, work, url, ["--screenshot=" + shot, "--window-size=1280,4000"])
        width, height, bpp, rows = png_rows(shot)
        if (width, height) != (1280, 4000):
            error("screenshot is %dx%d, want 1280x4000" % (width, height))
        sample = [p for row in rows[::4] for p in pixels(row, bpp, 4)]
        ink = sum(1 for p in sample if p != (255, 255, 255)) / len(sample)
        if ink < 0.02:
            error("screenshot is nearly blank (%.1f%% not white)" % (100 * ink))
        top = set(p for row in rows[:1500] for p in pixels(row, bpp))
        for colour in CHART_COLOURS:
            if colour not in top:
                error("no pixel of the chart colour #%02x%02x%02x in the screenshot's top" % colour)

        if errors:
            for e in errors:
                print("FAIL: " + e, file=sys.stderr)
            sys.exit(1)
        print("OK: %d sections, %d SVG charts, %d Grand Totals equal to the JSON's, no request, "
              "screenshot %dx%d (%.0f%% ink)" % (len(dom.h2), len(charts), len(dom.totals), width, height, 100 * ink))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
