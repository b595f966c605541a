#!/usr/bin/env python3
"""A tiny SMTP server that plays the remote MX for remote.test in the corpus run.

It answers each RCPT by the recipient's local part, so the Postfix smtp client
logs real sent / deferred / bounced lines:
  defer*   -> 451 4.7.1 (always)
  later*   -> 451 4.7.1 on the first attempt for that address, 250 afterwards
  reject*  -> 550 5.1.1 User unknown
  full*    -> 552 5.2.2 Mailbox full
  anything else -> 250 2.1.5 Ok, and DATA ends with "250 2.0.0 Ok: queued as PEERnnnn"
STARTTLS is offered when --cert/--key are given.

With --lmtp it speaks LMTP as Dovecot's LMTP server does (LHLO, and after
DATA one reply per accepted recipient); at DATA:
  quota*   -> 552 5.2.2 Quota exceeded (mailbox for user is full)
  tempfail* -> 451 4.3.0 Temporary internal error
  anything else -> 250 2.0.0 <addr> <id> Saved

Example:
  peer_smtp.py --addr 127.0.0.1 --port 2525 --cert peer.crt --key peer.key \
      --log /tmp/peer.log --pidfile /tmp/peer.pid
"""

import argparse
import os
import socketserver
import ssl
import sys
import threading

_lock = threading.Lock()
_seen_later = set()
_queue_counter = [0]


def _log(path, text):
    if not path:
        return
    with _lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text + "\n")


def _local_part(addr):
    addr = addr.strip()
    if addr.startswith("<") and ">" in addr:
        addr = addr[1:addr.index(">")]
    return addr.split("@", 1)[0].lower(), addr


class Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def send(self, line):
        self.wfile.write((line + "\r\n").encode("ascii"))
        self.wfile.flush()
        _log(self.server.logpath, "S: " + line)

    def readline(self):
        data = self.rfile.readline(65536)
        if not data:
            return None
        return data.decode("utf-8", "replace").rstrip("\r\n")

    def read_data(self):
        """The lines of a DATA section up to its ".", dot-stuffing undone;
        None when the client goes away first."""
        lines = []
        while True:
            data = self.readline()
            if data is None:
                return None
            if data == ".":
                return lines
            lines.append(data[1:] if data.startswith(".") else data)

    def handle(self):
        try:
            self.session()
        except (OSError, ssl.SSLError) as e:
            _log(self.server.logpath, "connection error: %s" % e)

    def session(self):
        self.tls = False
        lmtp = getattr(self.server, "lmtp", False)
        self.send("220 peer.remote.test %s mailgauge-peer" % ("LMTP" if lmtp else "ESMTP"))
        self.reset()
        while True:
            line = self.readline()
            if line is None:
                return
            _log(self.server.logpath, "C: " + line)
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in (("LHLO",) if lmtp else ("EHLO", "HELO")):
                self.reset()
                if verb == "HELO":
                    self.send("250 peer.remote.test")
                    continue
                lines = ["peer.remote.test", "8BITMIME", "ENHANCEDSTATUSCODES"]
                if self.server.ssl_ctx is not None and not self.tls:
                    lines.append("STARTTLS")
                for i, text in enumerate(lines):
                    sep = " " if i == len(lines) - 1 else "-"
                    self.send("250" + sep + text)
            elif verb == "STARTTLS" and self.server.ssl_ctx is not None and not self.tls:
                self.send("220 2.0.0 Ready to start TLS")
                sock = self.server.ssl_ctx.wrap_socket(self.connection, server_side=True)
                self.connection = sock
                self.rfile = sock.makefile("rb")
                self.wfile = sock.makefile("wb")
                self.tls = True
                self.reset()
            elif verb == "MAIL":
                self.reset()
                self.mail_from = arg
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if self.mail_from is None:
                    self.send("503 5.5.1 Error: need MAIL command")
                    continue
                addr_text = arg.split(":", 1)[1] if ":" in arg else arg
                addr_text = addr_text.strip().split(" ", 1)[0]
                local, addr = _local_part(addr_text)
                if local.startswith("defer"):
                    self.send("451 4.7.1 <%s>: Recipient address rejected: Try again later" % addr)
                elif local.startswith("later"):
                    with _lock:
                        first = addr not in _seen_later
                        _seen_later.add(addr)
                    if first:
                        self.send("451 4.7.1 <%s>: Recipient address rejected: Greylisted, try again later" % addr)
                    else:
                        self.rcpts.append(addr)
                        self.send("250 2.1.5 Ok")
                elif local.startswith("reject"):
                    self.send("550 5.1.1 <%s>: Recipient address rejected: User unknown" % addr)
                elif local.startswith("full"):
                    self.send("552 5.2.2 <%s>: Recipient address rejected: Mailbox full" % addr)
                else:
                    self.rcpts.append(addr)
                    self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if not self.rcpts:
                    self.send("554 5.5.1 Error: no valid recipients")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                if self.read_data() is None:
                    return
                with _lock:
                    _queue_counter[0] += 1
                    qid = "PEER%04d" % _queue_counter[0]
                _log(self.server.logpath, "accepted %s for %s" % (qid, ",".join(self.rcpts)))
                if lmtp:
                    for addr in self.rcpts:
                        self.send(_lmtp_reply(addr, qid))
                else:
                    self.send("250 2.0.0 Ok: queued as %s" % qid)
                self.reset()
            elif not self.other_verb(verb):
                return

    def other_verb(self, verb):
        """RSET, NOOP, QUIT and the commands not offered; False after QUIT."""
        if verb == "RSET":
            self.reset()
            self.send("250 2.0.0 Ok")
        elif verb == "NOOP":
            self.send("250 2.0.0 Ok")
        elif verb == "QUIT":
            self.send("221 2.0.0 Bye")
            return False
        else:
            self.send("502 5.5.2 Error: command not recognized")
        return True

    def reset(self):
        self.mail_from = None
        self.rcpts = []


def _lmtp_reply(addr, qid):
    """The reply to DATA for one recipient of an LMTP transaction."""
    local = _local_part(addr)[0]
    if local.startswith("quota"):
        return "552 5.2.2 <%s> Quota exceeded (mailbox for user is full)" % addr
    if local.startswith("tempfail"):
        return "451 4.3.0 <%s> Temporary internal error" % addr
    return "250 2.0.0 <%s> %s Saved" % (addr, qid)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(program, addr, port, handler, pidfile, **attrs):
    """Serves `handler` on the loopback address `addr`:`port` for ever, with
    `attrs` set on the server; writes the process ID to `pidfile` if given."""
    if not addr.startswith("127."):
        sys.exit("%s: refusing to bind a non-loopback address: %s" % (program, addr))
    server = Server((addr, port), handler)
    for name, value in attrs.items():
        setattr(server, name, value)
    if pidfile:
        with open(pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    server.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("--lmtp", action="store_true", help="speak LMTP (LHLO, a reply per recipient)")
    args = ap.parse_args()
    ctx = None
    if args.cert and args.key:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    serve("peer_smtp.py", args.addr, args.port, Handler, args.pidfile,
          logpath=args.log, ssl_ctx=ctx, lmtp=args.lmtp)


if __name__ == "__main__":
    main()
