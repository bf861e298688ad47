# e2ec.py - client and trace tools for the end-to-end tests (t_e2e.sh,
# t_durability.sh).
#
#   e2ec.py send PORT FROM RCPT[,RCPT...] FILE [MAILOPT...]
#        send FILE (LF line ends, turned into CRLF) with smtplib in one
#        transaction; prints "sent", then "refused RCPT CODE" for each
#        recipient refused at RCPT time; exit 1 when nothing was accepted
#   e2ec.py big FILE MB
#        a message of about MB MiB: varied 7- and 8-bit lines, dot-leading
#        lines, a few long ones
#   e2ec.py order-smtpd TRACE      the commit order of smtpd (DESIGN §4/§11)
#   e2ec.py order-local TRACE ID   the delivery order of local for queue ID
#   e2ec.py order-pop3 TRACE       the UPDATE order of pop3d-session
#        TRACE: strace -f -tt -y output.  Print each step found (line
#        number, pid, time, call) and "ORDER OK" or "ORDER BAD: why".
import re
import smtplib
import sys


def cmd_send(port, sender, rcpts, path, *mailopts):
    data = open(path, 'rb').read().replace(b'\n', b'\r\n')
    c = smtplib.SMTP('127.0.0.1', int(port), timeout=300)
    c.ehlo('e2e.example')
    try:
        refused = c.sendmail(sender, rcpts.split(','), data,
                             mail_options=list(mailopts))
    except smtplib.SMTPRecipientsRefused as e:
        for r, (code, _) in sorted(e.recipients.items()):
            print('refused %s %d' % (r, code))
        sys.exit(1)
    print('sent')
    for r, (code, _) in sorted(refused.items()):
        print('refused %s %d' % (r, code))
    c.quit()


def cmd_big(path, mb):
    target = int(float(mb) * 1048576)
    out = [b'From: alice@localhost\nTo: bob@localhost\nSubject: big\n'
           b'Content-Type: text/plain; charset=utf-8\n'
           b'Content-Transfer-Encoding: 8bit\n\n']
    size = len(out[0])
    i = 0
    while size < target:
        if i % 97 == 0:
            line = b'.' * (1 + i % 3) + b'dot-leading line %d' % i
        elif i % 89 == 0:
            line = b'8-bit \xc3\xa4\xc3\xb6\xc3\xbc \xe2\x82\xac line %d' % i
        elif i % 5003 == 0:
            line = (b'%d-' % i) * 300
        elif i % 131 == 0:
            line = b''
        else:
            line = (b'line %08d ' % i) + bytes(
                33 + (i * 7 + k) % 94 for k in range(60 + i % 17))
        out.append(line + b'\n')
        size += len(line) + 1
        i += 1
    out.append(b'.\nthe end\n')
    open(path, 'wb').write(b''.join(out))


LINE = re.compile(r'^(\d+)\s+(\d\d:\d\d:\d\d\.\d+)\s+(\w+)\((.*)$')


def parse(path):
    """(lineno, pid, time, call, args) of each complete or resumed call."""
    calls = []
    pending = {}
    for n, raw in enumerate(open(path, encoding='latin-1'), 1):
        raw = raw.rstrip('\n')
        m = re.match(r'^(\d+)\s+(\S+)\s+<\.\.\. (\w+) resumed>(.*)$', raw)
        if m:
            pid, t, call, rest = m.groups()
            start = pending.pop(pid, '')
            calls.append((n, pid, t, call, start + rest))
            continue
        m = LINE.match(raw)
        if not m:
            continue
        pid, t, call, rest = m.groups()
        if rest.endswith('<unfinished ...>'):
            pending[pid] = rest[:-len('<unfinished ...>')]
            continue
        calls.append((n, pid, t, call, rest))
    return calls


def ok_result(args):
    return re.search(r'\)\s*=\s*(\d+)', args) is not None


def first(calls, pred, after=0, what=''):
    for c in calls:
        if c[0] > after and pred(c):
            return c
    raise LookupError(what)


def show(label, c):
    print('  %-34s line %5d  pid %s  %s  %s(%s' %
          (label, c[0], c[1], c[2], c[3], c[4][:110]))


def cmd_order_smtpd(path):
    calls = parse(path)
    try:
        ok = first(calls, lambda c: c[3] in ('sendto', 'write', 'sendmsg')
                   and '250 2.0.0 Ok: queued as ' in c[4],
                   what='no "250 2.0.0 Ok: queued as" written')
        qid = re.search(r'queued as ([0-9A-Za-z]+)', ok[4]).group(1)
        print('queue id %s' % qid)
        opn = first(calls, lambda c: c[3] == 'openat' and
                    '/tmp/%s"' % qid in c[4] and 'O_CREAT' in c[4],
                    what='no openat(O_CREAT) of tmp/%s' % qid)
        fd = re.search(r'=\s*(\d+)<', opn[4]).group(1)
        pid = opn[1]
        mine = [c for c in calls if c[1] == pid]
        writes = [c for c in mine if c[3] == 'write' and
                  c[4].startswith(fd + '<') and qid in c[4].split(',')[0]]
        if not writes:
            raise LookupError('no write to the queue file')
        fs = first(mine, lambda c: c[3] in ('fsync', 'fdatasync') and
                   c[4].startswith(fd + '<') and qid in c[4].split(')')[0],
                   opn[0], 'no fsync of the queue file')
        ln = first(mine, lambda c: c[3] in ('link', 'linkat') and
                   re.search(r'/tmp/%s".*/incoming/%s"' % (qid, qid), c[4]),
                   opn[0], 'no link of tmp/ID to incoming/ID')
        ds = first(mine, lambda c: c[3] in ('fsync', 'fdatasync') and
                   re.match(r'\d+<[^>]*/incoming>\)', c[4]),
                   ln[0], 'no fsync of incoming/ after the link')
        show('open tmp/ID', opn)
        show('last write of the queue file', writes[-1])
        show('fsync of the queue file', fs)
        show('link tmp/ID -> incoming/ID', ln)
        show('fsync of incoming/', ds)
        show('250 to the client', ok)
        for c in (fs, ln, ds, ok):
            if not ok_result(c[4]):
                raise LookupError('failed call at line %d' % c[0])
        late = [c for c in writes if c[0] > fs[0]]
        if late:
            raise LookupError('write to the queue file after its fsync, '
                              'line %d' % late[0][0])
        if not (writes[-1][0] < fs[0] < ln[0] < ds[0] < ok[0]):
            raise LookupError('steps out of order')
        if ok[1] != pid:
            raise LookupError('the 250 came from another process')
    except LookupError as e:
        print('ORDER BAD: %s' % e)
        return
    print('ORDER OK')


def cmd_order_local(path, qid):
    calls = parse(path)
    try:
        # The delivery child: the process that wrote a Maildir tmp file
        # holding this queue id (in the Received field).
        w = first(calls, lambda c: c[3] == 'write' and
                  re.match(r'\d+<[^>]*/tmp/[^>]*>', c[4]) and qid in c[4],
                  what='no write of a Maildir tmp file with %s' % qid)
        child = w[1]
        tmpf = re.match(r'(\d+)<([^>]*)>', w[4])
        fd, tmppath = tmpf.group(1), tmpf.group(2)
        mine = [c for c in calls if c[1] == child]
        opn = first(mine, lambda c: c[3] == 'openat' and
                    '"%s"' % tmppath in c[4] and 'O_EXCL' in c[4],
                    what='no openat(O_CREAT|O_EXCL) of %s' % tmppath)
        writes = [c for c in mine if c[3] == 'write' and
                  c[4].startswith('%s<%s>' % (fd, tmppath))]
        fs = first(mine, lambda c: c[3] in ('fsync', 'fdatasync') and
                   c[4].startswith('%s<%s' % (fd, tmppath)),
                   opn[0], 'no fsync of the Maildir tmp file')
        base = tmppath.rsplit('/', 1)[1]
        ln = first(mine, lambda c: c[3] in ('link', 'linkat', 'rename',
                                            'renameat', 'renameat2') and
                   '"%s"' % tmppath in c[4] and '/new/%s' % base in c[4],
                   opn[0], 'no link of tmp/ into new/')
        newdir = tmppath.rsplit('/', 2)[0] + '/new'
        ds = first(mine, lambda c: c[3] in ('fsync', 'fdatasync') and
                   re.match(r'\d+<%s>\)' % re.escape(newdir), c[4]),
                   ln[0], 'no fsync of new/ after the link')
        res = first(calls, lambda c: c[3] in ('sendto', 'write', 'sendmsg')
                    and 'socket:' in c[4] and 'status=ok' in c[4],
                    ds[0], 'no result to qmgr after the fsync of new/')
        rep = None
        if res[1] != child:
            # A delivery child (ids switched): it reports over a pipe,
            # and its parent sends the result.
            rep = first(mine, lambda c: c[3] == 'write' and 'pipe:' in c[4]
                        and ' 2.0.0 ' in c[4], ds[0],
                        'no report of the child to its parent')
            res = first(calls, lambda c: c[1] != child and
                        c[3] in ('sendto', 'write', 'sendmsg') and
                        'socket:' in c[4] and 'status=ok' in c[4],
                        rep[0], 'no result to qmgr after the child reported')
        show('open Maildir tmp file', opn)
        show('last write of the tmp file', writes[-1])
        show('fsync of the tmp file', fs)
        show('link tmp/ -> new/', ln)
        show('fsync of new/', ds)
        if rep:
            show('child reports to local', rep)
        else:
            print('  (delivered in local itself, no child: no ids to switch)')
        show('local sends the result', res)
        for c in (fs, ln, ds, res):
            if not ok_result(c[4]):
                raise LookupError('failed call at line %d' % c[0])
        late = [c for c in writes if c[0] > fs[0]]
        if late:
            raise LookupError('write to the tmp file after its fsync, '
                              'line %d' % late[0][0])
        if not (opn[0] < writes[-1][0] < fs[0] < ln[0] < ds[0] <
                (rep or res)[0] <= res[0]):
            raise LookupError('steps out of order')
    except LookupError as e:
        print('ORDER BAD: %s' % e)
        return
    print('ORDER OK')


def cmd_order_pop3(path):
    """DELE'd file removed and RETR'd file renamed to cur/ with Seen, then
    new/ and cur/ fsynced, then "+OK" to QUIT, all in the session."""
    calls = parse(path)
    try:
        ok = first(calls, lambda c: c[3] in ('sendto', 'write', 'sendmsg')
                   and '+OK Logging out' in c[4],
                   what='no "+OK Logging out" written')
        pid = ok[1]
        mine = [c for c in calls if c[1] == pid]
        rm = first(mine, lambda c: c[3] in ('unlink', 'unlinkat') and
                   re.match(r'\d+<[^>]*/new>, "', c[4]),
                   what='no unlink in new/')
        mv = first(mine, lambda c: c[3] in ('rename', 'renameat', 'renameat2')
                   and re.match(r'\d+<[^>]*/new>, "[^"]+", \d+<[^>]*/cur>, '
                                r'"[^"]+:2,S"', c[4]),
                   what='no rename new/ -> cur/ with :2,S')
        last = max(rm[0], mv[0])
        fn = first(mine, lambda c: c[3] in ('fsync', 'fdatasync') and
                   re.match(r'\d+<[^>]*/new>\)', c[4]), last,
                   'no fsync of new/ after the changes')
        fc = first(mine, lambda c: c[3] in ('fsync', 'fdatasync') and
                   re.match(r'\d+<[^>]*/cur>\)', c[4]), last,
                   'no fsync of cur/ after the changes')
        show('unlink in new/', rm)
        show('rename new/ -> cur/', mv)
        show('fsync of new/', fn)
        show('fsync of cur/', fc)
        show('+OK to QUIT', ok)
        for c in (rm, mv, fn, fc, ok):
            if not ok_result(c[4]):
                raise LookupError('failed call at line %d' % c[0])
        if not (max(fn[0], fc[0]) < ok[0]):
            raise LookupError('+OK before the fsyncs')
    except LookupError as e:
        print('ORDER BAD: %s' % e)
        return
    print('ORDER OK')


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'send':
        cmd_send(*args)
    elif cmd == 'big':
        cmd_big(*args)
    elif cmd == 'order-smtpd':
        cmd_order_smtpd(*args)
    elif cmd == 'order-local':
        cmd_order_local(*args)
    elif cmd == 'order-pop3':
        cmd_order_pop3(*args)
    else:
        raise SystemExit('unknown command ' + cmd)


main()
