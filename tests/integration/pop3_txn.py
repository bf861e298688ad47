# pop3_txn.py - POP3 TRANSACTION/UPDATE checks for t_pop3.sh, with python's
# poplib and a raw socket.  Every check prints one line, "ok DESC" or
# "FAIL DESC: DETAIL"; t_pop3.sh turns them into its own results.
#
#   pop3_txn.py put MAILDIR SEC[:SUB] FILE
#                      drop FILE into MAILDIR/new under a local-style name
#                      with its ,S= and ,W= sizes; prints the base name
#   pop3_txn.py prepare MAILDIR
#                      the four messages `txn` expects, in new/
#   pop3_txn.py txn PORT USER PASS MAILDIR
#                      every TRANSACTION command and error, then QUIT
#   pop3_txn.py raw PORT USER PASS
#                      byte-exact wire of RETR/TOP (dot-stuffing, CRLF),
#                      commands pipelined behind PASS and after it
#   pop3_txn.py uidl PORT USER PASS     print "N UID" lines
#   pop3_txn.py login PORT USER PASS    print the answer to PASS
#   pop3_txn.py hold PORT USER PASS SECONDS
#                      log in, print the answer, then stay idle
#   pop3_txn.py drop PORT USER PASS N...
#                      DELE N... then close the socket without QUIT
#   pop3_txn.py quit PORT USER PASS N...
#                      DELE N... then QUIT; prints the QUIT answer
#   pop3_txn.py autologout PORT USER PASS SECONDS
#                      DELE 1, stay silent; the server must say -ERR and
#                      close within SECONDS
#   pop3_txn.py big MAILDIR MB          write a message of about MB MiB
#   pop3_txn.py bigcheck PORT USER PASS MAILDIR
#                      RETR 1 over a raw socket, compared byte for byte
#                      with the CRLF, dot-stuffed form of the file
import os
import poplib
import random
import socket
import sys
import time

from tnet import connect

T0 = 1700000000


def say(ok, desc, detail=''):
    if ok:
        print('ok %s' % desc)
    else:
        print('FAIL %s: %s' % (desc, detail))
    sys.stdout.flush()


def put(maildir, sec, content, sub=0):
    base = '%d.M%06dP%dQ%d.testhost' % (sec, sub, 4242, sub + 1)
    name = '%s,S=%d,W=%d' % (base, len(content), len(content) + content.count(b'\n'))
    tmp = os.path.join(maildir, 'tmp', base)
    with open(tmp, 'wb') as f:
        f.write(content)
    os.rename(tmp, os.path.join(maildir, 'new', name))
    return base


def wire(content):
    """The CRLF, dot-stuffed form of a stored message, with the final dot."""
    out = []
    lines = content.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    for line in lines:
        if line.startswith(b'.'):
            line = b'.' + line
        out.append(line + b'\r\n')
    return b''.join(out) + b'.\r\n'


MSGS = [
    b'From: alice@localhost\nSubject: one\n\nline 1\n.leading dot\n..two dots\n.\n\nlast\n',
    b'Subject: two\n\nno newline at the end',
    b'From: a\nSubject: three\n\nb1\nb2\n.b3\nb4\n',
    b'Subject: four\n\nfour\n',
]


def prepare(maildir):
    for i, m in enumerate(MSGS):
        print(put(maildir, T0 + i, m))


def login(port, user, password):
    p = poplib.POP3('127.0.0.1', port, timeout=20)
    p.user(user)
    r = p.pass_(password)
    return p, r


def expect_err(desc, fn, want=b'-ERR'):
    try:
        r = fn()
    except poplib.error_proto as e:
        got = e.args[0]
        say(got.startswith(want), desc, got)
        return got
    say(False, desc, 'no error: %r' % (r,))
    return None


def find_file(maildir, base):
    for sub in ('new', 'cur'):
        for n in os.listdir(os.path.join(maildir, sub)):
            if n.split(',')[0].split(':')[0] == base:
                return os.path.join(maildir, sub, n)
    return None


def txn(port, user, password, maildir):
    names = sorted(os.listdir(os.path.join(maildir, 'new')))
    bases = [n.split(',')[0] for n in names]
    sizes = [len(m) + m.count(b'\n') for m in MSGS]
    p, r = login(port, user, password)
    say(r.startswith(b'+OK') and b'4 messages' in r, 'PASS answered by the session with the count', r)
    st = p.stat()
    say(st == (4, sum(sizes)), 'STAT counts the CRLF octets', '%r vs %r' % (st, (4, sum(sizes))))
    r, lines, _ = p.list()
    want = [('%d %d' % (i + 1, s)).encode() for i, s in enumerate(sizes)]
    say(lines == want, 'LIST lists every message with its CRLF size', lines)
    say(p.list(2) == ('+OK 2 %d' % sizes[1]).encode(), 'LIST n', p.list(2))
    expect_err('LIST of a message out of range', lambda: p.list(5))
    expect_err('LIST 0', lambda: p.list(0))
    expect_err('LIST abc', lambda: p.list('abc'))
    expect_err('LIST with two arguments', lambda: p._shortcmd('LIST 1 2'))
    r, lines, _ = p.uidl()
    want = [('%d %s' % (i + 1, b)).encode() for i, b in enumerate(bases)]
    say(lines == want, 'UIDL lists the Maildir base names', lines)
    say(p.uidl(3) == ('+OK 3 %s' % bases[2]).encode(), 'UIDL n', p.uidl(3))
    expect_err('UIDL of a message out of range', lambda: p.uidl(7))

    r, lines, octets = p.retr(1)
    body = b'\n'.join(lines) + b'\n'
    say(body == MSGS[0], 'RETR returns the message, dot-stuffing undone', lines)
    say(r.startswith(('+OK %d octets' % sizes[0]).encode()), 'RETR names the octet count', r)
    r, lines, _ = p.retr(2)
    say(lines == MSGS[1].split(b'\n'), 'RETR of a message without a final LF', lines)
    r, lines, _ = p.top(3, 0)
    say(lines == [b'From: a', b'Subject: three', b''], 'TOP n 0: the header and the blank line', lines)
    r, lines, _ = p.top(3, 3)
    say(lines == [b'From: a', b'Subject: three', b'', b'b1', b'b2', b'.b3'],
        'TOP n 3: three body lines', lines)
    r, lines, _ = p.top(3, 99999999)
    say(lines == MSGS[2].rstrip(b'\n').split(b'\n'), 'TOP with a huge line count sends all', lines)
    expect_err('TOP without a line count', lambda: p._shortcmd('TOP 3'))
    expect_err('TOP with a bad line count', lambda: p._shortcmd('TOP 3 x'))
    expect_err('TOP out of range', lambda: p.top(9, 1))
    expect_err('RETR out of range', lambda: p.retr(5))
    expect_err('RETR without argument', lambda: p._shortcmd('RETR'))
    expect_err('RETR -1', lambda: p._shortcmd('RETR -1'))

    r = p.dele(2)
    say(r.startswith(b'+OK'), 'DELE', r)
    expect_err('RETR of a deleted message', lambda: p.retr(2), b'-ERR Message 2 already deleted')
    expect_err('DELE of a deleted message', lambda: p.dele(2))
    expect_err('LIST of a deleted message', lambda: p.list(2))
    expect_err('UIDL of a deleted message', lambda: p.uidl(2))
    expect_err('TOP of a deleted message', lambda: p.top(2, 0))
    st = p.stat()
    say(st == (3, sum(sizes) - sizes[1]), 'STAT leaves deleted messages out', st)
    r, lines, _ = p.list()
    say(b'2 %d' % sizes[1] not in lines and len(lines) == 3, 'LIST leaves deleted messages out', lines)
    r, lines, _ = p.uidl()
    say(len(lines) == 3 and not lines[1].startswith(b'2 '), 'UIDL leaves deleted messages out', lines)
    r = p.rset()
    say(r.startswith(b'+OK'), 'RSET', r)
    say(p.stat() == (4, sum(sizes)), 'RSET undeletes', p.stat())
    say(p.noop().startswith(b'+OK'), 'NOOP', '')
    r, caps = p._longcmd('CAPA')[:2]
    want = [b'TOP', b'UIDL', b'PIPELINING', b'RESP-CODES', b'USER', b'SASL PLAIN LOGIN']
    say(all(c in caps for c in want) and b'STLS' not in caps,
        'CAPA after login: TOP UIDL PIPELINING RESP-CODES USER SASL, no STLS', caps)
    for c in ('USER bob', 'PASS x', 'APOP bob 0123456789abcdef0123456789abcdef',
              'AUTH PLAIN', 'STLS'):
        expect_err('%s refused after login' % c.split()[0], lambda c=c: p._shortcmd(c))
    expect_err('unknown command', lambda: p._shortcmd('FOO'))
    expect_err('a keyword of 5 letters', lambda: p._shortcmd('LISTS'))
    expect_err('a line over 255 octets', lambda: p._shortcmd('NOOP ' + 'x' * 300))
    say(p.noop().startswith(b'+OK'), 'the session survives an overlong line', '')
    say(p.stat() == (4, sum(sizes)), 'still the same snapshot', '')

    # another program removes message 4; an IMAP server flags message 1
    os.unlink(find_file(maildir, bases[3]))
    expect_err('RETR of a message removed by another program', lambda: p.retr(4),
               b'-ERR [SYS/TEMP]')
    expect_err('TOP of a message removed by another program', lambda: p.top(4, 0),
               b'-ERR [SYS/TEMP]')
    say(p.noop().startswith(b'+OK'), 'the session goes on after a vanished message', '')
    f = find_file(maildir, bases[0])
    os.rename(f, os.path.join(maildir, 'cur', os.path.basename(f) + ':2,FS'))
    r, lines, _ = p.retr(1)
    say(b'\n'.join(lines) + b'\n' == MSGS[0], 'RETR after another program renamed the file', lines)
    r, lines, _ = p.uidl()
    say(lines[0] == ('1 %s' % bases[0]).encode(), 'UIDL unchanged after the rename', lines)
    # DELE 1 and 4 (already gone), RETR'd 3: QUIT removes 1, flags 3 Seen
    p.retr(3)
    p.dele(1)
    p.dele(4)
    r = p.quit()
    say(r.startswith(b'+OK'), 'QUIT enters UPDATE and answers +OK', r)
    say(find_file(maildir, bases[0]) is None, 'QUIT removed the deleted message', '')
    f3 = find_file(maildir, bases[2])
    say(f3 is not None and f3.endswith(':2,S') and '/cur/' in f3,
        'a retrieved message is in cur/ with the Seen flag after QUIT', f3)
    f2 = find_file(maildir, bases[1])
    say(f2 is not None and f2.endswith(':2,S'), 'message 2 (RETR in this session) flagged Seen too', f2)


def raw_session(port, user, password, send, until_closed=False, settle=1.0):
    s = connect(port, timeout=20)
    data = b''
    while b'\r\n' not in data:
        data += s.recv(4096)
    greeting, data = data.split(b'\r\n', 1)
    s.sendall(send(user, password))
    s.settimeout(settle)
    end = time.time() + 20
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            if not until_closed:
                break
            continue
        if not d:
            break
        data += d
    s.close()
    return data


def raw(port, user, password):
    # Everything pipelined behind PASS: the login process hands it over.
    def cmds(u, pw):
        return ('USER %s\r\nPASS %s\r\nRETR 1\r\nTOP 3 2\r\nRETR 2\r\nQUIT\r\n' % (u, pw)).encode()
    data = raw_session(port, user, password, cmds, until_closed=True)
    want = (b'+OK ', b'+OK ', b'+OK %d octets\r\n' % (len(MSGS[0]) + MSGS[0].count(b'\n')))
    lines = data.split(b'\r\n', 2)
    say(lines[0].startswith(want[0]) and lines[1].startswith(want[1]),
        'raw: USER and PASS answered', data[:200])
    rest = lines[2] if len(lines) > 2 else b''
    exp1 = (b'+OK %d octets\r\n' % (len(MSGS[0]) + MSGS[0].count(b'\n'))) + wire(MSGS[0])
    say(rest.startswith(exp1), 'raw: RETR pipelined behind PASS, CRLF and dot-stuffed exactly',
        rest[:300])
    rest = rest[len(exp1):]
    exp2 = b'+OK Top of message follows\r\nFrom: a\r\nSubject: three\r\n\r\nb1\r\nb2\r\n.\r\n'
    say(rest.startswith(exp2), 'raw: TOP 3 2 exactly', rest[:300])
    rest = rest[len(exp2):]
    exp3 = (b'+OK %d octets\r\n' % (len(MSGS[1]) + MSGS[1].count(b'\n'))) + \
        b'Subject: two\r\n\r\nno newline at the end\r\n.\r\n'
    say(rest.startswith(exp3), 'raw: a message without a final LF gets CRLF before the dot',
        rest[:300])
    rest = rest[len(exp3):]
    say(rest.startswith(b'+OK') and rest.endswith(b'\r\n') and rest.count(b'\r\n') == 1,
        'raw: QUIT answered last, then the connection closes', rest)
    # a long pipeline in one write after login (RFC 2449 PIPELINING)
    p, r = login(port, user, password)
    p.sock.sendall(b'NOOP\r\n' * 50 + b'STAT\r\nLIST 1\r\nQUIT\r\n')
    p.sock.settimeout(5)
    got = b''
    while got.count(b'\r\n') < 53:
        d = p.sock.recv(65536)
        if not d:
            break
        got += d
    ls = got.split(b'\r\n')
    say(len(ls) >= 53 and all(x.startswith(b'+OK') for x in ls[:53]),
        'raw: 53 pipelined commands answered in order', got[-200:])
    p.sock.close()


def print_uidl(port, user, password):
    p, _ = login(port, user, password)
    for line in p.uidl()[1]:
        print(line.decode())
    p.quit()


def do_login(port, user, password):
    try:
        p, r = login(port, user, password)
        print(r.decode())
        p.quit()
    except poplib.error_proto as e:
        print(e.args[0].decode())


def hold(port, user, password, seconds):
    p, r = login(port, user, password)
    print(r.decode())
    sys.stdout.flush()
    time.sleep(float(seconds))


def drop(port, user, password, nums, quit):
    p, r = login(port, user, password)
    for n in nums:
        p.dele(int(n))
    if quit:
        print(p.quit().decode())
    else:
        p.sock.close()


def autologout(port, user, password, seconds):
    p, r = login(port, user, password)
    p.dele(1)
    p.sock.settimeout(float(seconds))
    t0 = time.time()
    try:
        data = p.sock.recv(4096)
        rest = p.sock.recv(4096)
    except socket.timeout:
        say(False, 'autologout closes an idle session', 'still open after %ss' % seconds)
        return
    say(data.startswith(b'-ERR') and rest == b'',
        'autologout: -ERR and the connection closes after %.1fs' % (time.time() - t0), data)


def big(maildir, mb):
    rnd = random.Random(42)
    parts = [b'From: big@localhost\nSubject: big\n\n']
    size = 0
    target = int(mb) * 1024 * 1024
    alphabet = b'abcdefghijklmnopqrstuvwxyz0123456789 .'
    while size < target:
        n = rnd.choice((0, 1, 10, 76, 200, 999, 5000))
        line = bytes(rnd.choice(alphabet) for _ in range(min(n, 60))) * (n // 60 + 1)
        line = line[:n]
        if rnd.random() < 0.05:
            line = b'.' + line
        parts.append(line + b'\n')
        size += len(line) + 1
    parts.append(b'.\nthe end without LF')
    print(put(maildir, T0, b''.join(parts)))


def bigcheck(port, user, password, maildir):
    name = os.listdir(os.path.join(maildir, 'new'))[0]
    with open(os.path.join(maildir, 'new', name), 'rb') as f:
        content = f.read()
    want = wire(content)
    p, r = login(port, user, password)
    s = p.sock
    s.sendall(b'RETR 1\r\n')
    got = b''
    first = None
    t0 = time.time()
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        got += d
        if first is None and b'\r\n' in got:
            first, got = got.split(b'\r\n', 1)
        if first is not None and got.endswith(b'\r\n.\r\n') and len(got) >= len(want):
            break
    t = time.time() - t0
    wsize = len(content) + content.count(b'\n')
    say(first == b'+OK %d octets' % wsize, 'big: RETR names the CRLF size', first)
    say(got == want, 'big: %d MiB message retrieved byte-exact (%.2fs)' % (len(content) >> 20, t),
        'got %d bytes, want %d' % (len(got), len(want)))
    p.quit()


def main():
    a = sys.argv[1:]
    cmd = a[0]
    if cmd == 'put':
        sec, _, sub = a[2].partition(':')
        with open(a[3], 'rb') as f:
            print(put(a[1], int(sec), f.read(), int(sub or 0)))
    elif cmd == 'prepare':
        prepare(a[1])
    elif cmd == 'txn':
        txn(int(a[1]), a[2], a[3], a[4])
    elif cmd == 'raw':
        raw(int(a[1]), a[2], a[3])
    elif cmd == 'uidl':
        print_uidl(int(a[1]), a[2], a[3])
    elif cmd == 'login':
        do_login(int(a[1]), a[2], a[3])
    elif cmd == 'hold':
        hold(int(a[1]), a[2], a[3], a[4])
    elif cmd in ('drop', 'quit'):
        drop(int(a[1]), a[2], a[3], a[4:], cmd == 'quit')
    elif cmd == 'autologout':
        autologout(int(a[1]), a[2], a[3], a[4])
    elif cmd == 'big':
        big(a[1], a[2])
    elif cmd == 'bigcheck':
        bigcheck(int(a[1]), a[2], a[3], a[4])
    else:
        sys.exit('unknown command %s' % cmd)


if __name__ == '__main__':
    main()
