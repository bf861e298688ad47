# imap_fetch_check.py - FETCH and STORE checks for t_imap_fetch.sh, over
# a raw socket (the exact wire: labels, literals, the order of responses)
# and through python's imaplib.  Every check prints one line, "ok DESC"
# or "FAIL DESC: DETAIL"; t_imap_fetch.sh turns them into its results.
#
#   imap_fetch_check.py prepare MAILDIR
#                      the crafted messages, in new/ (see MESSAGES)
#   imap_fetch_check.py deliver PORT
#                      one message to bob@localhost over SMTP (smtplib)
#   imap_fetch_check.py run PORT USER PASS MAILDIR
#                      every check, on the prepared messages (UIDs 1-5)
#                      and the delivered one (UID 6)
import imaplib
import os
import re
import smtplib
import sys
import time

from tnet import connect

T0 = 1700000000

M1 = (b'Return-Path: <alice@example.org>\n'
      b'Date: Mon, 7 Dec 2026 10:00:00 +0100\n'
      b'From: Alice Example <alice@example.org>\n'
      b'Sender: secretary@example.org\n'
      b'Reply-To: replies@example.org\n'
      b'To: Bob <bob@localhost>, carol@example.com\n'
      b'Cc: "Dave, D." <dave@example.net>\n'
      b'Subject: =?utf-8?q?caf=C3=A9?= and raw caf\xc3\xa9\n'
      b'Message-ID: <m1@example.org>\n'
      b'In-Reply-To: <m0@example.org>\n'
      b'X-Folded: first\n'
      b' second line\n'
      b'\n'
      b'Line one\n'
      b'Line two\n')

# Nested: text, multipart/alternative, message/rfc822 holding a
# multipart, an image with every extension field.
M2_HDR = (b'From: Alice <alice@example.org>\n'
          b'To: bob@localhost\n'
          b'Subject: nested\n'
          b'Date: Tue, 8 Dec 2026 09:30:00 +0000\n'
          b'Message-ID: <m2@example.org>\n'
          b'MIME-Version: 1.0\n'
          b'Content-Type: multipart/mixed; boundary="outer"\n'
          b'\n')
P1_HDR = (b'Content-Type: text/plain; charset=utf-8\n'
          b'Content-Transfer-Encoding: quoted-printable\n\n')
P1_BODY = b'Caf=C3=A9'
P21_HDR = b'Content-Type: text/plain\n\n'
P21_BODY = b'plain part'
P22_HDR = (b'Content-Type: text/html; charset="us-ascii"\n'
           b'Content-Disposition: inline\n\n')
P22_BODY = b'<p>html</p>'
P2_HDR = b'Content-Type: multipart/alternative; boundary=inner\n\n'
P2_BODY = (b'--inner\n' + P21_HDR + P21_BODY + b'\n--inner\n' + P22_HDR +
           P22_BODY + b'\n--inner--')
P3_HDR = (b'Content-Type: message/rfc822\n'
          b'Content-Disposition: attachment; filename="fwd.eml"\n\n')
P3M_HDR = (b'From: Carol <carol@example.com>\n'
           b'To: dave@example.com\n'
           b'Subject: inner message\n'
           b'Message-ID: <inner@example.com>\n'
           b'MIME-Version: 1.0\n'
           b'Content-Type: multipart/mixed; boundary="deep"\n\n')
P31_HDR = b'Content-Type: text/plain\n\n'
P31_BODY = b'deep text'
P32_HDR = (b'Content-Type: application/octet-stream; name="a.bin"\n'
           b'Content-Transfer-Encoding: base64\n\n')
P32_BODY = b'AAECAwQF'
P3M_BODY = (b'--deep\n' + P31_HDR + P31_BODY + b'\n--deep\n' + P32_HDR +
            P32_BODY + b'\n--deep--')
P3_BODY = P3M_HDR + P3M_BODY
P4_HDR = (b'Content-Type: image/png; name="x.png"\n'
          b'Content-Transfer-Encoding: base64\n'
          b'Content-ID: <img1@x>\n'
          b'Content-Description: a picture\n'
          b'Content-Language: en, de\n'
          b'Content-Location: http://x/x.png\n\n')
P4_BODY = b'iVBORw0KGgo='
M2_TEXT = (b'preamble\n--outer\n' + P1_HDR + P1_BODY + b'\n--outer\n' +
           P2_HDR + P2_BODY + b'\n--outer\n' + P3_HDR + P3_BODY +
           b'\n--outer\n' + P4_HDR + P4_BODY + b'\n--outer--\nepilogue\n')
M2 = M2_HDR + M2_TEXT

M3 = (b'From: x@example.org\n'
      b'To: bob@localhost\n'
      b'Subject: pdf\n'
      b'Content-Type: application/pdf; name="doc.pdf"\n'
      b'Content-Transfer-Encoding: base64\n'
      b'Content-Disposition: attachment; filename="doc.pdf"\n'
      b'\n'
      b'JVBERi0xLjQK\n'
      b'JSVFT0YK\n')

M4_HDR = b'From: big@example.org\nSubject: long\n\n'
M4 = M4_HDR + b''.join(
    (b'nul\x00here\n' if i == 5 else
     b'bare\rcr and a stored crlf\r\n' if i == 7 else
     b'line %06d abcdefghijklmnopqrstuvwxyz 0123456789\n' % i)
    for i in range(60000))

# All header, no empty line: an empty body.
M5 = b'From: e@example.org\nSubject: header only\n'

# Lines that end in a stored CRLF: each CR and LF a line end of its own
# (lib/mime_wire.h), so the header ends at the LF after the first CR.
M6 = b'Subject: crlf\r\nX-After: y\r\n\r\nbody\r\n'

# (content, with ,S=/,W= in the name) in arrival order: UIDs 1-6
MESSAGES = [(M1, True), (M2, True), (M3, True), (M4, False), (M5, True),
            (M6, True)]
# the message delivered over SMTP comes after them
SMTP_UID = len(MESSAGES) + 1

SMTP_BODY = b'hello over smtp\r\nsecond line\r\n'

FAILED = [0]


def say(ok, desc, detail=''):
    if ok:
        print('ok %s' % desc)
    else:
        FAILED[0] += 1
        print('FAIL %s: %s' % (desc, detail))
    sys.stdout.flush()


def eq(got, want, desc):
    say(got == want, desc, 'got %r, want %r' % (got, want)
        if len(repr(got)) + len(repr(want)) < 3000 else
        'got %d octets %r..., want %d octets %r...' % (
            len(got or b''), (got or b'')[:200], len(want or b''), (want or b'')[:200]))


def wire(b):
    """The wire form: every LF and every CR a CRLF; NUL as 0x80."""
    return re.sub(rb'[\r\n]', b'\r\n', b).replace(b'\x00', b'\x80')


def wsize(b):
    return len(b) + b.count(b'\n') + b.count(b'\r')


def lines(b):
    return b.count(b'\n')


def put(maildir, i, content, sizes):
    base = '%d.M%06dP4242Q%d.testhost' % (T0 + i * 100, i, i)
    name = base
    if sizes:
        name = '%s,S=%d,W=%d' % (base, len(content), wsize(content))
    tmp = os.path.join(maildir, 'tmp', base)
    with open(tmp, 'wb') as f:
        f.write(content)
    os.utime(tmp, (T0 + i * 100, T0 + i * 100))
    os.rename(tmp, os.path.join(maildir, 'new', name))


def internaldate(t):
    lt = time.localtime(t)
    off = lt.tm_gmtoff // 60
    months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
              'Sep', 'Oct', 'Nov', 'Dec']
    return ('%2d-%s-%04d %02d:%02d:%02d %s%02d%02d' % (
        lt.tm_mday, months[lt.tm_mon - 1], lt.tm_year, lt.tm_hour, lt.tm_min,
        lt.tm_sec, '-' if off < 0 else '+', abs(off) // 60, abs(off) % 60)).encode()


class Imap:
    """A raw client: each command's untagged responses as the wire has
    them (literals inline) and its tagged line."""

    def __init__(self, port, user=None, pw=None):
        self.port, self.user, self.pw = port, user, pw
        self.sock = connect(port, timeout=60)
        self.buf = b''
        self.n = 0
        self.greeting = self.line()

    def line(self):
        while b'\r\n' not in self.buf:
            d = self.sock.recv(1 << 20)
            if not d:
                raise EOFError('connection closed')
            self.buf += d
        i = self.buf.index(b'\r\n') + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def exact(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(1 << 20)
            if not d:
                raise EOFError('connection closed')
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        out = b''
        while True:
            line = self.line()
            out += line
            m = re.search(rb'\{(\d+)\}\r\n$', line)
            if not m:
                return out
            out += self.exact(int(m.group(1)))

    def cmd(self, text):
        self.n += 1
        tag = b'c%d' % self.n
        if isinstance(text, str):
            text = text.encode()
        self.sock.sendall(tag + b' ' + text + b'\r\n')
        untagged = []
        while True:
            r = self.response()
            if r.startswith(tag + b' '):
                return untagged, r
            untagged.append(r)

    def close(self):
        self.sock.close()


def skip_value(s, i):
    """The end of the value at s[i] (an atom, number, NIL, quoted string,
    literal or parenthesised list)."""
    c = s[i:i + 1]
    if c == b'"':
        i += 1
        while s[i:i + 1] != b'"':
            i += 2 if s[i:i + 1] == b'\\' else 1
        return i + 1
    if c == b'{':
        m = re.match(rb'\{(\d+)\}\r\n', s[i:])
        return i + m.end() + int(m.group(1))
    if c == b'(':
        i += 1
        while s[i:i + 1] != b')':
            if s[i:i + 1] == b' ':
                i += 1
                continue
            i = skip_value(s, i)
        return i + 1
    m = re.match(rb'[^ ()\r\n]+', s[i:])
    return i + m.end()


def value(raw):
    """A string value's octets; None for NIL; lists and numbers raw."""
    if raw == b'NIL':
        return None
    if raw.startswith(b'"'):
        return re.sub(rb'\\(.)', rb'\1', raw[1:-1])
    if raw.startswith(b'{'):
        return raw[raw.index(b'\r\n') + 2:]
    return raw


def parse_fetch(resp):
    """'* N FETCH (...)' into (N, [(label, raw value)]), or None."""
    m = re.match(rb'\* (\d+) FETCH \(', resp)
    if not m:
        return None
    items = []
    i = m.end()
    while resp[i:i + 1] != b')':
        if resp[i:i + 1] == b' ':
            i += 1
            continue
        lm = re.match(rb'[A-Z0-9.]+(\[[^\]]*\])?(<\d+>)?', resp[i:])
        label = lm.group(0)
        i += lm.end()
        assert resp[i:i + 1] == b' ', resp[i:i + 20]
        end = skip_value(resp, i + 1)
        items.append((label.decode(), resp[i + 1:end]))
        i = end
    if resp[i:] != b')\r\n':
        raise ValueError('trailing %r' % resp[i:])
    return int(m.group(1)), items


def fetches(untagged):
    """The FETCH responses: a list of (seq, [(label, raw)])."""
    out = []
    for r in untagged:
        p = parse_fetch(r)
        if p is not None:
            out.append(p)
    return out


def fetch1(c, text, desc):
    """One FETCH command that must answer OK with one FETCH response:
    its items as a dict of label -> raw, and the list of labels."""
    u, t = c.cmd(text)
    f = fetches(u)
    if not t.split(b' ')[1].startswith(b'OK') or len(f) != 1:
        say(False, desc, 'answer %r, untagged %r' % (t, [x[:300] for x in u]))
        return {}, []
    return dict(f[0][1]), [x[0] for x in f[0][1]]


def flagset(raw):
    return set(raw.strip(b'()').split()) if raw else None


def q(s):
    return b'"' + s + b'"'


def bs_text(size, nlines, params=b'("charset" "us-ascii")', enc=b'"7bit"',
            ext=b' NIL NIL NIL NIL', subtype=b'"plain"', desc=b'NIL', cid=b'NIL'):
    return (b'("text" ' + subtype + b' ' + params + b' ' + cid + b' ' + desc +
            b' ' + enc + b' %d %d' % (size, nlines) + ext + b')')


def expected_structures():
    """BODYSTRUCTURE and BODY of M2, from the parts' texts above."""
    carol = b'(("Carol" NIL "carol" "example.com"))'
    inner_env = (b'(NIL "inner message" ' + carol + b' ' + carol + b' ' + carol +
                 b' ((NIL NIL "dave" "example.com")) NIL NIL NIL "<inner@example.com>")')
    res = {}
    for ext in (True, False):
        e4 = b' NIL NIL NIL NIL' if ext else b''
        p1 = bs_text(wsize(P1_BODY), lines(P1_BODY), b'("charset" "utf-8")',
                     b'"quoted-printable"', e4)
        p21 = bs_text(wsize(P21_BODY), lines(P21_BODY), ext=e4)
        p22 = bs_text(wsize(P22_BODY), lines(P22_BODY), subtype=b'"html"',
                      ext=b' NIL ("inline" NIL) NIL NIL' if ext else b'')
        p2 = (b'(' + p21 + p22 + b' "alternative"' +
              (b' ("boundary" "inner") NIL NIL NIL' if ext else b'') + b')')
        p31 = bs_text(wsize(P31_BODY), lines(P31_BODY), ext=e4)
        p32 = (b'("application" "octet-stream" ("name" "a.bin") NIL NIL "base64" %d'
               % wsize(P32_BODY) + e4 + b')')
        p3m = (b'(' + p31 + p32 + b' "mixed"' +
               (b' ("boundary" "deep") NIL NIL NIL' if ext else b'') + b')')
        p3 = (b'("message" "rfc822" NIL NIL NIL "7bit" %d ' % wsize(P3_BODY) +
              inner_env + b' ' + p3m + b' %d' % lines(P3_BODY) +
              (b' NIL ("attachment" ("filename" "fwd.eml")) NIL NIL' if ext else b'') +
              b')')
        p4 = (b'("image" "png" ("name" "x.png") "<img1@x>" "a picture" "base64" %d'
              % wsize(P4_BODY) +
              (b' NIL NIL ("en" "de") "http://x/x.png"' if ext else b'') + b')')
        res[ext] = (b'(' + p1 + p2 + p3 + p4 + b' "mixed"' +
                    (b' ("boundary" "outer") NIL NIL NIL' if ext else b'') + b')')
    return res


def check_meta(c, maildir):
    u, t = c.cmd('UID FETCH 1:* (UID RFC822.SIZE INTERNALDATE FLAGS)')
    f = fetches(u)
    eq(len(f), SMTP_UID, 'UID FETCH 1:* answers for every message')
    for seq, items in f:
        d = dict(items)
        if seq < SMTP_UID:
            content = MESSAGES[seq - 1][0]
            eq(d.get('RFC822.SIZE'), b'%d' % wsize(content),
               'RFC822.SIZE of message %d is its wire size' % seq)
            eq(d.get('INTERNALDATE'), q(internaldate(T0 + (seq - 1) * 100)),
               'INTERNALDATE of message %d is its arrival time' % seq)
        eq(items[0][0], 'UID', 'UID FETCH puts UID first (message %d)' % seq)
        eq(d.get('UID'), b'%d' % seq, 'UIDs in arrival order (message %d)' % seq)
        eq(flagset(d.get('FLAGS')), {b'\\Recent'},
           'a new message is \\Recent in the first session (message %d)' % seq)

    d, labels = fetch1(c, 'FETCH 2 ALL', 'FETCH ALL')
    eq(labels, ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'], 'ALL is its four items')
    d, labels = fetch1(c, 'FETCH 2 fast', 'FETCH FAST')
    eq(labels, ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'], 'FAST is its three items')
    d, labels = fetch1(c, 'FETCH 2 FULL', 'FETCH FULL')
    eq(labels, ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
       'FULL is its five items')
    eq(d.get('BODY'), expected_structures()[False], 'FULL gives BODY without extension data')
    d, labels = fetch1(c, 'UID FETCH 3 (FLAGS)', 'UID FETCH without UID')
    eq(labels, ['UID', 'FLAGS'], 'UID FETCH includes UID when not asked')
    d, labels = fetch1(c, 'FETCH 3 (FLAGS UID flags)', 'repeated items')
    eq(labels, ['FLAGS', 'UID'], 'an item asked twice is answered once')
    u, t = c.cmd('UID FETCH 100:200 (FLAGS)')
    say(t.startswith(b'c') and b' OK' in t and not fetches(u),
        'UID FETCH of UIDs that do not exist: OK, nothing', '%r %r' % (u, t))


def check_structure(c, maildir):
    subject = b'=?utf-8?q?caf=C3=A9?= and raw caf\xc3\xa9'
    env1 = (b'("Mon, 7 Dec 2026 10:00:00 +0100" {%d}\r\n' % len(subject) + subject + b' '
            b'(("Alice Example" NIL "alice" "example.org")) '
            b'((NIL NIL "secretary" "example.org")) '
            b'((NIL NIL "replies" "example.org")) '
            b'(("Bob" NIL "bob" "localhost")(NIL NIL "carol" "example.com")) '
            b'(("Dave, D." NIL "dave" "example.net")) NIL '
            b'"<m0@example.org>" "<m1@example.org>")')
    d, labels = fetch1(c, 'FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)', 'FETCH ENVELOPE')
    eq(d.get('ENVELOPE'), env1, 'ENVELOPE of a full header, 8-bit Subject as a literal')
    eq(d.get('BODYSTRUCTURE'), bs_text(wsize(b'Line one\nLine two\n'), 2),
       'BODYSTRUCTURE of a single text part')
    eq(d.get('BODY'), bs_text(wsize(b'Line one\nLine two\n'), 2, ext=b''),
       'BODY of a single text part')
    want = expected_structures()
    d, labels = fetch1(c, 'FETCH 2 (BODYSTRUCTURE BODY ENVELOPE)', 'FETCH BODYSTRUCTURE nested')
    eq(d.get('BODYSTRUCTURE'), want[True],
       'BODYSTRUCTURE of nested multiparts and message/rfc822, with extension data')
    eq(d.get('BODY'), want[False], 'BODY of the nested message')
    eq(d.get('ENVELOPE'), b'("Tue, 8 Dec 2026 09:30:00 +0000" "nested" '
       b'(("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) '
       b'(("Alice" NIL "alice" "example.org")) ((NIL NIL "bob" "localhost")) '
       b'NIL NIL NIL "<m2@example.org>")', 'ENVELOPE: Sender and Reply-To from From')
    m3body = b'JVBERi0xLjQK\nJSVFT0YK\n'
    d, labels = fetch1(c, 'FETCH 3 BODYSTRUCTURE', 'FETCH BODYSTRUCTURE base64')
    eq(d.get('BODYSTRUCTURE'),
       b'("application" "pdf" ("name" "doc.pdf") NIL NIL "base64" %d NIL '
       b'("attachment" ("filename" "doc.pdf")) NIL NIL)' % wsize(m3body),
       'BODYSTRUCTURE of a base64 attachment alone')
    d, labels = fetch1(c, 'FETCH 5 (ENVELOPE BODYSTRUCTURE)', 'FETCH header-only message')
    eq(d.get('ENVELOPE'), b'(NIL "header only" ((NIL NIL "e" "example.org")) '
       b'((NIL NIL "e" "example.org")) ((NIL NIL "e" "example.org")) NIL NIL NIL NIL NIL)',
       'ENVELOPE of a message without body')
    eq(d.get('BODYSTRUCTURE'), bs_text(0, 0), 'BODYSTRUCTURE of a message without body')


def check_sections(c):
    cases = [
        ('BODY.PEEK[]', 'BODY[]', M2),
        ('BODY.PEEK[HEADER]', 'BODY[HEADER]', M2_HDR),
        ('BODY.PEEK[TEXT]', 'BODY[TEXT]', M2_TEXT),
        ('BODY.PEEK[1]', 'BODY[1]', P1_BODY),
        ('BODY.PEEK[1.1]', 'BODY[1.1]', P1_BODY),
        ('BODY.PEEK[1.MIME]', 'BODY[1.MIME]', P1_HDR),
        ('BODY.PEEK[2]', 'BODY[2]', P2_BODY),
        ('BODY.PEEK[2.MIME]', 'BODY[2.MIME]', P2_HDR),
        ('BODY.PEEK[2.1]', 'BODY[2.1]', P21_BODY),
        ('BODY.PEEK[2.2]', 'BODY[2.2]', P22_BODY),
        ('BODY.PEEK[2.2.MIME]', 'BODY[2.2.MIME]', P22_HDR),
        ('BODY.PEEK[3]', 'BODY[3]', P3_BODY),
        ('BODY.PEEK[3.MIME]', 'BODY[3.MIME]', P3_HDR),
        ('BODY.PEEK[3.HEADER]', 'BODY[3.HEADER]', P3M_HDR),
        ('BODY.PEEK[3.TEXT]', 'BODY[3.TEXT]', P3M_BODY),
        ('BODY.PEEK[3.1]', 'BODY[3.1]', P31_BODY),
        ('BODY.PEEK[3.2]', 'BODY[3.2]', P32_BODY),
        ('BODY.PEEK[3.2.MIME]', 'BODY[3.2.MIME]', P32_HDR),
        ('BODY.PEEK[4]', 'BODY[4]', P4_BODY),
        ('BODY.PEEK[4.MIME]', 'BODY[4.MIME]', P4_HDR),
        ('BODY.PEEK[5]', 'BODY[5]', b''),
        ('BODY.PEEK[2.3]', 'BODY[2.3]', b''),
        ('BODY.PEEK[1.HEADER]', 'BODY[1.HEADER]', b''),
        ('BODY.PEEK[HEADER.FIELDS (Subject TO)]', 'BODY[HEADER.FIELDS (Subject TO)]',
         b'To: bob@localhost\nSubject: nested\n\n'),
        ('BODY.PEEK[HEADER.FIELDS (X-None)]', 'BODY[HEADER.FIELDS (X-None)]', b'\n'),
        ('body.peek[header.fields.not (From To Subject Date Message-ID)]',
         'BODY[HEADER.FIELDS.NOT (From To Subject Date Message-ID)]',
         b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="outer"\n\n'),
        ('BODY.PEEK[3.HEADER.FIELDS ("Subject")]', 'BODY[3.HEADER.FIELDS (Subject)]',
         b'Subject: inner message\n\n'),
        ('BODY.PEEK[2.2]<3.4>', 'BODY[2.2]<3>', P22_BODY[3:7]),
        ('BODY.PEEK[2.2]<0.1000>', 'BODY[2.2]<0>', P22_BODY),
        ('BODY.PEEK[2.2]<11.5>', 'BODY[2.2]<11>', b''),
    ]
    items = ' '.join(x[0] for x in cases)
    d, labels = fetch1(c, 'FETCH 2 (%s)' % items, 'FETCH every section form')
    for ask, label, want in cases:
        eq(value(d.get(label, b'NIL')), wire(want), 'FETCH %s' % ask)
    eq(labels, [x[1] for x in cases], 'response labels in the order asked')
    say('FLAGS' not in d, 'BODY.PEEK adds no FLAGS', str(labels))

    m3body = b'JVBERi0xLjQK\nJSVFT0YK\n'
    d, labels = fetch1(c, 'FETCH 3 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[TEXT])',
                       'FETCH sections of a single-part message')
    eq(value(d.get('BODY[1]')), wire(m3body), 'BODY[1] of a single part is its body, not decoded')
    eq(value(d.get('BODY[TEXT]')), wire(m3body), 'BODY[TEXT] of a single part')
    eq(value(d.get('BODY[1.MIME]')), wire(M3[:M3.index(b'\n\n') + 2]),
       'BODY[1.MIME] of a single part is the message header')

    d, labels = fetch1(c, 'FETCH 5 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] RFC822.SIZE)',
                       'FETCH a header-only message')
    eq(value(d.get('BODY[HEADER]')), wire(M5), 'HEADER of a message without empty line')
    eq(d.get('BODY[TEXT]'), b'""', 'its TEXT is the empty string')


def check_crlf(c):
    hdr, text = b'Subject: crlf\r\n', b'X-After: y\r\n\r\nbody\r\n'
    d, labels = fetch1(c, 'FETCH 6 (BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (X-After)] '
                       'BODY.PEEK[TEXT] ENVELOPE)', 'FETCH a message with stored CRLFs')
    eq(value(d.get('BODY[HEADER]')), wire(hdr), 'its header ends at the first empty line')
    eq(value(d.get('BODY[HEADER.FIELDS (X-After)]')), b'\r\n',
       'a field after the empty line is no header field')
    eq(value(d.get('BODY[TEXT]')), wire(text), 'its TEXT')
    say(d.get('ENVELOPE', b'').startswith(b'(NIL "crlf" NIL'), 'its ENVELOPE',
        repr(d.get('ENVELOPE')))
    d, labels = fetch1(c, 'FETCH 6 (BODYSTRUCTURE BODY.PEEK[HEADER] BODY.PEEK[1.MIME] '
                       'BODY.PEEK[1])', 'the same after a full parse')
    eq(value(d.get('BODY[HEADER]')), wire(hdr), 'the header as the full parse sees it')
    eq(value(d.get('BODY[1.MIME]')), wire(hdr), 'BODY[1.MIME] of the single part')
    eq(value(d.get('BODY[1]')), wire(text), 'BODY[1] of the single part')
    eq(d.get('BODYSTRUCTURE'), bs_text(wsize(text), 6),
       'its BODYSTRUCTURE: each stored CR and LF a line')


def check_partial(c):
    w = wire(M4)
    d, labels = fetch1(c, 'FETCH 4 (RFC822.SIZE BODY.PEEK[])', 'FETCH a long message')
    eq(d.get('RFC822.SIZE'), b'%d' % len(w), 'RFC822.SIZE of a name without sizes is measured')
    eq(value(d.get('BODY[]')), w, 'BODY[] of a 3 MB message: CR and LF as CRLF, NUL as 0x80')
    eq(int(d.get('RFC822.SIZE', b'0')), len(value(d.get('BODY[]', b'""'))),
       'RFC822.SIZE equals the length of BODY[]')
    hl = len(wire(M4_HDR))
    crlf = w.index(b'\r\n')
    n = len(w)
    cases = [(0, 10), (0, 1), (crlf, 1), (crlf + 1, 3), (crlf, 2), (hl - 1, 2),
             (n - 5, 100), (n - 1, 1), (n, 10), (n + 10, 1), (1000000, 65536),
             (123457, 2000000), (0, 4294967295)]
    items = ' '.join('BODY.PEEK[]<%d.%d>' % x for x in cases)
    u, t = c.cmd('FETCH 4 (%s)' % items)
    f = fetches(u)
    if len(f) != 1:
        say(False, 'partial fetches answered', repr(t))
        return
    got = f[0][1]
    eq([x[0] for x in got], ['BODY[]<%d>' % s for s, _ in cases],
       'a partial is labelled with its origin octet only')
    for (s, ln), (label, raw) in zip(cases, got):
        eq(value(raw), w[s:s + ln], 'BODY[]<%d.%d>' % (s, ln))
    d, labels = fetch1(c, 'FETCH 4 (BODY.PEEK[TEXT]<0.20> BODY.PEEK[HEADER]<6.7>)',
                       'partial of TEXT and HEADER')
    eq(value(d.get('BODY[TEXT]<0>')), wire(M4[len(M4_HDR):])[:20], 'BODY[TEXT]<0.20>')
    eq(value(d.get('BODY[HEADER]<6>')), wire(M4_HDR)[6:13], 'BODY[HEADER]<6.7>')


def check_rfc822(c):
    d, labels = fetch1(c, 'FETCH 3 (RFC822.HEADER)', 'FETCH RFC822.HEADER')
    eq(labels, ['RFC822.HEADER'], 'RFC822.HEADER answers under its name, no FLAGS')
    eq(value(d.get('RFC822.HEADER')), wire(M3[:M3.index(b'\n\n') + 2]),
       'RFC822.HEADER is the header')
    d, labels = fetch1(c, 'FETCH 3 (FLAGS)', 'FLAGS after RFC822.HEADER')
    say(b'\\Seen' not in d.get('FLAGS', b''), 'RFC822.HEADER does not set \\Seen',
        repr(d.get('FLAGS')))

    d, labels = fetch1(c, 'FETCH 1 (BODY.PEEK[TEXT] FLAGS)', 'FETCH BODY.PEEK[TEXT]')
    say(b'\\Seen' not in d.get('FLAGS', b'x'), 'BODY.PEEK[TEXT] does not set \\Seen',
        repr(d.get('FLAGS')))
    d, labels = fetch1(c, 'FETCH 1 (BODY[TEXT])', 'FETCH BODY[TEXT]')
    eq(value(d.get('BODY[TEXT]')), wire(b'Line one\nLine two\n'), 'BODY[TEXT] of message 1')
    eq(labels, ['BODY[TEXT]', 'FLAGS'], 'BODY[] that sets \\Seen adds FLAGS to the response')
    eq(flagset(d.get('FLAGS')), {b'\\Seen', b'\\Recent'}, 'the FLAGS it adds show \\Seen')
    d, labels = fetch1(c, 'FETCH 1 (BODY[TEXT])', 'FETCH BODY[TEXT] again')
    eq(labels, ['BODY[TEXT]'], 'no FLAGS when \\Seen was set already')
    d, labels = fetch1(c, 'FETCH 1 (FLAGS BODY[HEADER])', 'FETCH FLAGS BODY[HEADER]')
    eq(labels, ['FLAGS', 'BODY[HEADER]'], 'FLAGS asked: not repeated')

    d, labels = fetch1(c, 'FETCH 5 (FLAGS RFC822.TEXT)', 'FETCH RFC822.TEXT')
    eq(labels, ['FLAGS', 'RFC822.TEXT'], 'RFC822.TEXT answers under its name')
    eq(flagset(d.get('FLAGS')), {b'\\Seen', b'\\Recent'},
       'RFC822.TEXT sets \\Seen before FLAGS is written')
    eq(d.get('RFC822.TEXT'), b'""', 'RFC822.TEXT of a header-only message is empty')

    d, labels = fetch1(c, 'FETCH 3 (RFC822 RFC822.SIZE)', 'FETCH RFC822')
    eq(value(d.get('RFC822')), wire(M3), 'RFC822 is the whole message')
    eq(int(d.get('RFC822.SIZE', b'0')), len(value(d.get('RFC822', b'""'))),
       'RFC822.SIZE equals the length of RFC822')
    eq(flagset(d.get('FLAGS')), {b'\\Seen', b'\\Recent'}, 'RFC822 sets \\Seen')


def check_bad(c):
    for text in ['FETCH 1 (ALL)', 'FETCH 1 BODY[MIME]', 'FETCH 1 BODY[]<0.0>',
                 'FETCH 1 (FOO)', 'FETCH 1 BODY.PEEK', 'FETCH 1', 'FETCH 1 ()',
                 'FETCH 99 FLAGS', 'FETCH x FLAGS', 'FETCH 1 BODY[1.]',
                 'FETCH 1 FLAGS UID', 'UID FETCH 1 BODY[HEADER.FIELDS ()]']:
        u, t = c.cmd(text)
        say(t.split(b' ')[1] == b'BAD' and not fetches(u), '%s is BAD' % text,
            '%r %r' % (u, t))


def filename(maildir, uid_base):
    for sub in ('cur', 'new'):
        for n in os.listdir(os.path.join(maildir, sub)):
            if n.startswith(uid_base):
                return sub, n
    return None, None


def base_of(i):
    return '%d.M%06dP4242Q%d.testhost' % (T0 + i * 100, i, i)


def check_store(c, maildir):
    u, t = c.cmd('STORE 2 +FLAGS (\\Flagged)')
    f = fetches(u)
    eq(len(f), 1, 'STORE +FLAGS answers one FETCH')
    if f:
        eq([x[0] for x in f[0][1]], ['FLAGS'], 'STORE answers FLAGS only')
        eq(flagset(dict(f[0][1]).get('FLAGS')), {b'\\Flagged', b'\\Recent'},
           'STORE +FLAGS (\\Flagged)')
    sub, n = filename(maildir, base_of(1))
    say(sub == 'cur' and n.endswith(':2,F'), 'the file name carries the flag', '%s/%s' % (sub, n))

    u, t = c.cmd('STORE 2 +FLAGS \\Answered \\Draft')
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None,
       {b'\\Flagged', b'\\Answered', b'\\Draft', b'\\Recent'}, 'STORE +FLAGS of flags as atoms')
    u, t = c.cmd('STORE 2 -FLAGS \\Draft')
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None,
       {b'\\Flagged', b'\\Answered', b'\\Recent'}, 'STORE -FLAGS of one atom')
    u, t = c.cmd('STORE 2 FLAGS (\\Seen Junk)')
    flags_line = [x for x in u if x.startswith(b'* FLAGS')]
    perm_line = [x for x in u if b'PERMANENTFLAGS' in x]
    say(flags_line and b'Junk' in flags_line[0], 'a new keyword is announced in FLAGS', repr(u))
    say(perm_line and b'Junk' in perm_line[0] and b'\\*' in perm_line[0],
        'and in PERMANENTFLAGS', repr(u))
    fi = [i for i, x in enumerate(u) if x.startswith(b'* 2 FETCH')]
    fl = [i for i, x in enumerate(u) if x.startswith(b'* FLAGS')]
    say(fi and fl and fl[0] < fi[0], 'FLAGS comes before the FETCH that uses the keyword', repr(u))
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None, {b'\\Seen', b'Junk', b'\\Recent'},
       'STORE FLAGS replaces the flags')
    sub, n = filename(maildir, base_of(1))
    say(n is not None and n.endswith(':2,Sa'), 'the keyword is letter a in the name', n)
    try:
        kw = open(os.path.join(maildir, 'dovecot-keywords')).read()
    except OSError as e:
        kw = str(e)
    say('0 Junk' in kw, 'the keyword is in dovecot-keywords', kw)

    u, t = c.cmd('STORE 1:2 +FLAGS.SILENT (\\Deleted)')
    say(b' OK' in t and not fetches(u), 'STORE .SILENT answers no FETCH', repr(u))
    u, t = c.cmd('FETCH 1:2 (FLAGS)')
    f = fetches(u)
    say(len(f) == 2 and all(b'\\Deleted' in dict(x[1])['FLAGS'] for x in f),
        'the silent store was made', repr(u))
    u, t = c.cmd('UID STORE 1:2 -FLAGS.SILENT (\\Deleted)')
    say(b' OK' in t and not fetches(u), 'UID STORE .SILENT answers no FETCH', repr(u))
    u, t = c.cmd('UID STORE 3 +FLAGS (\\Draft)')
    f = fetches(u)
    eq([x[0] for x in f[0][1]] if f else None, ['UID', 'FLAGS'], 'UID STORE answers UID and FLAGS')
    eq(dict(f[0][1]).get('UID') if f else None, b'3', 'with the UID')
    u, t = c.cmd('STORE 3 FLAGS ()')
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None, {b'\\Recent'},
       'STORE FLAGS () clears every flag but \\Recent')
    u, t = c.cmd('STORE 3 +FLAGS (\\Flagged)')
    u, t = c.cmd('STORE 3 +FLAGS (\\Flagged)')
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None, {b'\\Flagged', b'\\Recent'},
       'STORE answers a message whose flags did not change too')
    # Two sessions: each STORE changes the flags the file has, not the
    # ones its session last saw.
    c2 = Imap(c.port)
    c2.cmd('LOGIN %s %s' % (c.user, c.pw))
    c2.cmd('SELECT INBOX')
    c.cmd('STORE 3 +FLAGS (\\Answered)')
    u, t = c2.cmd('STORE 3 -FLAGS (\\Flagged)')
    f = fetches(u)
    eq(flagset(dict(f[-1][1]).get('FLAGS')) if f else None, {b'\\Answered'},
       "a second session's -FLAGS keeps the first one's +FLAGS")
    u, t = c2.cmd('FETCH 3 (BODY[TEXT])')
    f = fetches(u)
    eq(flagset(dict(f[-1][1]).get('FLAGS')) if f else None, {b'\\Answered', b'\\Seen'},
       '\\Seen set by FETCH keeps the flags on disk')
    c2.cmd('LOGOUT')
    c2.close()
    u, t = c.cmd('NOOP')
    f = fetches(u)
    eq([(x[0], flagset(dict(x[1]).get('FLAGS'))) for x in f],
       [(3, {b'\\Answered', b'\\Seen', b'\\Recent'})],
       'the first session is told of the change with NOOP')
    sub, n = filename(maildir, base_of(2))
    say(n is not None and n.endswith(':2,RS'), 'the file name has both changes', n)
    u, t = c.cmd('STORE 4 +FLAGS NIL')
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None, {b'NIL', b'\\Recent'},
       'STORE of the keyword NIL (an atom as a flag)')
    u, t = c.cmd('STORE 4 -FLAGS (nil)')
    f = fetches(u)
    eq(flagset(dict(f[0][1]).get('FLAGS')) if f else None, {b'\\Recent'},
       'and its removal, case-insensitively')
    for text in ['STORE 1 FLAGZ (\\Seen)', 'STORE 1 +FLAGS.LOUD (\\Seen)', 'STORE 1 +FLAGS',
                 'STORE 1 +FLAGS (\\Recent)', 'STORE 1 +FLAGS (\\Bogus)', 'STORE 99 FLAGS ()',
                 'STORE 1 FLAGS (\\Seen) (\\Draft)']:
        u, t = c.cmd(text)
        say(t.split(b' ')[1] in (b'BAD', b'NO') and not fetches(u), '%s is refused' % text,
            '%r %r' % (u, t))


def check_cache(c, maildir):
    u, t = c.cmd('UID FETCH 1:* (ENVELOPE BODYSTRUCTURE)')
    cold = fetches(u)
    u, t = c.cmd('UID FETCH 1:* (ENVELOPE BODYSTRUCTURE)')
    warm = fetches(u)
    eq(warm, cold, 'a warm UID FETCH 1:* (ENVELOPE BODYSTRUCTURE) answers as the cold one')
    known = {}
    for seq, items in warm:
        d = dict(items)
        known[int(d.get('UID', b'0'))] = (d.get('ENVELOPE'), d.get('BODYSTRUCTURE'))
    # The file of message 2 made to say something else: the cache answers
    # ENVELOPE and BODYSTRUCTURE without opening it, a section reads it.
    sub, n = filename(maildir, base_of(1))
    path = os.path.join(maildir, sub, n)
    orig = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(b'Subject: replaced\n\nother\n')
    d, labels = fetch1(c, 'UID FETCH 2 (ENVELOPE BODYSTRUCTURE BODY)', 'warm fetch')
    eq(d.get('BODYSTRUCTURE'), expected_structures()[True],
       'BODYSTRUCTURE comes from the cache, not the file')
    eq(d.get('BODY'), expected_structures()[False], 'BODY comes from the cache')
    say(b'"nested"' in d.get('ENVELOPE', b''), 'ENVELOPE comes from the cache',
        repr(d.get('ENVELOPE')))
    d, labels = fetch1(c, 'UID FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject)])', 'section fetch')
    eq(value(d.get('BODY[HEADER.FIELDS (Subject)]', b'NIL')), b'Subject: replaced\r\n\r\n',
       'a section is read from the file')
    with open(path, 'wb') as f:
        f.write(orig)
    return known


def check_vanished(c, maildir):
    sub, n = filename(maildir, base_of(4))
    path = os.path.join(maildir, sub, n)
    away = os.path.join(maildir, 'away5')
    os.rename(path, away)
    u, t = c.cmd('FETCH 4:5 (UID BODY.PEEK[HEADER])')
    f = fetches(u)
    say(b' OK' in t and [x[0] for x in f] == [4],
        'a message whose file vanished is left out of FETCH', '%r %r' % (u, t))
    say(not any(b'EXPUNGE' in x for x in u), 'no EXPUNGE during FETCH', repr(u))
    u, t = c.cmd('STORE 5 +FLAGS (\\Flagged)')
    say(not any(b'EXPUNGE' in x for x in u) and not fetches(u),
        'STORE of a vanished message: no FETCH, no EXPUNGE', repr(u))
    u, t = c.cmd('NOOP')
    say(any(x == b'* 5 EXPUNGE\r\n' for x in u), 'NOOP then reports the EXPUNGE', repr(u))


def check_moved_away(port, user, pw, maildir, known):
    """Every message file moved out of the Maildir after SELECT: a warm
    FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)
    still answers for every message, from the view and the cache (a
    session of its own, last: the messages are then expunged from its
    view)."""
    c = Imap(port)
    c.cmd('LOGIN %s %s' % (user, pw))
    u, t = c.cmd('SELECT INBOX')
    exists = [int(x.split()[1]) for x in u if x.endswith(b' EXISTS\r\n')]
    away = os.path.join(maildir, 'away-all')
    os.mkdir(away)
    moved = []
    for sub in ('cur', 'new'):
        for n in os.listdir(os.path.join(maildir, sub)):
            os.rename(os.path.join(maildir, sub, n), os.path.join(away, n))
            moved.append((sub, n))
    u, t = c.cmd('FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)')
    for sub, n in moved:
        os.rename(os.path.join(away, n), os.path.join(maildir, sub, n))
    os.rmdir(away)
    f = fetches(u)
    say(exists and len(f) == exists[0] and len(moved) == exists[0],
        'a warm FETCH of every message with no message file in the folder',
        '%d answers, %r exist, %d files: %r' % (len(f), exists, len(moved), t))
    same = True
    for seq, items in f:
        d = dict(items)
        uid = int(d.get('UID', b'0'))
        if (d.get('ENVELOPE'), d.get('BODYSTRUCTURE')) != known.get(uid):
            same = False
            say(False, 'ENVELOPE and BODYSTRUCTURE from the cache (UID %d)' % uid,
                '%r' % items)
    if same:
        say(True, 'ENVELOPE and BODYSTRUCTURE from the cache, as computed before')
    c.cmd('LOGOUT')
    c.close()


def check_smtp(c):
    d, labels = fetch1(c, 'UID FETCH %d (RFC822.SIZE ENVELOPE BODY.PEEK[] BODY.PEEK[TEXT])'
                       % SMTP_UID,
                       'FETCH the delivered message')
    body = value(d.get('BODY[]', b'""'))
    eq(int(d.get('RFC822.SIZE', b'-1')), len(body),
       'RFC822.SIZE of a delivered message equals the length of BODY[]')
    eq(value(d.get('BODY[TEXT]', b'""')), SMTP_BODY, 'its BODY[TEXT] is what was sent')
    say(b'"smtp delivered"' in d.get('ENVELOPE', b''), 'its ENVELOPE has the Subject',
        repr(d.get('ENVELOPE')))


def check_readonly(port, user, pw, maildir):
    c = Imap(port)
    c.cmd('LOGIN %s %s' % (user, pw))
    u, t = c.cmd('EXAMINE INBOX')
    say(b'READ-ONLY' in t, 'EXAMINE is read-only', repr(t))
    u, t = c.cmd('UID FETCH %d (BODY[TEXT])' % SMTP_UID)
    f = fetches(u)
    say(len(f) == 1 and [x[0] for x in f[0][1]] == ['UID', 'BODY[TEXT]'],
        'BODY[] in a read-only folder adds no FLAGS', repr(u))
    u, t = c.cmd('UID FETCH %d FLAGS' % SMTP_UID)
    say(b'\\Seen' not in b''.join(u), 'and does not set \\Seen', repr(u))
    u, t = c.cmd('STORE 2 +FLAGS (\\Seen)')
    say(t.split(b' ')[1] == b'NO' and not fetches(u), 'STORE in a read-only folder is NO',
        repr(t))
    c.cmd('LOGOUT')
    c.close()


def check_imaplib(port, user, pw):
    m = imaplib.IMAP4('127.0.0.1', port)
    m.login(user, pw)
    typ, data = m.select('INBOX')
    eq(typ, 'OK', 'imaplib SELECT')
    typ, data = m.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    say(typ == 'OK' and isinstance(data[0], tuple) and data[0][1] == b'Subject: nested\r\n\r\n',
        'imaplib fetch of HEADER.FIELDS', repr(data))
    typ, data = m.uid('FETCH', '1:3', '(RFC822.SIZE)')
    say(typ == 'OK' and len(data) == 3 and b'RFC822.SIZE %d' % wsize(M1) in data[0],
        'imaplib UID FETCH RFC822.SIZE', repr(data))
    typ, data = m.fetch('3', '(BODY.PEEK[1])')
    say(typ == 'OK' and data[0][1] == wire(b'JVBERi0xLjQK\nJSVFT0YK\n'),
        'imaplib fetch of BODY.PEEK[1]', repr(data))
    typ, data = m.store('1', '+FLAGS', '(\\Answered)')
    say(typ == 'OK' and b'\\Answered' in data[0], 'imaplib STORE +FLAGS', repr(data))
    typ, data = m.store('1', '-FLAGS.SILENT', '(\\Answered)')
    say(typ == 'OK' and data == [None], 'imaplib STORE -FLAGS.SILENT', repr(data))
    m.logout()


def run(port, user, pw, maildir):
    c = Imap(port, user, pw)
    u, t = c.cmd('LOGIN %s %s' % (user, pw))
    if b' OK' not in t:
        say(False, 'LOGIN', repr(t))
        return
    u, t = c.cmd('SELECT INBOX')
    say(b' OK' in t and b'* %d EXISTS\r\n' % SMTP_UID in u,
        'SELECT INBOX with %d messages' % SMTP_UID, repr(u))
    for step in (check_meta, check_structure):
        step(c, maildir)
    check_sections(c)
    check_crlf(c)
    check_partial(c)
    check_rfc822(c)
    check_bad(c)
    check_smtp(c)
    check_store(c, maildir)
    known = check_cache(c, maildir)
    check_vanished(c, maildir)
    c.cmd('LOGOUT')
    c.close()
    # other sessions last: their changes would show in this one's answers
    check_readonly(port, user, pw, maildir)
    check_imaplib(port, user, pw)
    check_moved_away(port, user, pw, maildir, known)


def main():
    cmd = sys.argv[1]
    if cmd == 'prepare':
        for i, (content, sizes) in enumerate(MESSAGES):
            put(sys.argv[2], i, content, sizes)
    elif cmd == 'deliver':
        s = smtplib.SMTP('127.0.0.1', int(sys.argv[2]), timeout=30)
        s.sendmail('alice@localhost', ['bob@localhost'],
                   b'From: alice@localhost\r\nTo: bob@localhost\r\n'
                   b'Subject: smtp delivered\r\n\r\n' + SMTP_BODY)
        s.quit()
    elif cmd == 'run':
        run(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    return 0


if __name__ == '__main__':
    sys.exit(main())
