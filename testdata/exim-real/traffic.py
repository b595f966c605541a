#!/usr/bin/env python3
"""SMTP traffic generator for the Exim corpus.  Talks to the Exim daemon on
127.0.0.1:12525 (and 12587), binding different loopback source addresses:
  127.0.0.1  = relay_from_hosts (may relay)
  127.0.0.2  = "internet" client (may only send to local domains, or relay after AUTH)
  127.0.0.66 = blocked in connect ACL
  127.0.0.9  = connect ACL delays 2s (early-talker / sync error test)
Each scenario prints a tag so truth.md can be built from the output.
"""
import smtplib, socket, ssl, sys, time, os
from email.message import EmailMessage

HOST = '127.0.0.1'
PORT = 12525
SUB = 12587
BASE = os.path.dirname(os.path.abspath(__file__))
RUN = sys.argv[1] if len(sys.argv) > 1 else 'default'


def say(tag, *a):
    print('[%s] %s' % (tag, ' '.join(str(x) for x in a)), flush=True)


def msg(frm, to, subject, body='Hello.\n', extra=None):
    m = EmailMessage()
    m['From'] = frm
    m['To'] = ', '.join(to)
    m['Subject'] = subject
    m['Message-ID'] = '<%s.%s.%d@corpus.test>' % (RUN, subject.replace(' ', '-'), int(time.time() * 1000))
    if extra:
        for k, v in extra.items():
            m[k] = v
    m.set_content(body)
    return m


def conn(src='127.0.0.1', port=PORT, helo='client.remote.test'):
    s = smtplib.SMTP(HOST, port, local_hostname=helo, source_address=(src, 0), timeout=30)
    return s


def send(tag, frm, rcpts, subject=None, src='127.0.0.1', helo='client.remote.test',
         body='Hello.\n', port=PORT, tls=False, auth=None, clientcert=False, mail_options=(), raw=None):
    subject = subject or tag
    try:
        s = conn(src, port, helo)
        s.ehlo()
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if clientcert:
                ctx.load_cert_chain(os.path.join(BASE, 'tls/client.crt'), os.path.join(BASE, 'tls/client.key'))
            s.starttls(context=ctx)
            s.ehlo()
        if auth:
            s.login(*auth)
        data = raw if raw is not None else msg(frm, rcpts, subject, body).as_bytes()
        refused = s.sendmail(frm, rcpts, data, mail_options=list(mail_options))
        say(tag, 'OK from=%s rcpts=%s refused=%s' % (frm, rcpts, refused))
        s.quit()
    except smtplib.SMTPRecipientsRefused as e:
        say(tag, 'ALL RCPTS REFUSED', e.recipients)
        try:
            s.quit()
        except Exception:
            pass
    except smtplib.SMTPException as e:
        say(tag, 'SMTP ERROR', repr(e))
        try:
            s.quit()
        except Exception:
            pass
    except Exception as e:
        say(tag, 'EXC', repr(e))


def raw_session(tag, src, lines, wait_banner=True, pause=0.3, close_quit=True, sleep_before_close=0):
    """Send raw SMTP command lines; each element is sent and the reply read."""
    s = socket.create_connection((HOST, PORT), source_address=(src, 0), timeout=20)
    f = s.makefile('rb')
    out = []

    def readreply():
        r = []
        while True:
            l = f.readline()
            if not l:
                r.append('<EOF>')
                break
            l = l.decode('latin-1').rstrip()
            r.append(l)
            if len(l) < 4 or l[3] != '-':
                break
        return r
    try:
        if wait_banner:
            out.append(readreply())
        for l in lines:
            if isinstance(l, bytes):
                s.sendall(l)
                out.append(['(sent %d bytes)' % len(l)])
                out.append(readreply())
                continue
            s.sendall((l + '\r\n').encode())
            r = readreply()
            out.append([l] + r)
            if r and r[-1] == '<EOF>':
                break
            time.sleep(pause)
        if sleep_before_close:
            time.sleep(sleep_before_close)
            try:
                out.append(['(after sleep)'] + readreply())
            except Exception as e:
                out.append(['(after sleep) %r' % e])
    except Exception as e:
        out.append(['EXC %r' % e])
    s.close()
    say(tag, out)


def big_body(n):
    return ('x' * 70 + '\n') * (n // 71 + 1)


def phase_main():
    # --- plain local deliveries, several recipients
    send('local-multi', 'alice@example.test', ['bob@example.test', 'carol@example.test', 'dave@example.test'])
    # --- relayed remote deliveries, several recipients on one host (=> then ->)
    send('remote-multi', 'alice@example.test', ['dave@remote.test', 'erin@remote.test', 'frank@remote.test'])
    # --- mixed local + remote
    send('mixed', 'bob@example.test', ['alice@example.test', 'gina@remote.test'])
    # --- greylisted recipient + accepted one
    send('greylist', 'alice@example.test', ['greyone@remote.test', 'okay1@remote.test'])
    # --- 452 mailbox full (stays deferred)
    send('full', 'carol@example.test', ['fullbox@remote.test'])
    # --- 550 after RCPT at remote -> bounce to local sender
    send('remote-550', 'alice@example.test', ['nouser1@remote.test', 'okay2@remote.test'])
    # --- 554 after DATA at remote -> bounce
    send('remote-554-data', 'bob@example.test', ['dataerr@remote.test'])
    # --- 451 after DATA (temporary), delivered on forced queue run
    send('remote-451-data', 'bob@example.test', ['datatmp@remote.test'])
    # --- connection refused (down.test), delivered later
    send('conn-refused', 'alice@example.test', ['someone@down.test', 'other@down.test'])
    # --- 421 greeting (busy.test)
    send('busy-421', 'alice@example.test', ['x@busy.test'])
    # --- remote with TLS (sink offers STARTTLS)
    send('remote-tls', 'alice@example.test', ['t1@tls.test', 't2@tls.test'])
    # --- exim -> exim loopback (TLS, CHUNKING, PRDR, pipelining)
    send('self-loop', 'alice@example.test', ['alice@self.test', 'bob@self.test'])
    # --- cutthrough delivery
    send('cutthrough', 'alice@example.test', ['c1@cut.test'])
    # --- aliases: list, forward to remote, file, pipe, blackhole
    send('aliases', 'carol@example.test', ['team@example.test', 'postmaster@example.test', 'fwd@example.test',
                                            'archive@example.test', 'pipe@example.test', 'devnull@example.test'])
    # --- pipe that fails permanently
    send('pipefail', 'carol@example.test', ['pipefail@example.test'])
    # --- bounce-of-bounce -> frozen
    send('double-bounce', 'nouser9@remote.test', ['nouser2@remote.test'])
    # --- local user over quota -> deferred
    send('quota', 'alice@example.test', ['tiny@example.test'], body=big_body(4000))
    # --- address rewriting of sender
    send('rewrite', 'olduser@legacy.test', ['bob@example.test'])
    # --- 8bit body
    m = msg('alice@example.test', ['bob@example.test'], '8bit')
    send('8bitmime', 'alice@example.test', ['bob@example.test'],
         raw=('From: alice@example.test\r\nTo: bob@example.test\r\nSubject: 8bit caf\xe9\r\n'
              'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
              'Caf\xe9 cr\xe8me br\xfbl\xe9e\r\n').encode('latin-1'),
         mail_options=['BODY=8BITMIME'])
    # --- watch-list warn ACL
    send('warn-acl', 'watch@remote.test', ['bob@example.test'], src='127.0.0.2', helo='mail.remote.test')

    # ---------- from the "internet" (127.0.0.2)
    send('inbound-ok', 'carol@remote.test', ['bob@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('inbound-null-sender', '', ['alice@example.test'], src='127.0.0.2', helo='mail.remote.test',
         raw=b'From: MAILER-DAEMON@remote.test\r\nTo: alice@example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nbounce body\r\n')
    send('relay-denied', 'carol@remote.test', ['victim@outside.test'], src='127.0.0.2', helo='mail.remote.test')
    send('unknown-user', 'carol@remote.test', ['nosuchuser@example.test', 'alice@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('fail-alias-rcpt', 'carol@remote.test', ['gone@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('defer-alias-rcpt', 'carol@remote.test', ['moved@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('acl-defer-rcpt', 'carol@remote.test', ['tempfail@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('bad-chars', 'carol@remote.test', ['a%b@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('sender-verify-fail', 'ghost@nowhere.test', ['bob@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('sender-blacklist', 'bad@spam.test', ['bob@example.test'], src='127.0.0.2', helo='mail.remote.test')
    send('helo-blacklist', 'carol@remote.test', ['bob@example.test'], src='127.0.0.2', helo='bad.helo.test')
    send('data-reject', 'carol@remote.test', ['bob@example.test'], subject='REJECTME please', src='127.0.0.2', helo='mail.remote.test')
    send('too-big-size-param', 'carol@remote.test', ['bob@example.test'], src='127.0.0.2', helo='mail.remote.test', body=big_body(30000))
    raw_session('too-big-no-size', '127.0.0.2', ['EHLO mail.remote.test', 'MAIL FROM:<carol@remote.test>', 'RCPT TO:<bob@example.test>', 'DATA',
                                                 ('Subject: big\r\n\r\n' + big_body(30000).replace('\n', '\r\n') + '.\r\n').encode(), 'QUIT'])
    send('too-many-rcpts', 'carol@remote.test', ['user%02d@example.test' % i for i in range(22)], src='127.0.0.2', helo='mail.remote.test')
    # --- authenticated submission with STARTTLS + client cert
    send('auth-tls-relay', 'submitter@example.test', ['zed@remote.test', 'bob@example.test'], src='127.0.0.2', helo='laptop.remote.test',
         tls=True, clientcert=True, auth=('submitter', 's3cret'), port=SUB)
    send('auth-tls-nocert', 'submitter@example.test', ['yan@remote.test'], src='127.0.0.2', helo='laptop2.remote.test',
         tls=True, auth=('submitter', 's3cret'))
    send('auth-fail', 'submitter@example.test', ['zed@remote.test'], src='127.0.0.2', helo='laptop.remote.test',
         tls=True, auth=('submitter', 'wrong'))
    send('tls-inbound-local', 'carol@remote.test', ['alice@example.test'], src='127.0.0.2', helo='mail.remote.test', tls=True)

    # ---------- SMTP noise
    raw_session('invalid-helo', '127.0.0.2', ['EHLO bad_host!', 'HELO [300.1.1.1', 'QUIT'])
    raw_session('no-mail-quit', '127.0.0.2', ['EHLO idle.remote.test', 'QUIT'])
    raw_session('lost-no-quit', '127.0.0.2', ['EHLO lost.remote.test', 'MAIL FROM:<carol@remote.test>', 'RCPT TO:<bob@example.test>'])
    raw_session('incomplete-quit', '127.0.0.2', ['EHLO inc.remote.test', 'MAIL FROM:<carol@remote.test>', 'RCPT TO:<bob@example.test>', 'QUIT'])
    raw_session('lost-in-data', '127.0.0.2', ['EHLO data.remote.test', 'MAIL FROM:<carol@remote.test>', 'RCPT TO:<bob@example.test>', 'DATA',
                                              b'Subject: cut\r\n\r\npartial body\r\n'], close_quit=False)
    s = socket.create_connection((HOST, PORT), source_address=('127.0.0.2', 0))
    f = s.makefile('rb'); f.readline()
    for c in (b'EHLO drop.remote.test\r\n', b'MAIL FROM:<carol@remote.test>\r\n', b'RCPT TO:<bob@example.test>\r\n', b'DATA\r\n'):
        s.sendall(c); time.sleep(0.3); s.recv(4096)
    s.sendall(b'Subject: cut\r\n\npartial body\r\n'); time.sleep(0.3); s.close()
    say('lost-in-data-close', 'closed socket during DATA')
    raw_session('unknown-cmds', '127.0.0.2', ['EHLO junk.remote.test', 'FOO', 'BAR', 'BAZ', 'QUX', 'QUIT'])
    raw_session('syntax-errors', '127.0.0.2', ['EHLO junk2.remote.test', 'MAIL FROM:<bad', 'MAIL FROM:<bad2', 'MAIL FROM:<bad3', 'MAIL FROM:<bad4', 'QUIT'])
    raw_session('rcpt-before-mail', '127.0.0.2', ['EHLO order.remote.test', 'RCPT TO:<bob@example.test>', 'DATA', 'QUIT'])
    raw_session('vrfy-expn', '127.0.0.2', ['EHLO v.remote.test', 'VRFY bob', 'EXPN team', 'ETRN example.test', 'QUIT'])
    raw_session('blocked-host', '127.0.0.66', ['EHLO blocked.test', 'QUIT'])
    # early talker: send EHLO before the (delayed) banner
    s = socket.create_connection((HOST, PORT), source_address=('127.0.0.9', 0))
    s.sendall(b'EHLO early.remote.test\r\n')
    time.sleep(3)
    say('early-talker', s.recv(4096))
    s.close()
    # pipelining abuse (no PIPELINING for HELO client)
    s = socket.create_connection((HOST, PORT), source_address=('127.0.0.2', 0))
    s.recv(1000)
    s.sendall(b'HELO pipe.remote.test\r\nMAIL FROM:<carol@remote.test>\r\nRCPT TO:<bob@example.test>\r\n')
    time.sleep(1)
    say('sync-error-helo', s.recv(4096))
    s.close()
    # idle -> command timeout (smtp_receive_timeout = 8s)
    raw_session('timeout', '127.0.0.2', ['EHLO slow.remote.test'], sleep_before_close=10)


def phase_short():
    send('local-multi', 'alice@example.test', ['bob@example.test', 'carol@example.test'])
    send('remote-multi', 'alice@example.test', ['dave@remote.test', 'erin@remote.test'])
    send('remote-550', 'alice@example.test', ['nouser1@remote.test'])
    send('conn-refused', 'alice@example.test', ['someone@down.test'])
    send('relay-denied', 'carol@remote.test', ['victim@outside.test'], src='127.0.0.2', helo='mail.remote.test')
    send('data-reject', 'carol@remote.test', ['bob@example.test'], subject='REJECTME please', src='127.0.0.2', helo='mail.remote.test')
    send('too-many-rcpts', 'carol@remote.test', ['user%02d@example.test' % i for i in range(22)], src='127.0.0.2', helo='mail.remote.test')
    send('auth-tls-nocert', 'submitter@example.test', ['yan@remote.test'], src='127.0.0.2', helo='laptop2.remote.test',
         tls=True, auth=('submitter', 's3cret'))
    raw_session('lost-no-quit', '127.0.0.2', ['EHLO lost.remote.test', 'MAIL FROM:<carol@remote.test>'])


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[2] == 'short':
        phase_short()
    else:
        phase_main()
