#!/usr/bin/env python3
"""Tiny loopback SMTP sink used as the 'remote' side for the Exim corpus.

Usage: sink.py IP:PORT MODE [MODE...]
  MODE 'normal' : plain ESMTP sink, behaviour keyed by recipient local part
  MODE 'tls'    : also advertise STARTTLS (cert tls/sink.crt)
  MODE 'busy2'  : answer '421' at greeting for the first 2 connections
Recipient local-part behaviour:
  grey*    : 451 4.7.1 on first attempt for that address, 250 later
  full*    : always 452 4.2.2 mailbox full
  nouser*  : 550 5.1.1 user unknown
  dataerr* : message rejected after DATA with 554 5.6.0
  datatmp* : 451 after DATA on first attempt, 250 later
Everything received is logged to sink.log in the corpus directory.
"""
import socket, socketserver, ssl, sys, threading, time, random, string, os

ADDR, PORT = sys.argv[1].rsplit(':', 1)
PORT = int(PORT)
MODES = set(sys.argv[2:])
BASE = os.path.dirname(os.path.abspath(__file__))
LOG = os.path.join(BASE, 'sink.log')
lock = threading.Lock()
seen = {}
conns = [0]


def log(msg):
    with lock:
        with open(LOG, 'a') as f:
            f.write('%s %s:%d %s\n' % (time.strftime('%H:%M:%S'), ADDR, PORT, msg))


def first_time(key):
    with lock:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return n == 0


class H(socketserver.StreamRequestHandler):
    def send(self, s):
        self.wfile.write((s + '\r\n').encode())
        self.wfile.flush()

    def handle(self):
        with lock:
            conns[0] += 1
            n = conns[0]
        if 'busy2' in MODES and n <= 2:
            log('conn %d -> 421 greeting' % n)
            self.send('421 4.3.2 mx.busy.test Service not available, try later')
            return
        self.send('220 sink.%d.test ESMTP ready' % PORT)
        mail = None
        rcpts = []
        tls = False
        while True:
            line = self.rfile.readline()
            if not line:
                log('connection lost')
                return
            cmd = line.decode('latin-1').rstrip('\r\n')
            u = cmd.upper()
            if u.startswith('EHLO'):
                self.send('250-sink.%d.test' % PORT)
                self.send('250-PIPELINING')
                self.send('250-8BITMIME')
                if 'tls' in MODES and not tls:
                    self.send('250-STARTTLS')
                self.send('250 SIZE 10240000')
            elif u.startswith('HELO'):
                self.send('250 sink.%d.test' % PORT)
            elif u == 'STARTTLS' and 'tls' in MODES:
                self.send('220 2.0.0 Ready to start TLS')
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(os.path.join(BASE, 'tls/sink.crt'), os.path.join(BASE, 'tls/sink.key'))
                s = ctx.wrap_socket(self.connection, server_side=True)
                self.connection = s
                self.rfile = s.makefile('rb')
                self.wfile = s.makefile('wb')
                tls = True
            elif u.startswith('MAIL FROM:'):
                mail = cmd[10:]
                rcpts = []
                self.send('250 2.1.0 Ok')
            elif u.startswith('RCPT TO:'):
                addr = cmd[8:].split()[0].strip('<>')
                lp = addr.split('@')[0].lower()
                if lp.startswith('grey') and first_time('rcpt:' + addr):
                    log('RCPT %s -> 451 greylisted' % addr)
                    self.send('451 4.7.1 <%s>: Recipient address rejected: Greylisted, try again later' % addr)
                elif lp.startswith('full'):
                    log('RCPT %s -> 452 full' % addr)
                    self.send('452 4.2.2 <%s>: Mailbox full' % addr)
                elif lp.startswith('nouser'):
                    log('RCPT %s -> 550 unknown' % addr)
                    self.send('550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table' % addr)
                else:
                    rcpts.append(addr)
                    self.send('250 2.1.5 Ok')
            elif u == 'DATA':
                if not rcpts:
                    self.send('554 5.5.1 Error: no valid recipients')
                    continue
                self.send('354 End data with <CR><LF>.<CR><LF>')
                size = 0
                while True:
                    l = self.rfile.readline()
                    if not l:
                        log('connection lost in DATA')
                        return
                    if l in (b'.\r\n', b'.\n'):
                        break
                    size += len(l)
                lps = [r.split('@')[0].lower() for r in rcpts]
                if any(x.startswith('dataerr') for x in lps):
                    log('DATA from %s to %s size %d -> 554' % (mail, rcpts, size))
                    self.send('554 5.6.0 Message content rejected by policy')
                elif any(x.startswith('datatmp') for x in lps) and first_time('data:' + ','.join(rcpts)):
                    log('DATA from %s to %s size %d -> 451' % (mail, rcpts, size))
                    self.send('451 4.3.0 Temporary queue failure, try again')
                else:
                    qid = ''.join(random.choice('0123456789ABCDEF') for _ in range(10))
                    log('DATA from %s to %s size %d tls=%s -> 250 %s' % (mail, rcpts, size, tls, qid))
                    self.send('250 2.0.0 Ok: queued as %s' % qid)
                rcpts = []
            elif u == 'RSET':
                rcpts = []
                self.send('250 2.0.0 Ok')
            elif u == 'NOOP':
                self.send('250 2.0.0 Ok')
            elif u == 'QUIT':
                self.send('221 2.0.0 Bye')
                return
            else:
                self.send('502 5.5.2 Error: command not recognized')


class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == '__main__':
    srv = S((ADDR, PORT), H)
    log('sink started modes=%s' % sorted(MODES))
    srv.serve_forever()
