# imap_append.py - APPEND, COPY and MOVE checks for t_imap_append.sh, with
# python's imaplib and a raw socket (for what imaplib cannot show: the
# continuation, LITERAL+, the order of untagged responses).  Every check
# prints one line, "ok DESC", "FAIL DESC: DETAIL" or "skip DESC: WHY"
# (a check that needs a command another part of imapd serves, when the
# server does not answer it yet); the shell script turns them into
# results.  The Maildir is read directly to check what the server wrote.
#
#   imap_append.py all PORT USER PASS MAILDIR LIMIT
#       APPEND (flags, date, exact octets, APPENDUID against the UID list
#       and the server, the selected folder's EXISTS, LITERAL+, TRYCREATE,
#       TOOBIG both ways, syntax refused before the continuation, NUL and
#       empty messages), a 10 MB APPEND with the session's memory checked
#       in /proc, COPY and UID COPY (COPYUID, hard links, keywords by
#       name), MOVE and UID MOVE (the untagged sequence), MOVE within a
#       folder, four clients appending at once to a folder two sessions
#       have selected.  The folders "Target" and "Gone" must exist, "Nope" must
#       not.
#   imap_append.py kill PORT USER PASS MAILDIR
#       an APPEND cut by kill -9 of its session halfway through the
#       literal: nothing in cur/ or new/, and the next APPEND works.
import calendar
import hashlib
import imaplib
import os
import re
import signal
import subprocess
import sys
import time

from tnet import connect


def say(ok, desc, detail=''):
    if ok:
        print('ok %s' % desc)
    else:
        print('FAIL %s: %s' % (desc, detail))
    sys.stdout.flush()


def skip(desc, why):
    print('skip %s: %s' % (desc, why))
    sys.stdout.flush()


class Raw:
    """An IMAP connection on a plain socket: whole responses (literals
    inside them read too) as bytes without the final CRLF."""

    def __init__(self, port):
        self.s = connect(port, timeout=60)
        self.buf = b''
        self.greeting = self.response()

    def fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError('connection closed')
        self.buf += chunk

    def line(self):
        while b'\r\n' not in self.buf:
            self.fill()
        i = self.buf.index(b'\r\n')
        out, self.buf = self.buf[:i], self.buf[i + 2:]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        out = self.line()
        while True:
            m = re.search(rb'\{(\d+)\}$', out)
            if not m:
                return out
            out += b'\r\n' + self.exact(int(m.group(1)))
            out += self.line()

    def send(self, data):
        self.s.sendall(data)

    def until(self, tag):
        """The responses up to and including the tagged one."""
        out = []
        while True:
            r = self.response()
            out.append(r)
            if r.startswith(tag + b' '):
                return out

    def cmd(self, tag, text):
        self.send(tag + b' ' + text + b'\r\n')
        return self.until(tag)

    def login(self, user, password):
        r = self.cmd(b'L', b'LOGIN ' + user.encode() + b' ' + password.encode())
        if not r[-1].startswith(b'L OK'):
            raise RuntimeError('login failed: %r' % r[-1])

    def local_port(self):
        return self.s.getsockname()[1]

    def close(self):
        self.s.close()


def session_pid(port, local_port):
    """The imapd-session process serving our connection (by its ends)."""
    out = subprocess.run(['ss', '-Htnp', 'state', 'established',
                          '( sport = :%d and dport = :%d )' % (port, local_port)],
                         capture_output=True, text=True).stdout
    for pid in sorted(set(re.findall(r'pid=(\d+)', out))):
        try:
            with open('/proc/%s/comm' % pid) as f:
                if f.read().strip().startswith('imapd-session'):
                    return int(pid)
        except OSError:
            pass
    return None


def proc_kb(pid, field):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return None


def folder_dir(maildir, name):
    return maildir if name == 'INBOX' else os.path.join(maildir, '.' + name)


def uidlist(maildir, name):
    """(validity, {uid: base}) from the folder's UID list."""
    path = os.path.join(folder_dir(maildir, name), 'tern-uidlist')
    uids = {}
    validity = None
    try:
        with open(path) as f:
            for i, line in enumerate(f):
                if i == 0:
                    m = re.search(r'\bV(\d+)', line)
                    validity = int(m.group(1)) if m else None
                    continue
                p = line.split()
                if len(p) == 2:
                    uids[int(p[0])] = p[1]
    except OSError:
        pass
    return validity, uids


def keywords(maildir, name):
    out = {}
    try:
        with open(os.path.join(folder_dir(maildir, name), 'dovecot-keywords')) as f:
            for line in f:
                p = line.rstrip('\n').split(' ', 1)
                if len(p) == 2:
                    out[p[1]] = int(p[0])
    except OSError:
        pass
    return out


def files(maildir, name):
    """{file name: path} of the messages in cur/ and new/."""
    out = {}
    for sub in ('cur', 'new'):
        d = os.path.join(folder_dir(maildir, name), sub)
        for f in os.listdir(d):
            out[f] = os.path.join(d, f)
    return out


def file_of(maildir, name, uid):
    """The path of the message with uid (through the UID list)."""
    base = uidlist(maildir, name)[1].get(uid)
    if base is None:
        return None
    for f, path in files(maildir, name).items():
        if f.split(':')[0].split(',')[0] == base:
            return path
    return None


def letters(path):
    return path.split(':2,', 1)[1] if ':2,' in path else ''


def stored(msg):
    """The stored form of a CRLF message: LF line ends."""
    return msg.replace(b'\r\n', b'\n')


def appenduid(text):
    m = re.search(rb'\[APPENDUID (\d+) (\d+)\]', text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def copyuid(text):
    m = re.search(rb'\[COPYUID (\d+) ([0-9:,]+) ([0-9:,]+)\]', text)
    return (int(m.group(1)), expand(m.group(2)), expand(m.group(3))) if m else None


def expand(s):
    out = []
    for part in s.decode().split(','):
        if ':' in part:
            a, b = (int(x) for x in part.split(':'))
            out.extend(range(min(a, b), max(a, b) + 1))
        else:
            out.append(int(part))
    return out


def uid_cmd(M, *args):
    """M.uid(), with a BAD answer returned rather than raised."""
    try:
        return M.uid(*args)
    except imaplib.IMAP4.error as e:
        return 'BAD', [str(e).encode()]


MSG1 = (b'From: Alice <alice@localhost>\r\nTo: bob@localhost\r\n'
        b'Subject: append one\r\nDate: Tue, 14 Jul 2020 10:00:00 +0200\r\n'
        b'\r\nThe first line.\r\n.a dot line\r\n\r\nlast line\r\n')
DATE1 = '14-Jul-2020 10:11:12 +0200'
T1 = calendar.timegm((2020, 7, 14, 8, 11, 12))


def check_append_imaplib(port, user, password, maildir):
    M = imaplib.IMAP4('127.0.0.1', port)
    M.login(user, password)
    typ, caps = M.capability()
    typ, data = M.append('INBOX', r'(\Seen \Flagged $Label1)', '"%s"' % DATE1, MSG1)
    au = appenduid(data[0] or b'')
    say(typ == 'OK' and au is not None, 'APPEND with flags and date answers OK [APPENDUID]',
        '%s %r' % (typ, data))
    if au is None:
        M.logout()
        return None
    validity, uid = au
    v_disk, uids = uidlist(maildir, 'INBOX')
    say(v_disk == validity, 'APPENDUID validity is the UID list\'s UIDVALIDITY',
        '%s vs %s' % (validity, v_disk))
    path = file_of(maildir, 'INBOX', uid)
    say(path is not None and '/cur/' in path, 'the APPENDUID names the saved file in cur/ in the UID list',
        '%r %r' % (uid, uids))
    if path is None:
        M.logout()
        return None
    with open(path, 'rb') as f:
        body = f.read()
    say(body == stored(MSG1), 'the file holds the message octets (LF line ends)', repr(body[:80]))
    kw = keywords(maildir, 'INBOX')
    want = 'FS' + (chr(ord('a') + kw['$Label1']) if '$Label1' in kw else '?')
    say(letters(path) == want, 'the file name carries \\Seen \\Flagged and the keyword\'s letter',
        '%s vs %s' % (letters(path), want))
    say(int(os.stat(path).st_mtime) == T1 and os.path.basename(path).split('.')[0] == str(T1),
        'the internal date is the file\'s mtime and its name\'s time part',
        '%s vs %s' % (path, T1))
    m = re.search(r',S=(\d+),W=(\d+)', path)
    say(m is not None and int(m.group(1)) == len(stored(MSG1)) and int(m.group(2)) == len(MSG1),
        'the file name has the stored and wire sizes', path)

    typ, data = M.select('INBOX')
    typ2, v = M.response('UIDVALIDITY')
    say(typ == 'OK' and v and v[0] is not None and int(v[0]) == validity,
        'SELECT reports the UIDVALIDITY of APPENDUID', '%r %r' % (typ, v))
    typ, data = uid_cmd(M, 'FETCH', str(uid), '(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])')
    ok = typ == 'OK' and data and isinstance(data[0], tuple)
    say(ok, 'UID FETCH finds the APPENDUID', repr(data)[:200])
    if ok:
        meta, body = data[0]
        say(body == MSG1, 'FETCH BODY.PEEK[] gives the exact octets appended', repr(body[:80]))
        fl = re.search(rb'FLAGS \(([^)]*)\)', meta)
        fl = set(fl.group(1).split()) if fl else set()
        say({b'\\Seen', b'\\Flagged', b'$Label1'} <= fl, 'FETCH FLAGS has the appended flags',
            repr(meta))
        idate = imaplib.Internaldate2tuple(meta)
        say(idate is not None and calendar.timegm(time.gmtime(time.mktime(idate))) == T1,
            'FETCH INTERNALDATE is the appended date-time', repr(meta))
        say(re.search(rb'RFC822\.SIZE %d\b' % len(MSG1), meta) is not None,
            'RFC822.SIZE is the appended size', repr(meta))
    typ, data = uid_cmd(M, 'SEARCH', 'ALL')
    say(typ == 'OK' and str(uid).encode() in data[0].split(), 'UID SEARCH has the APPENDUID',
        repr(data))

    typ, data = M.append('Nope', None, None, b'Subject: x\r\n\r\nx\r\n')
    say(typ == 'NO' and b'[TRYCREATE]' in (data[0] or b''), 'APPEND to a missing mailbox: NO [TRYCREATE]',
        '%s %r' % (typ, data))
    typ, data = M.append('Target', r'(\Answered)', None, b'Subject: to target\r\n\r\nx\r\n')
    au = appenduid(data[0] or b'')
    v_t, uids_t = uidlist(maildir, 'Target')
    say(typ == 'OK' and au is not None and au[0] == v_t and au[1] in uids_t,
        'APPEND to another folder: APPENDUID in its own UID list', '%s %r %r' % (typ, data, uids_t))
    M.logout()
    return uid


def check_append_raw(port, user, password, maildir, limit):
    r = Raw(port)
    r.login(user, password)
    caps = b' '.join(r.cmd(b'C', b'CAPABILITY'))
    say(b'APPENDLIMIT=%d' % limit in caps, 'CAPABILITY has APPENDLIMIT=message_size_limit', repr(caps))
    lp = b'LITERAL+' in caps
    sel = r.cmd(b'S', b'SELECT INBOX')
    exists = [int(x.split()[1]) for x in sel if re.match(rb'\* \d+ EXISTS', x)]
    n0 = exists[-1] if exists else None

    # A synchronizing literal into the selected folder: "+", then EXISTS.
    msg = b'Subject: selected\r\n\r\nbody\r\n'
    r.send(b'A1 APPEND INBOX (\\Draft) {%d}\r\n' % len(msg))
    cont = r.line()
    say(cont.startswith(b'+ '), 'a synchronizing literal gets the continuation', repr(cont))
    r.send(msg + b'\r\n')
    out = r.until(b'A1')
    say(out[-1].startswith(b'A1 OK [APPENDUID '), 'APPEND into the selected folder: OK [APPENDUID]', repr(out))
    say(n0 is not None and b'* %d EXISTS' % (n0 + 1) in out,
        'APPEND into the selected folder reports its EXISTS', repr(out))
    say(any(re.match(rb'\* \d+ RECENT', x) for x in out), 'and RECENT', repr(out))
    au = appenduid(out[-1])
    if au:
        out = r.cmd(b'F', b'UID FETCH %d (FLAGS)' % au[1])
        say(any(b'\\Recent' in x and b'\\Draft' in x for x in out[:-1]),
            'the message appended into the selected folder is \\Recent here', repr(out))

    # LITERAL+ (RFC 7888): no continuation, a command pipelined behind.
    if lp:
        msg = b'Subject: literal plus\r\n\r\nnon-synchronizing\r\n'
        r.send(b'P1 APPEND INBOX (\\Answered) {%d+}\r\n%s\r\nP2 NOOP\r\n' % (len(msg), msg))
        out = r.until(b'P1')
        say(not any(x.startswith(b'+') for x in out) and out[-1].startswith(b'P1 OK [APPENDUID '),
            'LITERAL+ APPEND: no continuation, OK [APPENDUID]', repr(out))
        out2 = r.until(b'P2')
        say(out2[-1].startswith(b'P2 OK'), 'the command pipelined behind the literal is served', repr(out2))
        au = appenduid(out[-1])
        path = file_of(maildir, 'INBOX', au[1]) if au else None
        ok = False
        if path:
            with open(path, 'rb') as f:
                ok = f.read() == stored(msg) and letters(path) == 'R'
        say(ok, 'the LITERAL+ message is stored with its flag', repr(path))
    else:
        skip('LITERAL+ APPEND', 'LITERAL- configured')

    # The mailbox name as a literal too: only the last literal is the
    # message.
    msg = b'Subject: name literal\r\n\r\nx\r\n'
    r.send(b'A2 APPEND {5}\r\n')
    c1 = r.line()
    r.send(b'INBOX {%d}\r\n' % len(msg))
    c2 = r.line()
    r.send(msg + b'\r\n')
    out = r.until(b'A2')
    au = appenduid(out[-1])
    path = file_of(maildir, 'INBOX', au[1]) if au else None
    say(c1.startswith(b'+') and c2.startswith(b'+') and path is not None,
        'APPEND with the mailbox name as a literal', repr(out))

    before = set(files(maildir, 'INBOX'))
    # One message per APPEND (no MULTIAPPEND): the second literal is
    # refused, and the first is not saved.
    r.send(b'MA APPEND INBOX {3}\r\n')
    r.line()
    r.send(b'abc (\\Seen) {3}\r\n')
    out = r.until(b'MA')
    say(len(out) == 1 and out[0].startswith(b'MA BAD'), 'a second message in one APPEND: BAD', repr(out))
    # The folder renamed away while its literal arrives: NO, and nothing
    # put in the renamed directory.
    gone = folder_dir(maildir, 'Gone')
    part1, part2 = b'Subject: ', b'x\r\n\r\n'
    r.send(b'G1 APPEND Gone {%d}\r\n' % len(part1 + part2))
    cont = r.line()
    r.send(part1)
    time.sleep(0.2)
    os.rename(gone, gone + 'Moved')
    r.send(part2 + b'\r\n')
    out = r.until(b'G1')
    left = os.listdir(gone + 'Moved/cur') + os.listdir(gone + 'Moved/new') + os.listdir(gone + 'Moved/tmp')
    say(cont.startswith(b'+') and out[-1].startswith(b'G1 NO [TRYCREATE]') and left == [],
        'a folder renamed during the literal: NO [TRYCREATE], nothing left in it', '%r %r' % (out, left))
    # Refused before the octets: no continuation, the connection goes on.
    out = r.cmd(b'T1', b'APPEND Nope {5}')
    say(len(out) == 1 and out[0].startswith(b'T1 NO [TRYCREATE]'),
        'APPEND to a missing mailbox refused before the continuation', repr(out))
    out = r.cmd(b'B1', b'APPEND INBOX {%d}' % (limit + 1))
    say(len(out) == 1 and out[0].startswith(b'B1 NO [TOOBIG]'),
        'a literal over APPENDLIMIT: NO [TOOBIG] without a continuation', repr(out))
    out = r.cmd(b'D1', b'APPEND INBOX (\\Seen) "31-Feb-2020 10:00:00 +0000" {5}')
    say(len(out) == 1 and out[0].startswith(b'D1 BAD'), 'an impossible date-time: BAD before the continuation',
        repr(out))
    out = r.cmd(b'D2', b'APPEND INBOX (\\Seen "x") {5}')
    say(len(out) == 1 and out[0].startswith(b'D2 BAD'), 'a string in the flag list: BAD before the continuation',
        repr(out))
    out = r.cmd(b'E1', b'APPEND INBOX {0}')
    say(len(out) == 1 and out[0].startswith(b'E1 NO'), 'an empty message: NO', repr(out))
    if lp:
        # Too big and non-synchronizing: the octets are read and dropped.
        big = b'x' * (limit + 1)
        r.send(b'B2 APPEND INBOX {%d+}\r\n' % len(big) + big + b'\r\nB3 NOOP\r\n')
        out = r.until(b'B2')
        say(out[-1].startswith(b'B2 NO [TOOBIG]'), 'a LITERAL+ literal over APPENDLIMIT: NO [TOOBIG]', repr(out))
        out = r.until(b'B3')
        say(out[-1].startswith(b'B3 OK'), 'its octets are skipped, the next command is served', repr(out))
    r.send(b'Z1 APPEND INBOX {5}\r\n')
    cont = r.line()
    r.send(b'ab\x00cd\r\n')
    out = r.until(b'Z1')
    say(cont.startswith(b'+') and out[-1].startswith(b'Z1 BAD'), 'a NUL in the message: BAD', repr(out))
    out = r.cmd(b'N1', b'NOOP')
    say(out[-1].startswith(b'N1 OK'), 'the session goes on after the refusals', repr(out))
    after = set(files(maildir, 'INBOX'))
    say(after == before, 'nothing refused was stored', repr(after - before))
    say(os.listdir(os.path.join(maildir, 'tmp')) == [], 'and nothing left in tmp/',
        repr(os.listdir(os.path.join(maildir, 'tmp'))))
    r.cmd(b'O', b'LOGOUT')
    r.close()


def check_big(port, user, password, maildir):
    # 10 MB of CRLF lines, not compressible into a pattern the server
    # could keep small by accident.
    lines = [b'Subject: big\r\n', b'\r\n']
    h = hashlib.sha256(b'seed')
    size = 0
    while size < 10 * 1024 * 1024:
        h = hashlib.sha256(h.digest())
        line = (h.hexdigest() * 2)[:76].encode() + b'\r\n'
        lines.append(line)
        size += len(line)
    msg = b''.join(lines)
    r = Raw(port)
    r.login(user, password)
    pid = session_pid(port, r.local_port())
    if pid is None:
        say(False, 'the session process of the connection is found', 'ss shows none')
        return
    rss0 = proc_kb(pid, 'VmRSS')
    r.send(b'G1 APPEND INBOX {%d}\r\n' % len(msg))
    cont = r.line()
    peak = 0
    for i in range(0, len(msg), 1024 * 1024):
        r.send(msg[i:i + 1024 * 1024])
        peak = max(peak, proc_kb(pid, 'VmRSS') or 0)
    r.send(b'\r\n')
    out = r.until(b'G1')
    hwm = proc_kb(pid, 'VmHWM')
    say(cont.startswith(b'+') and out[-1].startswith(b'G1 OK [APPENDUID'), 'a 10 MB APPEND: OK', repr(out))
    say(hwm - rss0 < 4096 and peak - rss0 < 4096,
        'the session\'s memory grew by less than 4 MiB during the 10 MB APPEND',
        'RSS before %d kB, sampled peak %d kB, VmHWM %d kB' % (rss0, peak, hwm))
    au = appenduid(out[-1])
    path = file_of(maildir, 'INBOX', au[1]) if au else None
    ok = False
    if path:
        with open(path, 'rb') as f:
            ok = hashlib.sha256(f.read()).digest() == hashlib.sha256(stored(msg)).digest()
    say(ok, 'the 10 MB message is stored byte for byte', repr(path))
    r.cmd(b'O', b'LOGOUT')
    r.close()


def check_copy(port, user, password, maildir, first_uid):
    r = Raw(port)
    r.login(user, password)
    r.cmd(b'S', b'SELECT INBOX')
    v_in, uids_in = uidlist(maildir, 'INBOX')
    src = file_of(maildir, 'INBOX', first_uid)
    out = r.cmd(b'C1', b'UID COPY %d Target' % first_uid)
    cu = copyuid(out[-1])
    v_t, uids_t = uidlist(maildir, 'Target')
    say(out[-1].startswith(b'C1 OK') and cu is not None and cu[0] == v_t and cu[1] == [first_uid],
        'UID COPY: OK [COPYUID <target validity> <source uid> <new uid>]', repr(out))
    if cu is None:
        return
    dst = file_of(maildir, 'Target', cu[2][0])
    say(dst is not None and src is not None and os.stat(dst).st_ino == os.stat(src).st_ino,
        'the copy is a hard link of the source file', '%r %r' % (src, dst))
    # The internal date is the name's time part (where readers take it).
    say(dst is not None and os.path.basename(dst).split('.')[0] == str(T1),
        'the copy keeps the internal date in its name', repr(dst))
    kw = keywords(maildir, 'Target')
    say(kw.get('Other') == 0 and '$Label1' in kw, 'the keyword is added to the target\'s list by name', repr(kw))
    if dst:
        want = 'FS' + chr(ord('a') + kw.get('$Label1', 0))
        say(letters(dst) == want, 'the copy keeps the flags, the keyword under the target\'s letter',
            '%s vs %s' % (letters(dst), want))

    out = r.cmd(b'C2', b'COPY 1:2 Target')
    cu = copyuid(out[-1])
    first_two = sorted(uids_in)[:2]
    ok = out[-1].startswith(b'C2 OK') and cu is not None and cu[1] == first_two and len(cu[2]) == 2 \
        and cu[2] == sorted(cu[2])
    say(ok, 'COPY by sequence numbers: COPYUID with the source UIDs in order', repr(out))
    if cu:
        v_t, uids_t = uidlist(maildir, 'Target')
        say(all(u in uids_t for u in cu[2]) and cu[2][0] > max(u for u in uids_t if u not in cu[2]),
            'the new UIDs are in the target\'s UID list, above the ones before', repr(uids_t))
    out = r.cmd(b'C3', b'COPY 1 Nope')
    say(out[-1].startswith(b'C3 NO [TRYCREATE]'), 'COPY to a missing mailbox: NO [TRYCREATE]', repr(out))
    out = r.cmd(b'C4', b'UID COPY 4000000000 Target')
    say(out[-1].startswith(b'C4 OK') and b'COPYUID' not in out[-1], 'UID COPY of no message: OK, no COPYUID',
        repr(out))
    out = r.cmd(b'C5', b'COPY 99999 Target')
    say(out[-1].startswith(b'C5 BAD') or out[-1].startswith(b'C5 NO'),
        'COPY of a sequence number past the end is refused', repr(out))
    # The copy is \Recent for the session that has the target selected
    # (the first to see it), and for no session after it.
    r2 = Raw(port)
    r2.login(user, password)
    sel = r2.cmd(b'S', b'SELECT Target')
    nt = [int(x.split()[1]) for x in sel if re.match(rb'\* \d+ EXISTS', x)][-1]
    rt = [int(x.split()[1]) for x in sel if re.match(rb'\* \d+ RECENT', x)][-1]
    out = r.cmd(b'C7', b'COPY 1:2 Target')
    out2 = r2.cmd(b'N', b'NOOP')
    say(out[-1].startswith(b'C7 OK') and b'* %d EXISTS' % (nt + 2) in out2
        and b'* %d RECENT' % (rt + 2) in out2,
        'the session with the target selected sees the copies as new and \\Recent', repr(out2))
    r3 = Raw(port)
    r3.login(user, password)
    sel = r3.cmd(b'S', b'SELECT Target')
    say(b'* 0 RECENT' in sel, 'a later session does not see them as \\Recent', repr(sel))
    for c in (r2, r3):
        c.cmd(b'O', b'LOGOUT')
        c.close()
    r4 = Raw(port)
    r4.login(user, password)
    out = r.cmd(b'C8', b'COPY 1 Target')
    st1 = r.cmd(b'ST1', b'STATUS Target (RECENT)')
    out4 = r4.cmd(b'E', b'EXAMINE Target')
    say(b'* 1 RECENT' in out4, 'a copy into a folder nobody has selected is \\Recent for the next session',
        repr(out4))
    st2 = r.cmd(b'ST2', b'STATUS Target (RECENT)')
    st_ro = r4.cmd(b'ST4', b'STATUS Target (RECENT)')
    say(any(b'(RECENT 1)' in x for x in st_ro), 'STATUS of the folder EXAMINEd counts its recent copy once',
        repr(st_ro))
    r4.cmd(b'S', b'SELECT Target')
    st3 = r.cmd(b'ST3', b'STATUS Target (RECENT)')
    say(b'(RECENT 1)' in st1[0] and b'(RECENT 1)' in st2[0] and b'(RECENT 0)' in st3[0],
        'STATUS RECENT counts the copy until a SELECT (not an EXAMINE) claims it',
        repr([st1[0], st2[0], st3[0]]))
    r4.cmd(b'O', b'LOGOUT')
    r4.close()
    # All or nothing: a target whose cur/ refuses links gets no file.
    tcur = os.path.join(folder_dir(maildir, 'Target'), 'cur')
    nfiles = len(files(maildir, 'Target'))
    if os.geteuid() == 0 and os.stat(maildir).st_uid != 0:
        os.chmod(tcur, 0o500)
        out = r.cmd(b'C6', b'COPY 1:3 Target')
        os.chmod(tcur, 0o700)
        say(out[-1].startswith(b'C6 NO') and len(files(maildir, 'Target')) == nfiles,
            'a COPY that fails leaves nothing in the target', repr(out))
    else:
        skip('a COPY that fails leaves nothing in the target', 'needs root and a non-root mailbox owner')
    r.cmd(b'O', b'LOGOUT')
    r.close()


def check_move(port, user, password, maildir):
    r = Raw(port)
    r.login(user, password)
    sel = r.cmd(b'S', b'SELECT INBOX')
    n0 = [int(x.split()[1]) for x in sel if re.match(rb'\* \d+ EXISTS', x)][-1]
    v_in, uids_in = uidlist(maildir, 'INBOX')
    first = min(uids_in)
    ino = os.stat(file_of(maildir, 'INBOX', first)).st_ino
    out = r.cmd(b'M1', b'MOVE 1 Target')
    cu = copyuid(out[0]) if out else None
    v_t, uids_t = uidlist(maildir, 'Target')
    say(len(out) == 3 and out[0].startswith(b'* OK [COPYUID ') and out[1] == b'* 1 EXPUNGE'
        and out[2].startswith(b'M1 OK'),
        'MOVE: * OK [COPYUID], then * 1 EXPUNGE, then the tagged OK', repr(out))
    say(cu is not None and cu[0] == v_t and cu[1] == [first], 'the COPYUID of MOVE names the source UID',
        repr(out))
    if cu:
        dst = file_of(maildir, 'Target', cu[2][0])
        say(dst is not None and os.stat(dst).st_ino == ino and file_of(maildir, 'INBOX', first) is None,
            'the moved file is in the target, gone from the source', repr(dst))
    v_in, uids_in = uidlist(maildir, 'INBOX')
    live = sorted(u for u in uids_in if file_of(maildir, 'INBOX', u))
    u2 = live[1]
    out = r.cmd(b'M2', b'UID MOVE %d Target' % u2)
    cu = copyuid(out[0]) if out else None
    say(len(out) == 3 and cu is not None and cu[1] == [u2] and out[1] == b'* 2 EXPUNGE'
        and out[2].startswith(b'M2 OK'),
        'UID MOVE: COPYUID, the EXPUNGE of its sequence number, OK', repr(out))
    # Within one folder: a new UID, the old one expunged, the count kept.
    u3 = live[0]
    out = r.cmd(b'M3', b'UID MOVE %d INBOX' % u3)
    cu = copyuid(out[0]) if out else None
    # The client's count, followed through the responses in their order.
    count, seen = n0 - 2, set()
    for x in out[1:-1]:
        m = re.match(rb'\* (\d+) (EXISTS|EXPUNGE)', x)
        if m and m.group(2) == b'EXISTS':
            count = int(m.group(1))
        elif m:
            count -= 1
        if m:
            seen.add(m.group(2))
    ok = cu is not None and cu[1] == [u3] and cu[2][0] > max(live) and b'* 1 EXPUNGE' in out \
        and out.index(b'* 1 EXPUNGE') > 0 and out[-1].startswith(b'M3 OK') and count == n0 - 2 \
        and seen == {b'EXISTS', b'EXPUNGE'}
    say(ok, 'MOVE within the selected folder: COPYUID, EXISTS and EXPUNGE, the count kept, OK', repr(out))
    out = r.cmd(b'M4', b'MOVE 1 Nope')
    say(out[-1].startswith(b'M4 NO [TRYCREATE]') and not any(b'EXPUNGE' in x for x in out),
        'MOVE to a missing mailbox: NO [TRYCREATE], nothing expunged', repr(out))
    out = r.cmd(b'X', b'EXAMINE INBOX')
    say(out[-1].startswith(b'X OK'), 'EXAMINE INBOX', repr(out))
    out = r.cmd(b'M5', b'MOVE 1 Target')
    say(out[-1].startswith(b'M5 NO') and not any(b'EXPUNGE' in x for x in out),
        'MOVE out of an EXAMINEd folder: NO', repr(out))
    r.cmd(b'O', b'LOGOUT')
    r.close()


def check_concurrent(port, user, password, maildir):
    """Four clients append to one folder at once while two sessions have
    it selected: every UID is given once, to one file, and each message
    is \\Recent in exactly one of the two sessions."""
    import threading
    watchers = []
    for _ in range(2):
        w = Raw(port)
        w.login(user, password)
        sel = w.cmd(b'S', b'SELECT Target')
        watchers.append([w, [int(x.split()[1]) for x in sel if re.match(rb'\* \d+ EXISTS', x)][-1],
                         [int(x.split()[1]) for x in sel if re.match(rb'\* \d+ RECENT', x)][-1]])
    before = set(files(maildir, 'Target'))
    uids, errors = [], []

    def client(k):
        try:
            M = imaplib.IMAP4('127.0.0.1', port)
            M.login(user, password)
            for i in range(20):
                typ, data = M.append('Target', None, None,
                                     b'Subject: c%d-%d\r\n\r\nbody\r\n' % (k, i))
                au = appenduid(data[0] or b'')
                if typ != 'OK' or au is None:
                    errors.append(repr(data))
                else:
                    uids.append(au[1])
            M.logout()
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    v, ul = uidlist(maildir, 'Target')
    new = set(files(maildir, 'Target')) - before
    bases = set(f.split(',')[0] for f in new)
    say(not errors and len(uids) == 80 and len(set(uids)) == 80, 'four clients appending at once: 80 distinct UIDs',
        repr(errors[:3]))
    say(len(new) == 80 and all(ul.get(u) in bases for u in uids), 'each UID names its own new file', repr(len(new)))
    recent = 0
    for w, n, r0 in watchers:
        out = w.cmd(b'N', b'NOOP')
        ex = [int(x.split()[1]) for x in out if re.match(rb'\* \d+ EXISTS', x)]
        rc = [int(x.split()[1]) for x in out if re.match(rb'\* \d+ RECENT', x)]
        say(ex and ex[-1] == n + 80, 'a session with the folder selected sees all 80', repr(out[-3:]))
        recent += (rc[-1] if rc else r0) - r0
        w.cmd(b'O', b'LOGOUT')
        w.close()
    say(recent == 80, 'each new message is \\Recent in one session only', 'recent counts sum to %d' % recent)


def kill_mid_append(port, user, password, maildir):
    before = set(files(maildir, 'INBOX'))
    r = Raw(port)
    r.login(user, password)
    pid = session_pid(port, r.local_port())
    r.send(b'K1 APPEND INBOX (\\Seen) {200000}\r\n')
    cont = r.line()
    r.send(b'Subject: cut\r\n\r\n' + b'y' * 100000)
    time.sleep(0.5)
    if pid is None or not cont.startswith(b'+'):
        say(False, 'the session is found and waits for the literal', '%r %r' % (pid, cont))
        return
    os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not os.path.exists('/proc/%d' % pid):
            break
        time.sleep(0.1)
    r.close()
    after = set(files(maildir, 'INBOX'))
    say(after == before, 'an APPEND cut by kill -9 leaves nothing in cur/ or new/', repr(after - before))
    with open(os.path.join(maildir, 'tern-uidlist')) as f:
        text = f.read()
    say(text.endswith('\n') and all(re.match(r'^(T1 V\d+ N\d+|\d+ \S+)$', x) for x in text.splitlines()),
        'the UID list is whole after the kill', repr(text[-200:]))
    M = imaplib.IMAP4('127.0.0.1', port)
    M.login(user, password)
    typ, data = M.append('INBOX', None, None, b'Subject: after the kill\r\n\r\nfine\r\n')
    au = appenduid(data[0] or b'')
    path = file_of(maildir, 'INBOX', au[1]) if au else None
    say(typ == 'OK' and path is not None, 'the next APPEND works', '%s %r' % (typ, data))
    say(set(files(maildir, 'INBOX')) - before == {os.path.basename(path or '')},
        'and adds exactly its own message', repr(set(files(maildir, 'INBOX')) - before))
    M.logout()


def main():
    what, port, user, password, maildir = sys.argv[1:6]
    port = int(port)
    if what == 'all':
        limit = int(sys.argv[6])
        uid = check_append_imaplib(port, user, password, maildir)
        check_append_raw(port, user, password, maildir, limit)
        check_big(port, user, password, maildir)
        if uid is not None:
            check_copy(port, user, password, maildir, uid)
        check_move(port, user, password, maildir)
        check_concurrent(port, user, password, maildir)
    elif what == 'kill':
        kill_mid_append(port, user, password, maildir)


if __name__ == '__main__':
    main()
