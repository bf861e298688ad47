# imap_search.py - SEARCH and UID SEARCH checks for t_imap_search.sh, with
# python's imaplib and a raw socket for the exact wire of refusals.  Every
# check prints one line, "ok DESC" or "FAIL DESC: DETAIL"; the script
# turns them into its own results.
#
#   imap_search.py run PORT USER PASS MAILDIR
#       write the crafted messages below into MAILDIR (files owned as
#       MAILDIR is), let a first session give them UIDs, remove the first
#       message's file and add two more, then check every key, their
#       combinations and the refusals against exact result sets
#   imap_search.py many PORT USER PASS MAILDIR N
#       N small messages: SEARCH ALL lists them all (a long response),
#       UID SEARCH BODY finds one of them
import base64
import imaplib
import os
import socket
import sys

from tnet import connect

# 2023-03-05 12:00:00 UTC; message k arrives k days later, at noon UTC, so
# its internal date's day is the same in every zone from -11 to +11.
T0 = 1678017600
DAY = 86400


def say(ok, desc, detail=''):
    if ok:
        print('ok %s' % desc)
    else:
        print('FAIL %s: %s' % (desc, detail))
    sys.stdout.flush()


def b64(text):
    data = base64.b64encode(text.encode('utf-8')).decode()
    return '\n'.join(data[i:i + 76] for i in range(0, len(data), 76))


SUBJ2 = 'Grüße aus Köln'
BIG_BODY = ('y' * 60 + '\n') * 100

# (content, flags) in arrival order; flags None: in new/, else cur/ with
# ":2,<flags>".  Message 0 is removed after the first session.
MSGS = [
    (b'From: gone@example.org\nSubject: gone\n\nremoved before the checks\n', ''),
    # 1: plain ASCII, \Seen
    (b'From: Alice Example <alice@example.org>\n'
     b'To: bob@example.org\n'
     b'Subject: Lunch plans\n'
     b'Date: Mon, 06 Mar 2023 10:00:00 +0000\n'
     b'Message-ID: <1@example.org>\n'
     b'\n'
     b"Let's meet at noon.\n", 'S'),
    # 2: RFC 2047 From (Q, ISO-8859-1) and Subject (B, UTF-8), an 8-bit
    # UTF-8 body; sent late on the 7th at -0800 (the 8th in UTC)
    (('From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.de>\n'
      'To: bob@example.org\n'
      'Subject: =?UTF-8?B?%s?=\n'
      'Date: Tue, 07 Mar 2023 23:30:00 -0800\n'
      'MIME-Version: 1.0\n'
      'Content-Type: text/plain; charset=utf-8\n'
      'Content-Transfer-Encoding: 8bit\n'
      '\n'
      'Schöne Grüße vom Rhein.\n' % base64.b64encode(SUBJ2.encode()).decode()).encode(),
     'RS'),
    # 3: a base64 body, \Flagged and $Work; a Date without weekday or seconds
    (('From: Carol <carol@example.net>\n'
      'To: bob@example.org\n'
      'Cc: carol@example.net\n'
      'Subject: base64 body\n'
      'Date: 8 Mar 2023 09:15 +0100\n'
      'MIME-Version: 1.0\n'
      'Content-Type: text/plain; charset=utf-8\n'
      'Content-Transfer-Encoding: base64\n'
      '\n'
      '%s\n' % b64('The secret word is Zebrafish.\nÜberraschung!\n')).encode(), 'Fa'),
    # 4: quoted-printable ISO-8859-1 with a soft line break, \Deleted, no Date
    (b'From: dave@example.com\n'
     b'To: bob@example.org\n'
     b'Bcc: dave@example.com\n'
     b'Subject: quoted-printable\n'
     b'MIME-Version: 1.0\n'
     b'Content-Type: text/plain; charset=iso-8859-1\n'
     b'Content-Transfer-Encoding: quoted-printable\n'
     b'\n'
     b'Caf=E9 cr=E8me and a very long soft=\n'
     b'broken line.\n', 'T'),
    # 5: an 8-bit ISO-8859-1 body, \Draft and Junk, an X-Priority field
    (b'From: erin@example.org\n'
     b'To: bob@example.org\n'
     b'Subject: latin1\n'
     b'Date: Fri, 10 Mar 2023 08:00:00 +0000\n'
     b'X-Priority: 1\n'
     b'MIME-Version: 1.0\n'
     b'Content-Type: text/plain; charset=ISO-8859-1\n'
     b'Content-Transfer-Encoding: 8bit\n'
     b'\n'
     b'Fa\xe7ade na\xefve\n', 'Db'),
    # 6: multipart: text, a binary attachment, an attached message
    (('From: frank@example.org\n'
      'To: bob@example.org\n'
      'Subject: multipart\n'
      'Date: Sat, 11 Mar 2023 12:00:00 +0000\n'
      'MIME-Version: 1.0\n'
      'Content-Type: multipart/mixed; boundary="b1"\n'
      '\n'
      'preamble text preambleword\n'
      '--b1\n'
      'Content-Type: text/plain; charset=us-ascii\n'
      '\n'
      'See the attachments.\n'
      '--b1\n'
      'Content-Type: application/octet-stream\n'
      'Content-Transfer-Encoding: base64\n'
      '\n'
      '%s\n'
      '--b1\n'
      'Content-Type: message/rfc822\n'
      '\n'
      'From: inner@example.org\n'
      'Subject: Inner subject\n'
      'Content-Type: text/plain\n'
      '\n'
      'innerbody text\n'
      '--b1--\n'
      'epilogue\n' % b64('hiddenword in a binary')).encode(), None),
    # 7: large
    (('From: grace@example.org\n'
      'To: bob@example.org\n'
      'Subject: big\n'
      'Date: Sun, 12 Mar 2023 12:00:00 +0000\n'
      '\n' + BIG_BODY).encode(), None),
]


def wsize(content):
    return len(content) + content.count(b'\n')


def put(maildir, k, content, flags, owner):
    base = '%d.M%06dP4242Q%d.testhost' % (T0 + k * DAY, k, k + 1)
    name = '%s,S=%d,W=%d' % (base, len(content), wsize(content))
    tmp = os.path.join(maildir, 'tmp', base)
    with open(tmp, 'wb') as f:
        f.write(content)
    if owner is not None:
        os.chown(tmp, owner[0], owner[1])
    if flags is None:
        os.rename(tmp, os.path.join(maildir, 'new', name))
    else:
        os.rename(tmp, os.path.join(maildir, 'cur', name + ':2,' + flags))
    return base


def owner_of(maildir):
    st = os.stat(maildir)
    return (st.st_uid, st.st_gid) if os.geteuid() == 0 else None


def find_file(maildir, base):
    for sub in ('new', 'cur'):
        for n in os.listdir(os.path.join(maildir, sub)):
            if n.split(',')[0].split(':')[0] == base:
                return os.path.join(maildir, sub, n)
    return None


def nums(data):
    if not data or data[0] is None:
        return []
    return [int(x) for x in data[0].split()]


class Raw:
    """A raw client for the exact wire: login, then tagged commands."""

    def __init__(self, port, user, password):
        self.s = connect(port)
        self.f = self.s.makefile('rb')
        self.n = 0
        self.f.readline()
        self.cmd('LOGIN "%s" "%s"' % (user, password))

    def cmd(self, text):
        """Send a command; its untagged lines and the tagged one."""
        self.n += 1
        tag = 'r%d' % self.n
        self.s.sendall(('%s %s\r\n' % (tag, text)).encode())
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                return lines, '(connection closed)'
            line = line.decode('utf-8', 'replace').rstrip('\r\n')
            if line.startswith(tag + ' '):
                return lines, line[len(tag) + 1:]
            lines.append(line)

    def close(self):
        try:
            self.cmd('LOGOUT')
        except OSError:
            pass
        self.s.close()


def run(port, user, password, maildir):
    owner = owner_of(maildir)
    with open(os.path.join(maildir, 'dovecot-keywords'), 'w') as f:
        f.write('0 $Work\n1 Junk\n')
    if owner is not None:
        os.chown(os.path.join(maildir, 'dovecot-keywords'), owner[0], owner[1])
    bases = [put(maildir, k, c, fl if fl is not None else '', owner)
             for k, (c, fl) in enumerate(MSGS[:6])]
    # a first session gives UIDs 1-6 (and sees them as \Recent itself)
    m = imaplib.IMAP4('127.0.0.1', port, timeout=30)
    m.login(user, password)
    typ, data = m.select('INBOX')
    say(typ == 'OK' and data[0] == b'6', 'a first session selects the six messages', data)
    typ, data = m.uid('SEARCH', 'ALL')
    say(nums(data) == [1, 2, 3, 4, 5, 6], 'the first session sees UIDs 1-6', data)
    m.logout()
    os.unlink(find_file(maildir, bases[0]))
    for k in (6, 7):
        put(maildir, k, MSGS[k][0], None, owner)

    r = Raw(port, user, password)
    lines, st = r.cmd('SEARCH ALL')
    say(st.startswith('BAD') and lines == [], 'SEARCH without a selected folder is BAD',
        '%r %r' % (lines, st))
    r.close()
    m = imaplib.IMAP4('127.0.0.1', port, timeout=30)
    m.login(user, password)
    typ, data = m.select('INBOX')
    say(typ == 'OK' and data[0] == b'7', 'the second session selects seven messages', data)

    def check(desc, want, *criteria, charset=None, literal=None):
        m.literal = literal
        try:
            typ, data = m.search(charset, *criteria)
        except imaplib.IMAP4.error as e:
            say(False, desc, 'error: %s' % e)
            return
        got = nums(data)
        say(typ == 'OK' and got == want, desc, '%s: got %r, want %r' % (typ, got, want))

    def ucheck(desc, want, *criteria):
        typ, data = m.uid('SEARCH', *criteria)
        got = nums(data)
        say(typ == 'OK' and got == want, desc, '%s: got %r, want %r' % (typ, got, want))

    big = wsize(MSGS[7][0])
    # flags and keywords: from the file names alone
    check('ALL', [1, 2, 3, 4, 5, 6, 7], 'ALL')
    check('SEEN', [1, 2], 'SEEN')
    check('UNSEEN', [3, 4, 5, 6, 7], 'UNSEEN')
    check('ANSWERED', [2], 'ANSWERED')
    check('UNANSWERED', [1, 3, 4, 5, 6, 7], 'UNANSWERED')
    check('FLAGGED', [3], 'FLAGGED')
    check('UNFLAGGED', [1, 2, 4, 5, 6, 7], 'UNFLAGGED')
    check('DELETED', [4], 'DELETED')
    check('UNDELETED', [1, 2, 3, 5, 6, 7], 'UNDELETED')
    check('DRAFT', [5], 'DRAFT')
    check('UNDRAFT', [1, 2, 3, 4, 6, 7], 'UNDRAFT')
    check('KEYWORD $Work', [3], 'KEYWORD', '$Work')
    check('KEYWORD is case-insensitive (junk)', [5], 'KEYWORD', 'junk')
    check('UNKEYWORD $Work', [1, 2, 4, 5, 6, 7], 'UNKEYWORD', '$Work')
    check('KEYWORD of a keyword the folder lacks matches nothing', [], 'KEYWORD', 'Nothing')
    check('UNKEYWORD of a keyword the folder lacks matches all', [1, 2, 3, 4, 5, 6, 7],
          'UNKEYWORD', 'Nothing')
    check('RECENT: the two this session gave UIDs', [6, 7], 'RECENT')
    check('NEW', [6, 7], 'NEW')
    check('OLD', [1, 2, 3, 4, 5], 'OLD')
    # sizes
    check('LARGER 5000', [7], 'LARGER', '5000')
    check('SMALLER 5000', [1, 2, 3, 4, 5, 6], 'SMALLER', '5000')
    check('LARGER than its RFC822.SIZE: not itself', [], 'LARGER', str(big))
    check('LARGER one less than its RFC822.SIZE', [7], 'LARGER', str(big - 1))
    check('SMALLER one more than its RFC822.SIZE', [1, 2, 3, 4, 5, 6, 7], 'SMALLER', str(big + 1))
    # internal dates (the arrival day, local zone)
    check('SINCE 10-Mar-2023', [5, 6, 7], 'SINCE', '10-Mar-2023')
    check('BEFORE 8-Mar-2023', [1, 2], 'BEFORE', '8-Mar-2023')
    check('ON 9-Mar-2023', [4], 'ON', '9-Mar-2023')
    check('ON with a quoted date', [4], 'ON', '"9-Mar-2023"')
    check('SINCE and BEFORE together', [3, 4], 'SINCE', '8-Mar-2023', 'BEFORE', '10-Mar-2023')
    # Date: field (its own zone; a message without one matches no SENT
    # key) and header keys (RFC 2047 decoded); run from the files, then
    # again once FETCH ENVELOPE filled the folder's cache, which answers
    # them instead
    env_checks = [
        ('SENTON 7-Mar-2023: the day in the Date field\'s own zone', [2],
         ('SENTON', '7-Mar-2023'), {}),
        ('SENTON 8-Mar-2023 (a Date without weekday and seconds)', [3],
         ('SENTON', '8-Mar-2023'), {}),
        ('SENTBEFORE 8-Mar-2023', [1, 2], ('SENTBEFORE', '8-Mar-2023'), {}),
        ('SENTSINCE 10-Mar-2023', [5, 6, 7], ('SENTSINCE', '10-Mar-2023'), {}),
        ('NOT SENTSINCE 1-Jan-2000: the message without Date', [4],
         ('NOT', 'SENTSINCE', '1-Jan-2000'), {}),
        ('FROM alice', [1], ('FROM', 'alice'), {}),
        ('FROM "Alice Example <alice@example.org>"', [1],
         ('FROM', '"Alice Example <alice@example.org>"'), {}),
        ('FROM "Jörg Müller" (Q-encoded ISO-8859-1, literal)', [2], ('FROM',),
         dict(charset='UTF-8', literal='Jörg Müller'.encode())),
        ('SUBJECT matches a B-encoded UTF-8 subject', [2], ('SUBJECT',),
         dict(charset='UTF-8', literal='grüße AUS köln'.encode())),
        ('SUBJECT is case-insensitive in ASCII', [1], ('SUBJECT', 'LUNCH'), {}),
        ('SUBJECT does not match the encoded form', [], ('SUBJECT', 'R3LDvMOf'), {}),
        ('TO bob: all', [1, 2, 3, 4, 5, 6, 7], ('TO', 'bob@example.org'), {}),
        ('CC carol', [3], ('CC', 'carol'), {}),
        ('BCC dave', [4], ('BCC', 'dave'), {}),
        ('UNSEEN FROM example.org', [5, 6, 7], ('UNSEEN', 'FROM', 'example.org'), {}),
        ('OR SUBJECT latin1 SENTON 6-Mar-2023', [1, 5],
         ('OR', 'SUBJECT', 'latin1', 'SENTON', '6-Mar-2023'), {}),
    ]
    for desc, want, crit, kw in env_checks:
        check(desc, want, *crit, **kw)
    check('HEADER X-Priority 1', [5], 'HEADER', 'X-Priority', '1')
    check('HEADER X-Priority "": has the field', [5], 'HEADER', 'X-Priority', '""')
    check('HEADER Message-ID "": has the field', [1], 'HEADER', 'MESSAGE-ID', '""')
    check('HEADER of a field nobody has', [], 'HEADER', 'X-None', '""')
    check('SUBJECT of the attached message is no SUBJECT', [], 'SUBJECT', '"Inner subject"')
    # BODY and TEXT, decoded
    check('BODY in a base64 body', [3], 'BODY', 'zebrafish')
    check('BODY in a base64 body, non-ASCII (literal)', [3], 'BODY',
          charset='UTF-8', literal='ÜBERRASCHUNG'.encode())
    check('BODY across a QP soft line break', [4], 'BODY', 'softbroken')
    check('BODY in a QP ISO-8859-1 body (literal)', [4], 'BODY',
          charset='UTF-8', literal='café crème'.encode())
    check('BODY in an 8-bit ISO-8859-1 body (literal)', [5], 'BODY',
          charset='UTF-8', literal='FAÇADE NAÏVE'.encode())
    check('BODY in an 8-bit UTF-8 body (literal)', [2], 'BODY',
          charset='UTF-8', literal='schöne grüße'.encode())
    check('BODY does not find the raw QP form', [], 'BODY', '"Caf=E9"')
    check('BODY does not look into a binary attachment', [], 'BODY', 'hiddenword')
    check('BODY does not look into the preamble', [], 'BODY', 'preambleword')
    check('BODY finds the text of an attached message', [6], 'BODY', 'innerbody')
    check('BODY finds the header of an attached message', [6], 'BODY', '"Inner subject"')
    check('BODY of a word only in a header: none', [], 'BODY', 'lunch')
    check('TEXT of a word only in a header', [1], 'TEXT', 'lunch')
    check('TEXT of a word only in a body', [3], 'TEXT', 'ZEBRAFISH')
    check('TEXT of an address in a header', [1], 'TEXT', 'alice@example.org')
    check('TEXT of a decoded subject (literal)', [2], 'TEXT',
          charset='UTF-8', literal='köln'.encode())
    check('BODY with CHARSET US-ASCII', [3], 'BODY', 'secret', charset='US-ASCII')
    check('SUBJECT of no message gives an empty result', [], 'SUBJECT', 'nonexistent')
    # combinations
    check('OR SEEN FLAGGED', [1, 2, 3], 'OR', 'SEEN', 'FLAGGED')
    check('OR OR SEEN FLAGGED DRAFT', [1, 2, 3, 5], 'OR', 'OR', 'SEEN', 'FLAGGED', 'DRAFT')
    check('OR SEEN OR FLAGGED DRAFT', [1, 2, 3, 5], 'OR', 'SEEN', 'OR', 'FLAGGED', 'DRAFT')
    check('NOT SEEN', [3, 4, 5, 6, 7], 'NOT', 'SEEN')
    check('NOT NOT SEEN', [1, 2], 'NOT', 'NOT', 'SEEN')
    check('NOT OR SEEN RECENT', [3, 4, 5], 'NOT', 'OR', 'SEEN', 'RECENT')
    check('OR of a body key and a flag', [3, 5], 'OR', 'BODY', 'zebrafish', 'DRAFT')
    check('NOT of a body key', [1, 2, 4, 5, 6, 7], 'NOT', 'BODY', 'zebrafish')
    check('a flag and a body key ANDed', [], 'SEEN', 'BODY', 'zebrafish')
    check('UNSEEN BODY zebrafish', [3], 'UNSEEN', 'BODY', 'zebrafish')
    check('parenthesised lists', [2, 3], '(OR', 'ANSWERED', 'FLAGGED)', '(UNDELETED)')
    check('OR of two lists', [1, 6], 'OR', '(SEEN FROM alice)', '(RECENT SUBJECT multipart)')
    check('NOT of a list', [1, 2, 3, 5, 6, 7], 'NOT', '(DELETED UNSEEN)')
    check('nested lists and OR', [5, 7], '((OR (DRAFT) (LARGER 5000)))')
    check('(NOT DELETED) OR (FROM x) (TO y)', [1, 2, 3, 5, 6, 7],
          'UNDELETED', 'OR', 'FROM', 'example', 'TO', 'nobody')
    # sequence sets and UIDs
    check('a sequence set', [2, 3, 4], '2:4')
    check('a sequence set with *', [2, 5, 6, 7], '2,5:*')
    check('* alone', [7], '*')
    check('a reversed range', [3, 4, 5], '5:3')
    check('a sequence set ANDed with a flag', [2], 'SEEN', '2:*')
    check('NOT a sequence set', [1, 7], 'NOT', '2:6')
    check('UID range', [2, 3, 4], 'UID', '3:5')
    check('UID of the removed message: nothing', [], 'UID', '1')
    check('UID 100:* names the last message', [7], 'UID', '100:*')
    check('OR of UID and a sequence set', [1, 7], 'OR', 'UID', '2', '7')
    ucheck('UID SEARCH ALL gives UIDs', [2, 3, 4, 5, 6, 7, 8], 'ALL')
    ucheck('UID SEARCH of a sequence set gives UIDs', [2, 3], '1:2')
    ucheck('UID SEARCH UID range', [4, 5], 'UID', '4:5')
    ucheck('UID SEARCH UID *', [8], 'UID', '*')
    ucheck('UID SEARCH BODY', [4], 'BODY', 'zebrafish')
    ucheck('UID SEARCH with CHARSET', [3], 'CHARSET', 'UTF-8', 'SUBJECT', 'aus')

    typ, data = m.fetch('1:*', '(ENVELOPE)')
    say(typ == 'OK' and len([d for d in data if d]) >= 7,
        'FETCH ENVELOPE of every message (the cache now holds them)', typ)
    for desc, want, crit, kw in env_checks:
        check(desc + ', from the cache', want, *crit, **kw)

    # refusals, on the raw wire
    r = Raw(port, user, password)
    r.cmd('SELECT INBOX')

    def refused(desc, cmd, want):
        lines, st = r.cmd(cmd)
        say(st.startswith(want) and not any(l.startswith('* SEARCH') for l in lines),
            desc, '%r %r' % (lines, st))

    refused('CHARSET ISO-8859-1 is NO [BADCHARSET (UTF-8 US-ASCII)]',
            'SEARCH CHARSET ISO-8859-1 ALL', 'NO [BADCHARSET (UTF-8 US-ASCII)]')
    refused('CHARSET KOI8-R with UID SEARCH is BADCHARSET too',
            'UID SEARCH CHARSET KOI8-R SUBJECT x', 'NO [BADCHARSET (UTF-8 US-ASCII)]')
    refused('an unknown key is BAD', 'SEARCH FOOBAR', 'BAD')
    refused('a key without its argument is BAD', 'SEARCH SUBJECT', 'BAD')
    refused('a bad date is BAD', 'SEARCH SINCE 31-Feb-2023', 'BAD')
    refused('an empty list is BAD', 'SEARCH ()', 'BAD')
    refused('a sequence number above the count is BAD', 'SEARCH 8', 'BAD')
    refused('OR with one operand is BAD', 'SEARCH OR SEEN', 'BAD')
    refused('200 nested NOTs are BAD', 'SEARCH ' + 'NOT ' * 200 + 'ALL', 'BAD')
    refused('150 nested ORs are BAD', 'SEARCH ' + 'OR ALL ' * 150 + 'ALL', 'BAD')
    refused('80 nested parentheses are BAD', 'SEARCH ' + '(' * 80 + 'ALL' + ')' * 80, 'BAD')
    lines, st = r.cmd('SEARCH ' + 'NOT ' * 60 + 'SEEN')
    say(st.startswith('OK') and lines == ['* SEARCH 1 2'],
        '60 nested NOTs are fine (an even count of NOT SEEN)', '%r %r' % (lines, st))
    lines, st = r.cmd('SEARCH SUBJECT nonexistent')
    say(st.startswith('OK') and lines == ['* SEARCH'],
        'an empty result is "* SEARCH" alone', '%r %r' % (lines, st))
    r.close()

    # a message whose file vanished: not found, and no EXPUNGE until allowed
    os.unlink(find_file(maildir, bases[1]))
    m.untagged_responses.pop('EXPUNGE', None)
    check('a message whose file is gone is not found by a body key', [], 'BODY', 'noon')
    say('EXPUNGE' not in m.untagged_responses, 'no EXPUNGE during SEARCH',
        m.untagged_responses.get('EXPUNGE'))
    check('nor by a flag key once the view knows it is gone', [2], 'SEEN')
    say('EXPUNGE' not in m.untagged_responses, 'still no EXPUNGE during SEARCH',
        m.untagged_responses.get('EXPUNGE'))
    m.noop()
    say(m.untagged_responses.get('EXPUNGE') == [b'1'], 'NOOP then reports its EXPUNGE',
        m.untagged_responses.get('EXPUNGE'))
    check('after the EXPUNGE the numbers move up', [1], 'SEEN')
    m.logout()


def many(port, user, password, maildir, n):
    owner = owner_of(maildir)
    bases = [put(maildir, k, b'Subject: m%05d\n\nword%05d\n' % (k, k), None, owner)
             for k in range(n)]
    m = imaplib.IMAP4('127.0.0.1', port, timeout=120)
    m.login(user, password)
    m.select('INBOX')
    typ, data = m.search(None, 'ALL')
    got = nums(data)
    say(typ == 'OK' and got == list(range(1, n + 1)),
        'SEARCH ALL over %d messages lists them all (%d octets)' % (n, len(data[0] or b'')),
        'got %d numbers' % len(got))
    typ, data = m.uid('SEARCH', 'BODY', 'word%05d' % (n - 2))
    say(typ == 'OK' and nums(data) == [n - 1], 'UID SEARCH BODY finds one of %d' % n, data)
    typ, data = m.search(None, 'NOT', 'BODY', 'word%05d' % (n - 2))
    got = nums(data)
    say(typ == 'OK' and len(got) == n - 1 and n - 1 not in got,
        'NOT BODY lists all but one of %d' % n, 'got %d numbers' % len(got))
    typ, data = m.search(None, 'SUBJECT', 'm00009')
    say(typ == 'OK' and nums(data) == [10], 'SUBJECT from the files', data)
    typ, data = m.fetch('1:*', '(ENVELOPE)')
    say(typ == 'OK' and len(data) == n, 'FETCH ENVELOPE of all %d fills the cache' % n, typ)
    # the cache answers header keys: a file removed meanwhile is still
    # found (the message is there for the client until its EXPUNGE)
    os.unlink(find_file(maildir, bases[9]))
    typ, data = m.search(None, 'SUBJECT', 'm00009')
    say(typ == 'OK' and nums(data) == [10], 'SUBJECT answered from the cached ENVELOPE', data)
    typ, data = m.search(None, 'BODY', 'word00009')
    say(typ == 'OK' and nums(data) == [], 'BODY of the removed file finds nothing', data)
    m.noop()
    say(m.untagged_responses.get('EXPUNGE') == [b'10'], 'NOOP reports its EXPUNGE',
        m.untagged_responses.get('EXPUNGE'))
    typ, data = m.search(None, 'OR', 'SUBJECT', 'm00008', 'SUBJECT', 'm00010')
    say(typ == 'OK' and nums(data) == [9, 10], 'the cache after the EXPUNGE', data)
    m.logout()


if __name__ == '__main__':
    cmd = sys.argv[1]
    try:
        if cmd == 'run':
            run(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
        elif cmd == 'many':
            many(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    except (OSError, imaplib.IMAP4.error, socket.timeout) as e:
        say(False, '%s ran to its end' % cmd, repr(e))
