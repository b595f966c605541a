#!/usr/bin/env python3
"""A content filter for the corpus run that answers the way amavisd-new does.

It listens on --port (loopback only), takes Postfix's XFORWARD attributes,
and for each message decides by the text of the message:
  'spamreject' -> 554 5.7.0 Reject (Postfix bounces it, or refuses it before the queue)
  'tempfail'   -> 451 4.5.0 Error in processing (Postfix defers it)
  'discardme'  -> 250 2.7.0 Ok, discarded (accepted, never re-injected)
  anything else: re-injected into Postfix on --reinject-port within the
  transaction, with XFORWARD (so the re-injecting smtpd logs the original
  client and queue ID), and answered "250 2.0.0 from MTA(smtp:[127.0.0.1]:PORT):
  250 2.0.0 Ok: queued as QID", amavisd-new's reply.

Example (generate_filters.sh starts it):
  filter_smtp.py --port 10024 --reinject-port 10025 --pidfile /tmp/filter.pid
"""

import argparse
import smtplib

from peer_smtp import Handler as PeerHandler, serve


class Handler(PeerHandler):
    """peer_smtp's session I/O, a content filter's dialogue."""

    def session(self):
        self.send("220 [127.0.0.1] ESMTP filter")
        self.reset()
        self.xforward = {}
        while True:
            line = self.readline()
            if line is None:
                return
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "LHLO"):
                self.reset()
                for text in ("250-[127.0.0.1]", "250-8BITMIME", "250-ENHANCEDSTATUSCODES",
                             "250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE"):
                    self.send(text)
            elif verb == "XFORWARD":
                for attr in arg.split():
                    name, _, value = attr.partition("=")
                    self.xforward[name.upper()] = value
                self.send("250 2.0.0 Ok")
            elif verb == "MAIL":
                self.reset()
                self.mail_from = arg.split(":", 1)[1].strip().split(" ", 1)[0].strip("<>")
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                self.rcpts.append(arg.split(":", 1)[1].strip().split(" ", 1)[0].strip("<>"))
                self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                body = self.read_data()
                if body is None:
                    return
                self.send(self.decide("\r\n".join(body) + "\r\n"))
                self.reset()
                self.xforward = {}
            elif not self.other_verb(verb):
                return

    def decide(self, text):
        if "spamreject" in text:
            return "554 5.7.0 Reject, id=12345-01 - spam"
        if "tempfail" in text:
            return "451 4.5.0 Error in processing, id=12345-02, virus_scan FAILED"
        if "discardme" in text:
            return "250 2.7.0 Ok, discarded, id=12345-03 - spam"
        port = self.server.reinject_port
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30)
        try:
            s.ehlo()
            if self.xforward and s.has_extn("xforward"):
                attrs = " ".join("%s=%s" % kv for kv in sorted(self.xforward.items()))
                code, resp = s.docmd("XFORWARD", attrs)
                if code != 250:
                    return "451 4.5.0 XFORWARD refused: %d %s" % (code, resp.decode())
            s.mail(self.mail_from)
            for r in self.rcpts:
                s.rcpt(r)
            code, resp = s.data(text.encode("utf-8"))
        except smtplib.SMTPException as e:
            return "451 4.5.0 Error in processing, re-injection failed: %s" % e
        finally:
            try:
                s.quit()
            except smtplib.SMTPException:
                pass
        return "250 2.0.0 from MTA(smtp:[127.0.0.1]:%d): %d %s" % (port, code, resp.decode())

    def reset(self):
        self.mail_from = None
        self.rcpts = []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--reinject-port", type=int, required=True)
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    serve("filter_smtp.py", args.addr, args.port, Handler, args.pidfile,
          logpath=None, reinject_port=args.reinject_port)


if __name__ == "__main__":
    main()
