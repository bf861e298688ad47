# imap_tool.py - the server side and the local side of t_imap_clients.sh:
# it fills a user's folders over IMAP, changes them as another client
# would, and writes both a folder tree on the server (over IMAP) and a
# local Maildir tree (as mbsync or offlineimap left it) in one form, so
# that the script compares the two with diff.
#
#   imap_tool.py seed PORT USER PASS          the messages below, APPENDed
#   imap_tool.py server PORT USER PASS        the server's state
#   imap_tool.py local DIR [SEP]              a Maildir tree's state (SEP:
#                                             the client's folder separator
#                                             in directory names, "/" for
#                                             nested directories)
#   imap_tool.py append PORT USER PASS FOLDER SUBJECT [FLAG...]
#   imap_tool.py flag PORT USER PASS FOLDER SUBJECT +FLAGS|-FLAGS FLAG...
#   imap_tool.py expunge PORT USER PASS FOLDER SUBJECT
#                                             mark it \Deleted and EXPUNGE
#   imap_tool.py ladd MAILDIR SUBJECT         a new message in MAILDIR/new
#   imap_tool.py lflag MAILDIR SUBJECT LETTERS   its Maildir flags set to
#                                             LETTERS (moved to cur/)
#   imap_tool.py ldel MAILDIR SUBJECT         its file removed
#
# State: one line per message, sorted: "FOLDER<TAB>FLAGS<TAB>SUBJECT<TAB>
# SHA1", FLAGS the system flags other than \Recent and \Deleted as Maildir
# letters (D F R S), SHA1 over the octets with CRLF line ends: a local
# file without CR is taken as LF for CRLF, as Maildir clients store mail,
# and mbsync's own X-TUID header field (its tag for matching a copy to
# its original, which it adds to what it copies either way) left out.
import hashlib
import imaplib
import os
import re
import sys
import time

FLAG_LETTERS = {'\\draft': 'D', '\\flagged': 'F', '\\answered': 'R', '\\seen': 'S'}


def mkmsg(subject, day=1):
    """A message with a few things a careless copy would break: a leading
    dot, trailing white space, 8-bit UTF-8, a long line."""
    return ('From: Alice <alice@localhost>\r\nTo: bob@localhost\r\n'
            'Subject: %s\r\nDate: %s Dec 2026 10:%02d:00 +0000\r\n'
            'Message-ID: <%s@imap-tool>\r\nMIME-Version: 1.0\r\n'
            'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n'
            '\r\nBody of %s.\r\n.leading dot\r\ntrailing space   \r\n'
            'caf\u00e9 \u00fcber na\u00efve\r\n%s\r\n\r\n-- \r\nAlice\r\n' %
            (subject, '%02d' % day, day % 60, re.sub(r'\W', '-', subject), subject,
             'x' * 500)).encode('utf-8')


SEED = [
    ('INBOX', 'inbox one', ['\\Seen']),
    ('INBOX', 'inbox two', []),
    ('INBOX', 'inbox three', ['\\Flagged', '\\Seen']),
    ('Work', 'work one', ['\\Answered', '\\Seen']),
    ('Work', 'work two', []),
    ('Work/Sub', 'sub one', ['\\Draft']),
]


def login(port, user, password):
    m = imaplib.IMAP4('127.0.0.1', int(port), timeout=30)
    m.login(user, password)
    return m


def check(typ, data, what):
    if typ != 'OK':
        sys.exit('imap_tool: %s: %s %r' % (what, typ, data))


def append(m, folder, subject, flags, day):
    typ, data = m.append(folder, '(%s)' % ' '.join(flags) if flags else None, None, mkmsg(subject, day))
    check(typ, data, 'APPEND to %s' % folder)


def seed(m):
    for folder in sorted({f for f, _, _ in SEED}):
        if folder != 'INBOX':
            typ, data = m.create(folder)
            check(typ, data, 'CREATE %s' % folder)
    for i, (folder, subject, flags) in enumerate(SEED):
        append(m, folder, subject, flags, i + 1)


def letters(flags):
    return ''.join(sorted(FLAG_LETTERS[f.lower()] for f in flags if f.lower() in FLAG_LETTERS)) or '-'


def digest(data):
    if b'\r\n' not in data:
        data = data.replace(b'\n', b'\r\n')
    head, sep, body = data.partition(b'\r\n\r\n')
    head = re.sub(rb'(?m)^X-TUID: [^\r]*\r\n', b'', head + b'\r\n')[:-2]
    return hashlib.sha1(head + sep + body).hexdigest()


def subject_of(data):
    m = re.search(rb'^Subject: ([^\r\n]*)', data, re.M)
    return m.group(1).decode('utf-8', 'replace') if m else '?'


def server_state(m):
    out = []
    typ, data = m.list('""', '*')
    check(typ, data, 'LIST')
    for line in data:
        mm = re.match(rb'^\(([^)]*)\) (?:"[^"]*"|NIL) (.*)$', line)
        if not mm or b'\\noselect' in mm.group(1).lower():
            continue
        name = mm.group(2).decode()
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"').replace('\\\\', '\\')
        typ, d = m.select('"%s"' % name, readonly=True)
        check(typ, d, 'EXAMINE %s' % name)
        if int(d[0]) == 0:
            continue
        typ, d = m.fetch('1:*', '(FLAGS BODY.PEEK[])')
        check(typ, d, 'FETCH in %s' % name)
        for item in d:
            if not isinstance(item, tuple):
                continue
            fl = re.search(rb'FLAGS \(([^)]*)\)', item[0])
            flags = fl.group(1).decode().split() if fl else []
            if '\\Deleted' in flags:
                continue
            out.append('%s\t%s\t%s\t%s' % (name, letters(flags), subject_of(item[1]), digest(item[1])))
    return sorted(out)


def local_state(top, sep='/'):
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        if not os.path.isdir(os.path.join(dirpath, 'cur')):
            continue
        rel = os.path.relpath(dirpath, top)
        name = 'INBOX' if rel == '.' else rel.replace(os.sep, '/')
        if sep != '/':
            name = name.lstrip(sep).replace(sep, '/')
        for sub in ('new', 'cur'):
            for f in sorted(os.listdir(os.path.join(dirpath, sub))):
                info = f.split(':2,', 1)[1] if ':2,' in f else ''
                if 'T' in info:
                    continue
                flags = [k for k, v in FLAG_LETTERS.items() if v in info.split(',')[0]]
                with open(os.path.join(dirpath, sub, f), 'rb') as fh:
                    data = fh.read()
                out.append('%s\t%s\t%s\t%s' % (name, letters(flags), subject_of(data), digest(data)))
    return sorted(out)


def find(m, folder, subject):
    typ, d = m.select('"%s"' % folder)
    check(typ, d, 'SELECT %s' % folder)
    typ, d = m.search(None, 'HEADER', 'Subject', '"%s"' % subject)
    check(typ, d, 'SEARCH in %s' % folder)
    nums = d[0].split()
    if len(nums) != 1:
        sys.exit('imap_tool: %d messages "%s" in %s' % (len(nums), subject, folder))
    return nums[0].decode()


def local_find(maildir, subject):
    want = ('Subject: %s' % subject).encode()
    hits = []
    for sub in ('new', 'cur'):
        for f in os.listdir(os.path.join(maildir, sub)):
            with open(os.path.join(maildir, sub, f), 'rb') as fh:
                if want in fh.read().split(b'\n'):
                    hits.append(os.path.join(maildir, sub, f))
    if len(hits) != 1:
        sys.exit('imap_tool: %d files "%s" in %s' % (len(hits), subject, maildir))
    return hits[0]


def local_change(cmd, maildir, subject, flags=''):
    if cmd == 'ladd':
        name = '%d.M1P%dQ1.imap-tool' % (time.time(), os.getpid())
        with open(os.path.join(maildir, 'tmp', name), 'wb') as f:
            f.write(mkmsg(subject, 20).replace(b'\r\n', b'\n'))
        os.rename(os.path.join(maildir, 'tmp', name), os.path.join(maildir, 'new', name))
        return
    path = local_find(maildir, subject)
    if cmd == 'ldel':
        os.unlink(path)
        return
    base = os.path.basename(path).split(':2,')[0]
    os.rename(path, os.path.join(maildir, 'cur', base + ':2,' + ''.join(sorted(flags))))


def main():
    a = sys.argv[1:]
    cmd = a[0] if a else ''
    if cmd in ('ladd', 'lflag', 'ldel'):
        local_change(cmd, a[1], a[2], a[3] if len(a) > 3 else '')
        return
    if cmd == 'local':
        print('\n'.join(local_state(a[1], a[2] if len(a) > 2 else '/')))
        return
    if cmd not in ('seed', 'server', 'append', 'flag', 'expunge'):
        sys.exit('usage: see the comment at the top of imap_tool.py')
    m = login(a[1], a[2], a[3])
    if cmd == 'seed':
        seed(m)
    elif cmd == 'server':
        print('\n'.join(server_state(m)))
    elif cmd == 'append':
        append(m, a[4], a[5], a[6:], 25)
    elif cmd == 'flag':
        n = find(m, a[4], a[5])
        typ, d = m.store(n, a[6], '(%s)' % ' '.join(a[7:]))
        check(typ, d, 'STORE')
    elif cmd == 'expunge':
        n = find(m, a[4], a[5])
        typ, d = m.store(n, '+FLAGS.SILENT', '(\\Deleted)')
        check(typ, d, 'STORE \\Deleted')
        typ, d = m.expunge()
        check(typ, d, 'EXPUNGE')
    m.logout()


if __name__ == '__main__':
    main()
