#!/usr/bin/env python3
"""Build truth.md from the file-form main logs + the scenario script + exim -bp.
The per-message table is derived from the log lines, then checked against the
intended scenario outcome (EXPECT below, written from traffic.py/run_corpus.sh
before looking at the logs) and against `exim -bp` at the end of each run."""
import re, sys, collections

EXPECT = {  # scenario tag -> expected per-recipient outcome
 'local-multi': 'bob,carol,dave delivered locally',
 'remote-multi': 'dave/erin/frank@remote.test delivered in one SMTP transaction (=> then ->)',
 'mixed': 'alice local, gina@remote.test remote: delivered',
 'greylist': 'greyone deferred 451 then delivered on -qff; okay1 delivered',
 'full': 'fullbox deferred 452 on every attempt: still queued',
 'remote-550': 'nouser1 bounced (550), okay2 delivered; bounce to alice delivered',
 'remote-554-data': 'dataerr bounced (554 after DATA); bounce to bob delivered',
 'remote-451-data': 'datatmp deferred (451 after DATA) then delivered on -qff',
 'conn-refused': 'someone/other@down.test deferred (refused), delivered on -qff',
 'busy-421': 'x@busy.test deferred twice (421 greeting), delivered on 2nd -qff',
 'remote-tls': 't1/t2@tls.test delivered over TLS',
 'self-loop': 'alice/bob@self.test relayed to own daemon port 12587, which delivers locally (new message id)',
 'cutthrough': 'c1@cut.test delivered (cutthrough requested, logged as normal =>)',
 'aliases': 'team->alice,bob,carol; postmaster->alice; fwd->erin@remote.test; archive file; pipe; devnull blackhole',
 'pipefail': 'pipe /bin/false fails -> bounced; bounce to carol delivered',
 'double-bounce': 'nouser2 bounced; bounce to nouser9@remote.test fails too -> bounce frozen, still queued',
 'quota': 'tiny over quota: deferred, then cancelled by root (-Mg) -> bounce to alice',
 'rewrite': 'sender olduser@legacy.test rewritten to olduser@example.test; bob delivered',
 '8bitmime': 'bob delivered (no Message-ID header supplied, so no id= on <=)',
 'warn-acl': 'bob delivered, ACL warn line logged',
 'inbound-ok': 'bob delivered', 'inbound-null-sender': 'alice delivered (sender <>)',
 'unknown-user': 'nosuchuser rejected at RCPT, alice delivered',
 'too-many-rcpts': 'user00..user19 delivered, user20/21 temp-rejected (452)',
 'auth-tls-relay': 'zed@remote.test + bob delivered (A=, CV=yes)',
 'auth-tls-nocert': 'yan@remote.test delivered (A=, CV=no)',
 'tls-inbound-local': 'alice delivered (X= inbound)',
}

LINE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?) (?:\[(\d+)\] )?(?:([0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}) )?(.*)$')


def parse(path):
    msgs = collections.OrderedDict()
    rejects = []
    other = collections.Counter()
    for raw in open(path, encoding='latin-1'):
        raw = raw.rstrip('\n')
        m = LINE.match(raw)
        if not m:
            other['unparsed'] += 1
            continue
        ts, pid, mid, rest = m.groups()
        if mid:
            d = msgs.setdefault(mid, {'arr': None, 'ev': [], 'flags': [], 'tag': '', 'rej': None})
            if rest.startswith('<= '):
                d['arr'] = rest
                sender = rest.split()[1]
                d['sender'] = sender
                r = re.search(r' R=(\S+)', rest)
                d['parent'] = r.group(1) if r and sender == '<>' else ''
                t = re.search(r' id=[^.\s]+\.([^.\s]+)\.', rest)
                d['tag'] = t.group(1) if t else ''
                fr = re.search(r' for (.*)$', rest)
                d['for'] = fr.group(1) if fr else ''
            elif rest[:3] in ('=> ', '-> ', '*> ', '>> ', '== ', '** '):
                toks = rest.split()
                toks[1] = toks[1].rstrip(':')
                addr = toks[1]
                pm = re.search(r' (<[^>]+>) R=', rest)
                if toks[1].startswith('|') and pm:
                    toks = [toks[0], '|pipe', pm.group(1)]
                if len(toks) > 2 and toks[2].startswith('<'):
                    inner = toks[2].strip('<>')
                    # "=> bob <bob@example.test>": local delivery of bob@example.test itself
                    addr = inner if inner.split('@')[0] == toks[1] else '%s %s' % (toks[1], toks[2])
                d['ev'].append((rest[:2], addr, ts))
            elif 'rejected' in rest or 'timeout' in rest:
                d['rej'] = rest
                rejects.append((ts, mid, rest))
            else:
                d['flags'].append(rest)
        else:
            if re.search(r'rejected|authenticator failed|synchronization error|dropped:|too many recipients', rest):
                rejects.append((ts, '', rest))
            else:
                other[re.sub(r'\d+', 'N', rest)[:70]] += 1
    return msgs, rejects, other


def outcome(evs):
    res = collections.OrderedDict()
    for code, addr, ts in evs:
        key = addr
        res.setdefault(key, []).append(code)
    out = {}
    for a, codes in res.items():
        last = codes[-1]
        defs = codes.count('==')
        if last in ('=>', '->'):
            out[a] = 'delivered' if defs == 0 else 'deferred x%d then delivered' % defs
        elif last == '*>':
            out[a] = 'fake delivery (-N)'
        elif last == '>>':
            out[a] = 'delivered (cutthrough)'
        elif last == '**':
            out[a] = 'bounced' if defs == 0 else 'deferred x%d then bounced' % defs
        elif last == '==':
            out[a] = 'deferred x%d, still queued at end' % defs
    return out


def report(name, path, queue_file, ids_file):
    msgs, rejects, other = parse(path)
    out = []
    ids = open(ids_file).read()
    out.append('## Run `%s` (`%s`)\n' % (name, path))
    out.append('Final queue (`exim -bp` at end of run):\n\n```\n%s```\n' % open(queue_file).read())
    out.append('Operator actions: %s\n' % ids.replace('\n', '; '))
    out.append('| message id | scenario | sender | bounce of | recipients -> outcome | notes |')
    out.append('|---|---|---|---|---|---|')
    n_recv = n_deliv = n_defer = n_bounce = n_fake = 0
    for mid, d in msgs.items():
        if not d['arr']:
            if d['rej']:
                continue  # rejected-after-DATA / too big / timeout: listed under rejects
            continue
        n_recv += 1
        oc = outcome(d['ev'])
        n_defer += sum(1 for e in d['ev'] if e[0] == '==')
        n_deliv += sum(1 for v in oc.values() if 'delivered' in v and 'fake' not in v)
        n_bounce += sum(1 for v in oc.values() if 'bounced' in v)
        n_fake += sum(1 for v in oc.values() if 'fake' in v)
        notes = [f for f in d['flags'] if not f.startswith('Completed') and 'lost privilege' not in f]
        if any(f.startswith('removed by') for f in d['flags']):
            oc = {k: v for k, v in oc.items()} or {}
            oc['(all)'] = 'removed by root (-Mrm) before any delivery'
        if any(f.startswith('cancelled by') for f in d['flags']):
            notes.append('=> remaining recipients failed by -Mg (no ** line is logged for them)')
        if not any(f.startswith('Completed') for f in d['flags']):
            notes.append('NOT Completed: still on queue')
        tag = d['tag'] or '(local submission)' if 'P=local' in d['arr'] else d['tag']
        if d['sender'] == '<>' and d['parent']:
            tag = 'bounce'
        rc = '; '.join('%s: %s' % (k, v) for k, v in oc.items()) or '(no delivery lines)'
        out.append('| %s | %s | %s | %s | %s | %s |' % (mid, tag, d['sender'], d['parent'], rc.replace('|', '\\|'), '; '.join(notes).replace('|', '\\|')))
    out.append('')
    out.append('### Rejects / refused SMTP commands (%d lines, run %s)\n' % (len(rejects), name))
    out.append('| time | msg id | line (after timestamp) |')
    out.append('|---|---|---|')
    for ts, mid, r in rejects:
        out.append('| %s | %s | `%s` |' % (ts, mid, r.replace('|', '\\|')))
    out.append('')
    out.append('### Counts (run %s)\n' % name)
    out.append('- messages received (`<=` lines): %d' % n_recv)
    out.append('- recipient deliveries (final =>/-> per distinct recipient entry): %d; fake (-N) `*>`: %d' % (n_deliv, n_fake))
    out.append('- deferral events (`==` lines): %d' % n_defer)
    out.append('- bounced recipients (`**`, distinct): %d' % n_bounce)
    out.append('- reject/refusal lines (see table): %d' % len(rejects))
    out.append('')
    return '\n'.join(out)


if __name__ == '__main__':
    C = '/tmp/exim_corpus'
    parts = [open(C + '/truth_head.md').read()]
    for n in ('default', 'rich'):
        parts.append(report(n, '%s/mainlog_%s' % (C, n), '%s/run_%s/queue_after.txt' % (C, n), '%s/run_%s/ids.txt' % (C, n)))
    parts.append('## Intended outcome per scenario (from traffic.py)\n')
    for k, v in EXPECT.items():
        parts.append('- **%s**: %s' % (k, v))
    open(C + '/truth.md', 'w').write('\n'.join(parts) + '\n')
