# imap_check.py - IMAP session checks for t_imap.sh: python's imaplib for a
# plain client session, and a raw-wire client (class Wire) for what imaplib
# hides or lacks: the order and text of untagged data, IDLE, ID, ENABLE,
# LITERAL+, several sessions interleaved, malformed input.  Every check
# prints one line, "ok DESC" or "FAIL DESC: DETAIL"; t_imap.sh turns them
# into its own results.  Each section runs on a mailbox of its own:
#
#   imap_check.py SECTION PORT USER PASS DELIVER MAILDIR [POP3PORT]
#
# DELIVER says how a new message arrives: "smtp:PORT" (SMTP to the
# instance, which delivers it) or "maildir:" (a file written into
# MAILDIR/new, owned as MAILDIR is).  MAILDIR is the user's Maildir, for
# the checks on disk.  Sections:
#   caps       LOGIN's tagged [CAPABILITY], CAPABILITY after login
#   session    an imaplib walk: APPEND, LIST, STATUS, FETCH, SEARCH,
#              STORE, COPY, UID commands
#   select     SELECT/EXAMINE untagged data, \Recent's one-session rule,
#              READ-ONLY refusing changes
#   noop       NOOP reporting a delivery (EXISTS, RECENT)
#   concurrent two sessions seeing each other's STORE and EXPUNGE
#   noexpunge  no EXPUNGE during FETCH, STORE or SEARCH (RFC 3501 §7.4.1)
#   idle       IDLE woken by a delivery, a STORE and an EXPUNGE elsewhere
#   idenable   ID and ENABLE
#   close      UNSELECT keeps \Deleted messages, CLOSE expunges silently
#   expunge    EXPUNGE and UID EXPUNGE
#   bad        malformed commands, deep parentheses, huge literals,
#              commands in the wrong state, names leaving the Maildir
#   pop3       a POP3 DELE+QUIT seen by an IMAP session as EXPUNGE
import imaplib
import os
import poplib
import re
import smtplib
import socket
import sys
import time

from tnet import connect

SYSTEM_FLAGS = {'\\answered', '\\flagged', '\\deleted', '\\seen', '\\draft'}


def say(ok, desc, detail=''):
    if ok:
        print('ok %s' % desc)
    else:
        detail = str(detail)[:800].replace('\r', '\\r').replace('\n', '\\n')
        print('FAIL %s: %s' % (desc, detail))
    sys.stdout.flush()


class Wire:
    """A raw IMAP connection: commands go out as written, each response
    line comes back as bytes without its CRLF, literals inlined (the
    line "... {n}" is followed by the n octets and the rest of the line)."""

    def __init__(self, port, timeout=20):
        self.sock = connect(port, timeout=timeout)
        self.buf = b''
        self.ntag = 0
        self.seen = []      # every response line read, in order
        self.greeting = self.line()

    def fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError('connection closed')
        self.buf += d

    def raw_line(self):
        while b'\r\n' not in self.buf:
            self.fill()
        line, _, self.buf = self.buf.partition(b'\r\n')
        return line

    def line(self):
        """One response: a line with its literals."""
        out = self.raw_line()
        while True:
            m = re.search(rb'\{(\d+)\}$', out)
            if not m:
                self.seen.append(out)
                return out
            n = int(m.group(1))
            while len(self.buf) < n:
                self.fill()
            out += b'\r\n' + self.buf[:n]
            self.buf = self.buf[n:]
            out += self.raw_line()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def tag(self):
        self.ntag += 1
        return 'a%d' % self.ntag

    def cmd(self, text, tag=None):
        """Send "TAG text", read up to its tagged response: (untagged
        lines, the tagged line)."""
        tag = tag or self.tag()
        self.send('%s %s\r\n' % (tag, text))
        return self.until_tagged(tag)

    def until_tagged(self, tag):
        untagged = []
        t = tag.encode() + b' '
        while True:
            line = self.line()
            if line.startswith(t):
                return untagged, line
            untagged.append(line)

    def wait_for(self, pattern, seconds):
        """Read lines until one matches pattern (bytes regex) or seconds
        pass: (the lines read, the match or None)."""
        got = []
        end = time.time() + seconds
        while time.time() < end:
            self.sock.settimeout(max(0.1, end - time.time()))
            try:
                line = self.line()
            except (socket.timeout, TimeoutError):
                break
            got.append(line)
            if re.search(pattern, line):
                self.sock.settimeout(20)
                return got, line
        self.sock.settimeout(20)
        return got, None

    def quiet(self, seconds):
        """Whatever arrives within seconds, as lines."""
        got, _ = self.wait_for(rb'(?!x)x', seconds)
        return got

    def login(self, user, password):
        return self.cmd('LOGIN %s %s' % (qs(user), qs(password)))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def qs(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def ok_line(tagged):
    return re.match(rb'^\S+ OK\b', tagged) is not None


def status_of(tagged):
    m = re.match(rb'^\S+ (OK|NO|BAD)\b', tagged)
    return m.group(1).decode() if m else '?'


def untagged_num(lines, word):
    """The numbers n of "* n WORD" lines, in order."""
    out = []
    for ln in lines:
        m = re.match(rb'^\* (\d+) ' + word.encode() + rb'\b', ln, re.I)
        if m:
            out.append(int(m.group(1)))
    return out


def code_value(lines, code):
    for ln in lines:
        m = re.search(rb'\[' + code.encode() + rb' ([^\]]*)\]', ln, re.I)
        if m:
            return m.group(1).decode()
    return None


def show(lines):
    return b' | '.join(lines).decode('latin-1')


def message(subject, body='body of the message\r\n', frm='alice@localhost', to='bob@localhost'):
    return ('From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s.%d@imap-check>\r\n'
            'Date: Mon, 07 Dec 2026 20:00:00 +0000\r\n\r\n%s' %
            (frm, to, subject, re.sub(r'\W', '', subject), int(time.time() * 1000000), body)).encode()


class Ctx:
    def __init__(self, argv):
        self.section = argv[0]
        self.port = int(argv[1])
        self.user = argv[2]
        self.password = argv[3]
        self.deliver_spec = argv[4]
        self.maildir = argv[5]
        self.pop3 = int(argv[6]) if len(argv) > 6 else 0
        self.ndeliver = 0

    def wire(self, select=None, examine=False):
        w = Wire(self.port)
        _, t = w.login(self.user, self.password)
        if not ok_line(t):
            raise SystemExit('FAIL LOGIN as %s: %r' % (self.user, t))
        if select:
            u, t = w.cmd('%s %s' % ('EXAMINE' if examine else 'SELECT', select))
            if not ok_line(t):
                raise SystemExit('FAIL SELECT %s: %r' % (select, t))
            w.selected = u
        return w

    def imaplib(self):
        m = imaplib.IMAP4('127.0.0.1', self.port, timeout=20)
        m.login(self.user, self.password)
        return m

    def deliver(self, subject):
        """A new message for the user, by the instance (SMTP) or straight
        into new/."""
        self.ndeliver += 1
        data = message(subject, to=self.user)
        if self.deliver_spec.startswith('smtp:'):
            s = smtplib.SMTP('127.0.0.1', int(self.deliver_spec[5:]), timeout=30)
            s.sendmail('alice@localhost', [self.user], data)
            s.quit()
            return
        st = os.stat(os.path.dirname(self.maildir.rstrip('/')))
        for sub in ('tmp', 'new', 'cur'):
            if not os.path.isdir(os.path.join(self.maildir, sub)):
                os.makedirs(os.path.join(self.maildir, sub))
                os.chown(self.maildir, st.st_uid, st.st_gid)
                os.chown(os.path.join(self.maildir, sub), st.st_uid, st.st_gid)
        base = '%d.M%dP%dQ%d.imapcheck' % (time.time(), time.time_ns() % 1000000,
                                            os.getpid(), self.ndeliver)
        tmp = os.path.join(self.maildir, 'tmp', base)
        with open(tmp, 'wb') as f:
            f.write(data.replace(b'\r\n', b'\n'))
        os.chown(tmp, st.st_uid, st.st_gid)
        os.rename(tmp, os.path.join(self.maildir, 'new', base))

    def append(self, n, prefix='msg', box='INBOX', flags=None):
        """n messages APPENDed over one connection; their UIDs."""
        m = self.imaplib()
        uids = []
        for i in range(n):
            typ, data = m.append(box, flags, None, message('%s %d' % (prefix, i + 1), to=self.user))
            if typ != 'OK':
                raise SystemExit('FAIL APPEND to %s: %r' % (box, data))
            mm = re.search(rb'APPENDUID \d+ (\d+)', data[0] or b'')
            uids.append(int(mm.group(1)) if mm else 0)
        m.logout()
        return uids

    def files(self):
        """The message files of the Maildir (INBOX), new/ and cur/."""
        out = []
        for sub in ('new', 'cur'):
            d = os.path.join(self.maildir, sub)
            if os.path.isdir(d):
                out += [os.path.join(sub, n) for n in os.listdir(d)]
        return sorted(out)


def sec_caps(c):
    w = Wire(c.port)
    say(re.match(rb'^\* OK \[CAPABILITY IMAP4rev1 [^\]]*\]', w.greeting, re.I) is not None,
        'the greeting is * OK with its capabilities', w.greeting)
    u, t = w.cmd('CAPABILITY')
    pre = b' '.join(x for x in u if x.upper().startswith(b'* CAPABILITY'))
    say(re.search(rb'\bAUTH=PLAIN\b', pre) is not None and b'IMAP4rev1' in pre,
        'CAPABILITY before login offers AUTH=PLAIN on loopback', pre)
    u, t = w.login(c.user, c.password)
    m = re.match(rb'^\S+ OK \[CAPABILITY ([^\]]*)\]', t)
    say(m is not None, 'the tagged OK of LOGIN carries the post-login [CAPABILITY]', t)
    login_caps = set(m.group(1).decode().upper().split()) if m else set()
    u, t = w.cmd('CAPABILITY')
    capline = [x for x in u if x.upper().startswith(b'* CAPABILITY ')]
    say(len(capline) == 1 and ok_line(t), 'CAPABILITY after login: one untagged line, OK', show(u + [t]))
    caps = set(capline[0].decode().upper().split()[2:]) if capline else set()
    want = ['IMAP4REV1', 'IDLE', 'UIDPLUS', 'MOVE', 'NAMESPACE', 'ENABLE', 'ID', 'UNSELECT',
            'CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS',
            'STATUS=SIZE', 'SASL-IR']
    missing = [x for x in want if x not in caps]
    say(not missing, 'CAPABILITY after login lists %s' % ' '.join(want), 'missing %s in %s' % (missing, caps))
    say(('LITERAL+' in caps) != ('LITERAL-' in caps), 'one of LITERAL+ and LITERAL-, never both', caps)
    lim = [x for x in caps if x.startswith('APPENDLIMIT=')]
    say(len(lim) == 1 and lim[0][12:].isdigit() and int(lim[0][12:]) > 0,
        'APPENDLIMIT=n with the size limit', lim)
    say(not any(x.startswith('AUTH=') for x in caps) and 'STARTTLS' not in caps
        and 'LOGINDISABLED' not in caps,
        'no AUTH=, STARTTLS or LOGINDISABLED after login (RFC 3501 §6.2)', caps)
    say(login_caps == caps, 'LOGIN\'s [CAPABILITY] is the same list', '%s vs %s' % (login_caps, caps))
    u, t = w.cmd('LOGOUT')
    say(any(x.startswith(b'* BYE') for x in u) and ok_line(t), 'LOGOUT: * BYE then the tagged OK', show(u + [t]))


def sec_session(c):
    """A client session through imaplib, every answer checked on content."""
    m = c.imaplib()
    typ, data = m.list()
    names = [re.sub(rb'^\([^)]*\) "?[^ ]*"? ', b'', x).strip(b'"') for x in data]
    say(typ == 'OK' and b'INBOX' in names, 'LIST shows INBOX', data)
    special = {}
    for x in data:
        mm = re.match(rb'^\(([^)]*)\) "/" "?([^"]*)"?$', x)
        if mm:
            for a in mm.group(1).split():
                special[a.lower()] = mm.group(2)
    say(all(special.get(a) == n for a, n in ((b'\\drafts', b'Drafts'), (b'\\sent', b'Sent'),
                                             (b'\\trash', b'Trash'), (b'\\junk', b'Junk'),
                                             (b'\\archive', b'Archive'))),
        'a new user has Drafts, Sent, Trash, Junk, Archive with their SPECIAL-USE attributes', data)
    for name in ('Work', 'Work/Projects'):
        typ, data = m.create(name)
        say(typ == 'OK', 'CREATE %s' % name, data)
    typ, data = m.list('""', 'Work*')
    say(typ == 'OK' and any(x.endswith(b'"Work/Projects"') or x.endswith(b' Work/Projects') for x in data)
        and any(re.search(rb'\\HasChildren', x) and x.rstrip(b'"').endswith(b'Work') for x in data),
        'LIST Work* shows Work with \\HasChildren and Work/Projects', data)
    # RFC 3501 §6.3.3: CREATE SHOULD make the superior names it needs.
    typ, data = m.create('Deep/Er')
    typ2, data2 = m.list('""', 'Deep')
    say(typ == 'OK' and typ2 == 'OK' and data2 and data2[0] is not None and
        any(x.rstrip(b'"').endswith(b'Deep') and re.search(rb'\\HasChildren', x) for x in data2),
        'CREATE Deep/Er makes Deep, listed with \\HasChildren', '%s %s' % (data, data2))
    body = b'From: alice@localhost\r\nSubject: hello there\r\nTo: bob@localhost\r\n\r\nline one\r\nline two\r\n'
    typ, data = m.append('INBOX', '(\\Flagged)', None, body)
    mm = re.search(rb'\[APPENDUID (\d+) (\d+)\]', data[0] or b'')
    say(typ == 'OK' and mm is not None, 'APPEND answers [APPENDUID uidvalidity uid]', data)
    auid = int(mm.group(2)) if mm else 0
    typ, data = m.status('INBOX', '(MESSAGES UIDNEXT UNSEEN SIZE)')
    sm = re.search(rb'MESSAGES (\d+)', data[0] or b'')
    say(typ == 'OK' and sm and int(sm.group(1)) >= 1 and b'UNSEEN' in data[0] and
        re.search(rb'SIZE %d\b' % len(body), data[0]) is not None,
        'STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE)', data)
    typ, data = m.select('INBOX')
    n = int(data[0])
    say(typ == 'OK' and n >= 1, 'SELECT INBOX', data)
    typ, data = m.uid('FETCH', str(auid), '(FLAGS RFC822.SIZE BODY.PEEK[])')
    blob = data[0][1] if data and isinstance(data[0], tuple) else b''
    say(blob == body, 'UID FETCH BODY.PEEK[] returns the appended octets exactly', data)
    say(re.search(rb'FLAGS \([^)]*\\Flagged', data[0][0] if blob else b'') is not None and
        re.search(rb'RFC822\.SIZE %d\b' % len(body), data[0][0] if blob else b'') is not None,
        'UID FETCH: the APPEND flags and RFC822.SIZE', data)
    typ, data = m.uid('FETCH', str(auid), '(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<5.8>)')
    got = b''.join(x[1] for x in data if isinstance(x, tuple))
    say(b'Subject: hello there\r\n\r\n' in got and b'one\r\nlin' in got,
        'BODY.PEEK[HEADER.FIELDS (SUBJECT)] and a partial BODY.PEEK[TEXT]<5.8>', data)
    typ, data = m.uid('SEARCH', None, 'SUBJECT', '"hello there"', 'FLAGGED', 'UNSEEN')
    say(typ == 'OK' and data[0].split() == [str(auid).encode()], 'UID SEARCH SUBJECT ... FLAGGED UNSEEN', data)
    typ, data = m.uid('STORE', str(auid), '+FLAGS', '(\\Seen $Label1)')
    say(typ == 'OK' and re.search(rb'\\Seen', b' '.join(x for x in data if isinstance(x, bytes))) is not None
        and b'$Label1' in b' '.join(x for x in data if isinstance(x, bytes)),
        'UID STORE +FLAGS (\\Seen $Label1) answers the new flags', data)
    typ, data = m.uid('COPY', str(auid), 'Work/Projects')
    typ2, code = m.response('COPYUID')
    say(typ == 'OK' and code and code[0] is not None and re.match(rb'\d+ %d \d+$' % auid, code[0]) is not None,
        'UID COPY answers [COPYUID uidvalidity %d uid]' % auid, '%s %s' % (data, code))
    typ, data = m.status('Work/Projects', '(MESSAGES)')
    say(typ == 'OK' and b'MESSAGES 1' in data[0], 'the copy is in Work/Projects', data)
    typ, data = m.uid('MOVE', str(auid), 'Archive')
    say(typ == 'OK', 'UID MOVE to Archive', data)
    typ, data = m.status('INBOX', '(MESSAGES)')
    say(typ == 'OK' and b'MESSAGES %d' % (n - 1) in data[0], 'MOVE took it out of INBOX', data)
    typ, data = m.select('Archive')
    if typ != 'OK':
        say(False, 'SELECT Archive', data)
        return
    typ, data = m.fetch('1', '(FLAGS BODY.PEEK[])')
    say(typ == 'OK' and isinstance(data[0], tuple) and data[0][1] == body and
        b'$Label1' in data[0][0] and b'\\Seen' in data[0][0],
        'the moved message kept its octets and flags', data)
    typ, data = m.delete('Work/Projects')
    say(typ == 'OK', 'DELETE Work/Projects', data)
    typ, data = m.rename('Work', 'Play')
    say(typ == 'OK', 'RENAME Work Play', data)
    typ, data = m.list('""', '*')
    say(any(x.endswith(b'Play') or x.endswith(b'Play"') for x in data) and
        not any(b'Work' in x for x in data), 'LIST shows Play, no Work', data)
    m.logout()


def sec_select(c):
    c.deliver('recent 1')
    c.deliver('recent 2')
    wait_files(c, 2)
    uids = c.append(2, 'appended')
    w = c.wire()
    # RFC 3501 §6.3.10: STATUS counts \Recent as SELECT will, and takes
    # it from nobody; APPEND sets it too (§6.3.11).
    u, t = w.cmd('STATUS INBOX (MESSAGES RECENT)')
    say(any(re.search(rb'MESSAGES 4 RECENT 4\)', x) for x in u),
        'STATUS before any SELECT: MESSAGES 4 RECENT 4 (two delivered, two appended)', show(u + [t]))
    u, t = w.cmd('SELECT INBOX')
    say(ok_line(t) and re.search(rb'\[READ-WRITE\]', t) is not None, 'SELECT INBOX: tagged OK [READ-WRITE]', t)
    flags = [x for x in u if re.match(rb'^\* FLAGS \(', x, re.I)]
    fl = set(re.findall(rb'\\?[^\s()]+', flags[0][9:].lower())) if flags else set()
    say(len(flags) == 1 and {f.encode() for f in SYSTEM_FLAGS} <= fl, 'SELECT: * FLAGS with the five system flags', show(u))
    say(untagged_num(u, 'EXISTS') == [4], 'SELECT: * 4 EXISTS', show(u))
    rec = untagged_num(u, 'RECENT')
    say(rec == [4], 'SELECT: * 4 RECENT, delivered and appended messages alike', show(u))
    uv = code_value(u, 'UIDVALIDITY')
    say(uv is not None and uv.isdigit() and int(uv) > 0, 'SELECT: * OK [UIDVALIDITY n], n > 0', show(u))
    un = code_value(u, 'UIDNEXT')
    say(un is not None and un.isdigit() and int(un) > max(uids), 'SELECT: * OK [UIDNEXT n] above every UID', show(u))
    pf = code_value(u, 'PERMANENTFLAGS')
    say(pf is not None and '\\*' in pf and all(f in pf.lower() for f in SYSTEM_FLAGS),
        'SELECT: * OK [PERMANENTFLAGS (... \\*)]', show(u))
    u, t = w.cmd('FETCH 1:* (FLAGS UID)')
    rflags = [x for x in u if b'\\Recent' in x]
    say(ok_line(t) and len(rflags) == rec[0] if rec else False, 'the first session sees \\Recent on those messages', show(u))
    u, t = w.cmd('UID FETCH %d (UID)' % uids[0])
    say(ok_line(t) and any(re.search(rb'UID %d\b' % uids[0], x) for x in u), 'UID FETCH of an APPENDUID uid', show(u))

    # RFC 3501 §2.3.2: \Recent belongs to one session only.
    w2 = c.wire()
    u2, t2 = w2.cmd('SELECT INBOX')
    say(untagged_num(u2, 'RECENT') == [0], 'a second session: * 0 RECENT (\\Recent is one session\'s)', show(u2))
    say(code_value(u2, 'UIDVALIDITY') == uv, 'the same UIDVALIDITY for both', show(u2))
    u2, t2 = w2.cmd('EXAMINE INBOX')
    say(ok_line(t2) and re.search(rb'\[READ-ONLY\]', t2) is not None, 'EXAMINE: tagged OK [READ-ONLY]', t2)
    say(untagged_num(u2, 'EXISTS') == [4] and code_value(u2, 'UIDVALIDITY') == uv,
        'EXAMINE: EXISTS and the same UIDVALIDITY', show(u2))
    u2, t2 = w2.cmd('UID FETCH %d BODY[]' % uids[0])
    say(ok_line(t2) and any(b'Subject: appended 1' in x for x in u2), 'EXAMINE: FETCH BODY[] works', show(u2)[:300])
    u2, t2 = w2.cmd('UID FETCH %d FLAGS' % uids[0])
    say(not any(b'\\Seen' in x for x in u2), 'EXAMINE: FETCH BODY[] does not set \\Seen (RFC 3501 §6.3.2)', show(u2))
    u2, t2 = w2.cmd('UID STORE %d +FLAGS (\\Flagged)' % uids[0])
    u3, t3 = w2.cmd('UID FETCH %d FLAGS' % uids[0])
    say(status_of(t2) in ('NO', 'OK') and not any(b'\\Flagged' in x for x in u2 + u3),
        'EXAMINE: STORE changes no flag (%s)' % status_of(t2), show(u2 + [t2] + u3))
    u2, t2 = w2.cmd('UID STORE %d +FLAGS.SILENT (\\Deleted)' % uids[0])
    u2, t2 = w2.cmd('EXPUNGE')
    say(not untagged_num(u2, 'EXPUNGE') and len(c.files()) == 4,
        'EXAMINE: EXPUNGE removes nothing (%s)' % status_of(t2), show(u2 + [t2]))
    u2, t2 = w2.cmd('SELECT INBOX')
    say(ok_line(t2) and re.search(rb'\[READ-WRITE\]', t2) is not None, 'SELECT after EXAMINE: READ-WRITE again', t2)
    u, t = w.cmd('SELECT "no such folder"')
    say(status_of(t) == 'NO', 'SELECT of a missing folder: NO', t)
    u, t = w.cmd('FETCH 1 FLAGS')
    say(status_of(t) == 'BAD', 'a failed SELECT leaves the selected state (FETCH is BAD)', t)
    w.close()
    w2.close()


def wait_files(c, n, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if len(c.files()) >= n:
            return True
        time.sleep(0.1)
    print('FAIL delivery of %d messages to %s: %d after %ds' % (n, c.maildir, len(c.files()), seconds))
    return False


def sec_noop(c):
    c.append(2, 'before')
    w = c.wire('INBOX')
    say(untagged_num(w.selected, 'EXISTS') == [2], 'SELECT: 2 EXISTS', show(w.selected))
    u, t = w.cmd('NOOP')
    say(ok_line(t) and not untagged_num(u, 'EXISTS'), 'NOOP with nothing new says nothing', show(u + [t]))
    c.deliver('arrived during NOOP')
    got = []
    end = time.time() + 20
    while time.time() < end:
        u, t = w.cmd('NOOP')
        got += u
        if untagged_num(u, 'EXISTS'):
            break
        time.sleep(0.2)
    say(untagged_num(got, 'EXISTS') == [3], 'NOOP after a delivery: * 3 EXISTS', show(got))
    say(untagged_num(got, 'RECENT') == [3], 'and * 3 RECENT (two appended before SELECT, one new)', show(got))
    u, t = w.cmd('FETCH 3 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    say(any(b'Subject: arrived during NOOP' in x for x in u) and any(b'\\Recent' in x for x in u),
        'the new message is message 3, \\Recent', show(u))
    u, t = w.cmd('CHECK')
    say(ok_line(t), 'CHECK', t)
    w.close()


def sec_concurrent(c):
    c.append(4, 'shared')
    a = c.wire('INBOX')
    b = c.wire('INBOX')
    u, t = a.cmd('STORE 1 +FLAGS (\\Flagged)')
    say(ok_line(t) and any(re.match(rb'^\* 1 FETCH \(.*FLAGS \([^)]*\\Flagged', x) for x in u),
        'STORE answers with the new FLAGS', show(u))
    u, t = b.cmd('NOOP')
    say(any(re.match(rb'^\* 1 FETCH \(.*FLAGS \([^)]*\\Flagged', x) for x in u),
        'the other session\'s NOOP: * 1 FETCH (FLAGS (\\Flagged))', show(u))
    u, t = b.cmd('STORE 2 +FLAGS.SILENT (\\Seen $Work)')
    say(ok_line(t) and not any(re.match(rb'^\* 2 FETCH', x) for x in u), 'STORE .SILENT answers no FETCH', show(u))
    u, t = a.cmd('NOOP')
    f2 = [x for x in u if re.match(rb'^\* 2 FETCH', x)]
    say(len(f2) == 1 and b'\\Seen' in f2[0] and b'$Work' in f2[0],
        'the first session sees the keyword and \\Seen (* 2 FETCH)', show(u))
    say(any(re.match(rb'^\* FLAGS \(.*\$Work', x) for x in u),
        'a new keyword comes with a new * FLAGS', show(u))
    u, t = a.cmd('STORE 3 +FLAGS.SILENT (\\Deleted)')
    u, t = a.cmd('EXPUNGE')
    say(ok_line(t) and untagged_num(u, 'EXPUNGE') == [3], 'EXPUNGE: * 3 EXPUNGE', show(u))
    u, t = b.cmd('NOOP')
    say(untagged_num(u, 'EXPUNGE') == [3], 'the other session\'s NOOP: * 3 EXPUNGE', show(u))
    u, t = b.cmd('FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    subj = re.findall(rb'Subject: (shared \d)', b' '.join(u))
    say(subj == [b'shared 1', b'shared 2', b'shared 4'], 'it sees messages 1, 2 and 4 left', show(u))
    # A STORE on a message whose file the other session has just renamed
    # (its flags changed) finds the file again: both changes kept.
    u, t = b.cmd('STORE 3 FLAGS (\\Answered)')
    u, t = a.cmd('STORE 3 +FLAGS (\\Draft)')
    f3 = [x for x in u if re.match(rb'^\* 3 FETCH', x)]
    say(ok_line(t) and f3 and b'\\Answered' in f3[-1] and b'\\Draft' in f3[-1],
        'a STORE on a message the other session just changed: * 3 FETCH (FLAGS (\\Answered \\Draft))', show(u + [t]))
    u, t = a.cmd('NOOP')
    u2, t2 = b.cmd('NOOP')
    say(not untagged_num(u + u2, 'EXPUNGE'), 'neither session then sees an EXPUNGE', show(u + u2))
    say(any(re.search(r':2,[A-Z]*D[A-Z]*R', f) for f in c.files()) and len(c.files()) == 3,
        'the file has both flags (:2,DR), three files', c.files())
    u, t = b.cmd('FETCH 3 FLAGS')
    say(any(b'\\Answered' in x and b'\\Draft' in x for x in u), 'the other session sees both flags', show(u))
    a.close()
    b.close()


def sec_noexpunge(c):
    c.append(5, 'stays')
    a = c.wire('INBOX')
    b = c.wire('INBOX')
    u, t = a.cmd('STORE 2,4 +FLAGS.SILENT (\\Deleted)')
    u, t = a.cmd('EXPUNGE')
    say(sorted(untagged_num(u, 'EXPUNGE')) in ([2, 3], [2, 4]), 'the first session expunged 2 and 4', show(u))
    u, t = b.cmd('FETCH 1:5 (FLAGS)')
    say(not untagged_num(u, 'EXPUNGE'), 'no * EXPUNGE during FETCH (RFC 3501 §7.4.1)', show(u + [t]))
    say(status_of(t) in ('OK', 'NO') and untagged_num(u, 'FETCH')[:1] == [1],
        'FETCH of the old sequence numbers still answers (OK or NO)', show(u + [t]))
    u, t = b.cmd('STORE 5 +FLAGS (\\Answered)')
    say(not untagged_num(u, 'EXPUNGE') and ok_line(t), 'no * EXPUNGE during STORE, message 5 still addressed', show(u + [t]))
    u, t = b.cmd('SEARCH ALL')
    res = [x for x in u if x.startswith(b'* SEARCH')]
    say(not untagged_num(u, 'EXPUNGE'), 'no * EXPUNGE during SEARCH', show(u + [t]))
    say(res and b' 5' in res[0] and b' 1' in res[0], 'SEARCH still numbers by the old view', show(res))
    u, t = b.cmd('NOOP')
    say(sorted(untagged_num(u, 'EXPUNGE')) in ([2, 3], [2, 4]), 'NOOP then reports both expunges', show(u))
    u, t = b.cmd('FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    subj = re.findall(rb'Subject: (stays \d)', b' '.join(u))
    ans = [x for x in u if b'stays 5' in x]
    say(subj == [b'stays 1', b'stays 3', b'stays 5'] and ans and b'\\Answered' in ans[0],
        'the view is 1, 3, 5 and the STORE on 5 took', show(u))
    a.close()
    b.close()


def sec_idle(c):
    c.append(3, 'idle')
    a = c.wire('INBOX')
    b = c.wire('INBOX')
    a.send('i1 IDLE\r\n')
    got, m = a.wait_for(rb'^\+', 10)
    say(m is not None and re.match(rb'^\+( |$)', m) is not None, 'IDLE: a continuation line (%s)' %
        (m or b'').decode('latin-1'), show(got))
    c.deliver('woke the idler')
    got, m = a.wait_for(rb'^\* 4 EXISTS', 20)
    say(m is not None, 'IDLE woken by a delivery: * 4 EXISTS', show(got))
    u, t = b.cmd('STORE 2 +FLAGS (\\Flagged)')
    got, m = a.wait_for(rb'^\* 2 FETCH \(.*\\Flagged', 10)
    say(m is not None, 'IDLE sees another session\'s STORE: * 2 FETCH (FLAGS (\\Flagged))', show(got))
    u, t = b.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')
    u, t = b.cmd('EXPUNGE')
    got, m = a.wait_for(rb'^\* 1 EXPUNGE', 10)
    say(m is not None, 'IDLE sees another session\'s EXPUNGE: * 1 EXPUNGE', show(got))
    a.send('DONE\r\n')
    u, t = a.until_tagged('i1')
    say(ok_line(t), 'DONE ends IDLE with the tagged OK', show(u + [t]))
    u, t = a.cmd('FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    subj = re.findall(rb'Subject: ([^\r\n]+)', b' '.join(u))
    say(subj == [b'idle 2', b'idle 3', b'woke the idler'], 'after IDLE the view matches the folder', show(u))
    # IDLE in the authenticated state is allowed (RFC 2177): no folder.
    u, t = a.cmd('UNSELECT')
    a.send('i2 IDLE\r\n')
    got, m = a.wait_for(rb'^\+', 10)
    a.send('DONE\r\n')
    u, t = a.until_tagged('i2')
    say(m is not None and ok_line(t), 'IDLE without a selected folder, then DONE', show(got + u + [t]))
    a.send('i3 IDLE\r\n')
    a.wait_for(rb'^\+', 10)
    a.send('NOOP\r\n')
    u, t = a.until_tagged('i3')
    say(status_of(t) in ('BAD', 'NO'), 'anything but DONE ends IDLE with BAD', t)
    a.close()
    b.close()


def sec_idenable(c):
    w = Wire(c.port)
    u, t = w.cmd('ID ("name" "imap_check" "version" "1")')
    idl = [x for x in u if x.startswith(b'* ID ')]
    say(ok_line(t) and len(idl) == 1 and (idl[0] == b'* ID NIL' or re.match(rb'^\* ID \(".*"\)$', idl[0])),
        'ID before login: * ID (...) or NIL, OK', show(u + [t]))
    w.login(c.user, c.password)
    u, t = w.cmd('ID NIL')
    idl = [x for x in u if x.startswith(b'* ID ')]
    say(ok_line(t) and len(idl) == 1, 'ID NIL after login', show(u + [t]))
    u, t = w.cmd('ID ("name")')
    say(status_of(t) == 'BAD', 'ID with an odd list is BAD', t)
    u, t = w.cmd('ENABLE X-NO-SUCH-EXTENSION')
    say(ok_line(t) and all(x.rstrip() == b'* ENABLED' for x in u),
        'ENABLE of an unknown extension: OK, nothing enabled (RFC 5161 §3.1)', show(u + [t]))
    u, t = w.cmd('ENABLE')
    say(status_of(t) == 'BAD', 'ENABLE without an argument is BAD', t)
    w.cmd('LOGOUT')
    w = Wire(c.port)
    u, t = w.cmd('ENABLE X-FOO')
    say(status_of(t) == 'BAD', 'ENABLE before login is BAD', t)
    w.close()


def sec_close(c):
    c.append(4, 'close')
    w = c.wire('INBOX')
    u, t = w.cmd('STORE 2 +FLAGS.SILENT (\\Deleted)')
    u, t = w.cmd('UNSELECT')
    say(ok_line(t) and not untagged_num(u, 'EXPUNGE'), 'UNSELECT: OK, no EXPUNGE', show(u + [t]))
    u, t = w.cmd('FETCH 1 FLAGS')
    say(status_of(t) == 'BAD', 'after UNSELECT there is no selected folder', t)
    say(len(c.files()) == 4, 'UNSELECT removed no file', c.files())
    u, t = w.cmd('SELECT INBOX')
    say(untagged_num(u, 'EXISTS') == [4], 'the \\Deleted message is still there', show(u))
    u, t = w.cmd('FETCH 2 FLAGS')
    say(any(b'\\Deleted' in x for x in u), 'with its \\Deleted flag', show(u))
    u, t = w.cmd('EXAMINE INBOX')
    u, t = w.cmd('CLOSE')
    say(ok_line(t) and not untagged_num(u, 'EXPUNGE'), 'CLOSE of an EXAMINEd folder: OK', show(u + [t]))
    say(len(c.files()) == 4, 'and expunges nothing (RFC 3501 §6.4.2)', c.files())
    u, t = w.cmd('SELECT INBOX')
    u, t = w.cmd('STORE 4 +FLAGS.SILENT (\\Deleted)')
    u, t = w.cmd('CLOSE')
    say(ok_line(t) and not any(re.match(rb'^\* \d+ EXPUNGE', x) for x in u),
        'CLOSE: OK without any * EXPUNGE (silently)', show(u + [t]))
    say(len(c.files()) == 2, 'CLOSE removed the two \\Deleted files', c.files())
    u, t = w.cmd('STATUS INBOX (MESSAGES)')
    say(any(re.search(rb'MESSAGES 2\b', x) for x in u), 'STATUS: 2 messages left', show(u))
    u, t = w.cmd('CLOSE')
    say(status_of(t) == 'BAD', 'CLOSE without a selected folder is BAD', t)
    u, t = w.cmd('UNSELECT')
    say(status_of(t) == 'BAD', 'UNSELECT without a selected folder is BAD', t)
    w.close()


def sec_expunge(c):
    uids = c.append(6, 'exp')
    w = c.wire('INBOX')
    u, t = w.cmd('UID FETCH 1:* (UID)')
    seen = [int(x) for x in re.findall(rb'UID (\d+)', b' '.join(u))]
    say(seen == uids, 'the APPENDUID UIDs are the folder\'s, in order', '%s vs %s' % (seen, uids))
    u, t = w.cmd('STORE 2,4,5 +FLAGS.SILENT (\\Deleted)')
    u, t = w.cmd('UID EXPUNGE %d' % uids[3])
    say(ok_line(t) and untagged_num(u, 'EXPUNGE') == [4], 'UID EXPUNGE of message 4\'s UID: only * 4 EXPUNGE', show(u + [t]))
    u, t = w.cmd('UID EXPUNGE %d:%d' % (uids[0], uids[0]))
    say(ok_line(t) and not untagged_num(u, 'EXPUNGE'), 'UID EXPUNGE of a message without \\Deleted: nothing', show(u + [t]))
    u, t = w.cmd('EXPUNGE')
    ex = untagged_num(u, 'EXPUNGE')
    # 2 and (old 5, now 4): as sequence numbers in the order sent,
    # either "2 then 3" or "4 then 2".
    say(ok_line(t) and ex in ([2, 3], [4, 2]), 'EXPUNGE: the other two, numbered as they go', show(u + [t]))
    u, t = w.cmd('UID SEARCH ALL')
    res = [int(x) for x in re.findall(rb'\d+', b' '.join(x for x in u if x.startswith(b'* SEARCH')))]
    say(res == [uids[0], uids[2], uids[5]], 'UID SEARCH ALL: the three left', '%s' % res)
    say(len(c.files()) == 3, 'three files left on disk', c.files())
    u, t = w.cmd('EXPUNGE')
    say(ok_line(t) and not untagged_num(u, 'EXPUNGE'), 'EXPUNGE with nothing \\Deleted', show(u + [t]))
    w.close()
    w = c.wire()
    u, t = w.cmd('STATUS INBOX (UIDNEXT)')
    un = re.search(rb'UIDNEXT (\d+)', b' '.join(u))
    w.close()
    new = c.append(1, 'after')
    say(un is not None and new[0] >= int(un.group(1)) > uids[5],
        'UIDs are not reused after EXPUNGE (UIDNEXT and the next APPENDUID)', '%s, %s after %s' % (un, new, uids))


def sec_bad(c):
    c.append(2, 'bad')
    w = Wire(c.port)
    u, t = w.cmd('SELECT INBOX')
    say(status_of(t) == 'BAD' or status_of(t) == 'NO', 'SELECT before login is refused', t)
    u, t = w.cmd('FETCH 1 FLAGS')
    say(status_of(t) == 'BAD', 'FETCH before login is BAD', t)
    w.login(c.user, c.password)
    for cmd, desc in (('FOO', 'an unknown command'), ('FETCH 1 FLAGS', 'FETCH without a selected folder'),
                      ('EXPUNGE', 'EXPUNGE without a selected folder'),
                      ('LOGIN "%s" "%s"' % (c.user, c.password), 'LOGIN after login'),
                      ('AUTHENTICATE PLAIN', 'AUTHENTICATE after login'),
                      ('STARTTLS', 'STARTTLS after login'),
                      ('SELECT', 'SELECT without a name'),
                      ('SELECT INBOX extra', 'SELECT with an extra argument'),
                      ('NOOP (((x)))', 'NOOP with arguments'),
                      ('LIST "" "*" "x"', 'LIST with an extra argument'),
                      ('STATUS INBOX (MESSAGES', 'an unclosed parenthesis'),
                      ('STATUS INBOX (NOSUCHITEM)', 'an unknown STATUS item'),
                      ('CREATE "a\\q"', 'a bad quoted-string escape')):
        u, t = w.cmd(cmd)
        say(status_of(t) == 'BAD', '%s is BAD' % desc, t)
    w.send('\r\n')
    got, m = w.wait_for(rb'^\S+ BAD|^\* BAD', 5)
    say(m is not None, 'an empty line is answered BAD', show(got))
    w.send('x1\r\n')
    got, m = w.wait_for(rb'BAD', 5)
    say(m is not None, 'a tag without a command is answered BAD', show(got))
    u, t = w.cmd('SELECT INBOX')
    for cmd, desc in (('FETCH 0 FLAGS', 'FETCH 0'), ('FETCH 1:99 FLAGS', 'FETCH beyond the last message'),
                      ('FETCH 1 (FLAGS', 'FETCH with an unclosed list'),
                      ('FETCH 1 BODY[1.]', 'a malformed section'),
                      ('FETCH 1 NOSUCHITEM', 'an unknown FETCH item'),
                      ('STORE 1 +FLAGS (\\NoSuchFlag)', 'STORE of an unknown system flag'),
                      ('SEARCH NOSUCHKEY', 'an unknown SEARCH key'),
                      ('UID FOO 1', 'UID with an unknown command'),
                      ('FETCH 1:x FLAGS', 'a malformed sequence set')):
        u, t = w.cmd(cmd)
        say(status_of(t) == 'BAD' and not any(re.match(rb'^\* \d+ FETCH', x) for x in u),
            '%s is BAD' % desc, show(u + [t]))
    # RFC 3501 §2.3.2: \Recent cannot be altered by the client (and
    # imapd_flags_parse() promises to refuse it).
    u, t = w.cmd('STORE 1 FLAGS (\\Recent)')
    say(status_of(t) in ('BAD', 'NO'), 'STORE of \\Recent is refused', show(u + [t]))
    # Deep parentheses: a protocol error, never a crash or a stack
    # overflow, and the session goes on.
    for depth in (100, 10000):
        u, t = w.cmd('SEARCH ' + '(' * depth + 'ALL' + ')' * depth)
        say(status_of(t) in ('BAD', 'NO', 'OK'), 'SEARCH nested %d deep gets a tagged answer (%s)' %
            (depth, status_of(t)), show(u + [t])[:300])
    u, t = w.cmd('SEARCH ' + '(' * 60000)
    say(status_of(t) in ('BAD', 'NO'), 'SEARCH with 60000 unclosed parentheses is BAD', show(u + [t])[:300])
    w.send('n1 APPEND INBOX (' + '(' * 5000 + ')' * 5001 + ' {3}\r\n')
    line = w.line()
    if line.startswith(b'+'):
        w.send('abc\r\n')
        line = w.line()
    say(re.match(rb'^n1 (BAD|NO)', line) is not None, 'APPEND with nested flag lists is BAD', line[:300])
    u, t = w.cmd('NOOP')
    say(ok_line(t), 'the session survives the nesting', t)
    # A literal too large to take: no continuation but a tagged NO or
    # BAD (or BYE: the server may end the connection, RFC 7888 §4).
    w = refused_literal(c, w, 'APPEND INBOX {4000000000}', 'APPEND of a 4 GB literal',
                        rb'^h1 (NO|BAD) \[TOOBIG\]', '[TOOBIG] (RFC 7889, RFC 4469)')
    w = refused_literal(c, w, 'APPEND INBOX {99999999999}', 'APPEND of a 100 GB literal (no 32-bit number)',
                        rb'^(h1 (BAD|NO)|\* BYE)', 'BAD, NO or BYE')
    w = refused_literal(c, w, 'SELECT {99999999999}', 'a 100 GB literal in SELECT',
                        rb'^(h1 (BAD|NO)|\* BYE)', 'BAD, NO or BYE')
    u, t = w.cmd('NOOP')
    say(ok_line(t), 'the session goes on after refused literals', t)
    # RFC 7888 §4: the server may refuse at once but must then read the
    # literal or close; either way this connection is done with.
    w = refused_literal(c, w, 'APPEND INBOX {99999999999+}', 'APPEND of a 100 GB non-synchronizing literal',
                        rb'^(h1 (BAD|NO)|\* BYE)', 'BAD, NO or BYE', keep=False)
    # Over the line limit (imapd_max_line_length, 64 KiB by default).
    w.send('l1 NOOP ' + 'x' * 100000 + '\r\n')
    got, m = w.wait_for(rb'BAD|^\* BYE', 10)
    say(m is not None, 'a 100 KB command line is answered BAD or BYE', show(got)[:300])
    # Names that leave the Maildir or are not names at all.
    w2 = c.wire()
    for name, desc in (('../escape', '..'), ('a/../../escape', 'a/../..'), ('/abs', 'a leading /'),
                       ('a//b', 'an empty level'), ('"ctl\x01x"', 'a control character'),
                       ('x' * 2000, 'a 2000-octet name')):
        u, t = w2.cmd('CREATE %s' % (name if name.startswith('"') else qs(name)))
        say(status_of(t) in ('NO', 'BAD'), 'CREATE with %s is refused' % desc, t)
    u, t = w2.cmd('SELECT "../../localhost"')
    say(status_of(t) in ('NO', 'BAD'), 'SELECT of a path leaving the Maildir is refused', t)
    u, t = w2.cmd('RENAME INBOX "../stolen"')
    say(status_of(t) in ('NO', 'BAD'), 'RENAME to a path leaving the Maildir is refused', t)
    parent = os.path.dirname(c.maildir.rstrip('/'))
    say(not any(n in os.listdir(parent) for n in ('escape', 'stolen', '.escape')) and
        not os.path.exists('/abs'), 'nothing was made outside the Maildir', os.listdir(parent))
    u, t = w2.cmd('LOGOUT')
    w.close()
    # Closing after the 20th bad command in a row (IMAPD_BAD_COMMANDS_MAX).
    w = c.wire()
    closed = False
    try:
        for i in range(25):
            w.cmd('BOGUS%d' % i)
    except (EOFError, ConnectionError, socket.timeout):
        closed = True
    bad = [x for x in w.seen if re.match(rb'^a\d+ BAD', x)]
    say(closed and len(bad) in (19, 20) and any(x.startswith(b'* BYE') for x in w.seen[-2:]),
        'after 20 bad commands in a row: * BYE and the end', show(w.seen[-3:]))


def refused_literal(c, w, cmd, desc, want, wantdesc, keep=True):
    """cmd announces a literal that must be refused with want (a regex
    on the first line back); no continuation may come.  The connection to
    go on with: the same (keep), or a new one when the server ended it."""
    w.send('h1 %s\r\n' % cmd)
    try:
        w.sock.settimeout(10)
        line = w.line()
    except (EOFError, ConnectionError, socket.timeout) as e:
        line = ('(%s)' % e).encode()
    say(not line.startswith(b'+'), '%s: no continuation' % desc, line)
    say(re.match(want, line) is not None, '%s: refused with %s' % (desc, wantdesc), line)
    if keep and line.startswith(b'h1 '):
        w.sock.settimeout(20)
        return w
    w.close()
    return c.wire('INBOX')


def subjects(w):
    """Sequence number -> Subject of the selected folder's messages."""
    u, t = w.cmd('FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]')
    out = {}
    for x in u:
        m = re.match(rb'^\* (\d+) FETCH .*Subject: ([^\r\n]*)', x, re.S)
        if m:
            out[int(m.group(1))] = m.group(2).decode()
    return out


def sec_pop3(c):
    for i in range(3):
        c.deliver('pop %d' % (i + 1))
    wait_files(c, 3)
    w = c.wire('INBOX')
    say(untagged_num(w.selected, 'EXISTS') == [3], 'IMAP: three messages', show(w.selected))
    before = subjects(w)
    say(sorted(before.values()) == ['pop 1', 'pop 2', 'pop 3'], 'IMAP reads their subjects', before)
    p = poplib.POP3('127.0.0.1', c.pop3, timeout=20)
    p.user(c.user)
    r = p.pass_(c.password)
    say(r.startswith(b'+OK'), 'POP3 logs in while the IMAP session has INBOX selected', r)
    say(p.stat()[0] == 3, 'POP3 sees three messages', p.stat())
    gone = None
    for n in (1, 2, 3):
        if b'Subject: pop 2' in p.top(n, 0)[1]:
            gone = n
    r = p.dele(gone or 1)
    r = p.quit()
    say(r.startswith(b'+OK'), 'POP3 DELE of "pop 2" and QUIT', r)
    got = []
    end = time.time() + 10
    while time.time() < end:
        u, t = w.cmd('NOOP')
        got += u
        if untagged_num(u, 'EXPUNGE'):
            break
        time.sleep(0.2)
    seq = [k for k, v in before.items() if v == 'pop 2']
    say(untagged_num(got, 'EXPUNGE') == seq, 'IMAP NOOP: * %s EXPUNGE for the POP3 DELE' % seq, show(got))
    after = subjects(w)
    say(sorted(after.values()) == ['pop 1', 'pop 3'], 'IMAP sees "pop 1" and "pop 3" left', after)
    u, t = w.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')
    u, t = w.cmd('EXPUNGE')
    p = poplib.POP3('127.0.0.1', c.pop3, timeout=20)
    p.user(c.user)
    p.pass_(c.password)
    st = p.stat()
    r, lines, _ = p.top(1, 0)
    p.quit()
    say(st[0] == 1 and ('Subject: ' + after.get(2, '?')).encode() in lines,
        'POP3 then sees the one message IMAP left', '%s %s' % (st, lines))
    w.close()


SECTIONS = {
    'caps': sec_caps, 'session': sec_session, 'select': sec_select, 'noop': sec_noop,
    'concurrent': sec_concurrent, 'noexpunge': sec_noexpunge, 'idle': sec_idle,
    'idenable': sec_idenable, 'close': sec_close, 'expunge': sec_expunge, 'bad': sec_bad,
    'pop3': sec_pop3,
}


def main():
    if len(sys.argv) < 7 or sys.argv[1] not in SECTIONS:
        sys.exit(__doc__ if __doc__ else 'usage: imap_check.py SECTION PORT USER PASS DELIVER MAILDIR [POP3PORT]')
    c = Ctx(sys.argv[1:])
    try:
        SECTIONS[c.section](c)
    except (OSError, EOFError, imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException) as e:
        say(False, 'section %s ran to its end' % c.section, '%s: %s' % (type(e).__name__, e))


if __name__ == '__main__':
    main()
