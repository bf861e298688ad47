# imap_folder.py - the folder commands of imapd-session for t_imap_folder.sh,
# through python's imaplib: CREATE DELETE RENAME (hierarchies, INBOX),
# names that would leave the Maildir, modified UTF-7 names, SUBSCRIBE
# UNSUBSCRIBE LSUB, LIST with patterns and LIST-EXTENDED options,
# LIST-STATUS, NAMESPACE, STATUS values, UIDVALIDITY across DELETE and
# CREATE, the special-use folders of a new user, and a Maildir++ tree laid
# out as Dovecot leaves it.  Every check prints "ok DESC" or
# "FAIL DESC: DETAIL"; t_imap_folder.sh turns them into its results.
#
#   imap_folder.py defaults PORT USER PASS MAILDIR
#                      a new user's special-use folders, NAMESPACE, LIST ""
#   imap_folder.py folders PORT USER PASS MAILDIR
#                      CREATE DELETE RENAME, bad names, mUTF-7, LIST
#                      patterns and options, subscriptions, UIDVALIDITY
#   imap_folder.py inbox PORT USER PASS MAILDIR N
#                      RENAME INBOX with its N delivered messages
#   imap_folder.py status PORT USER PASS MAILDIR N
#                      STATUS of INBOX holding N delivered messages
#   imap_folder.py dovecot-tree MAILDIR
#                      lay out a Dovecot-style Maildir++ tree
#   imap_folder.py dovecot PORT USER PASS MAILDIR
#                      LIST and LSUB of that tree
import imaplib
import os
import re
import sys
import threading

T0 = 1700000000


def say(ok, desc, detail=''):
    if ok:
        print('ok %s' % desc)
    else:
        print('FAIL %s: %s' % (desc, detail))
    sys.stdout.flush()


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def unquote(s):
    """The first IMAP string or atom of s and the rest after it."""
    s = s.lstrip(' ')
    if s.startswith('"'):
        out, i = [], 1
        while i < len(s) and s[i] != '"':
            if s[i] == '\\':
                i += 1
            out.append(s[i])
            i += 1
        return ''.join(out), s[i + 1:]
    m = re.match(r'([^ ]*)(.*)$', s)
    return m.group(1), m.group(2)


class Client:
    def __init__(self, port, user, password):
        self.M = imaplib.IMAP4('127.0.0.1', int(port), timeout=30)
        self.M.login(user, password)

    def run(self, name, *args):
        """(status, text of the tagged line, {untagged name: [lines]})."""
        M = self.M
        M.untagged_responses.clear()
        try:
            typ, dat = M._simple_command(name, *args)
        except M.error as e:
            M.untagged_responses.clear()
            return 'BAD', str(e), {}
        text = ' '.join(x.decode('latin-1') for x in dat if isinstance(x, bytes))
        unt = {}
        for k, v in M.untagged_responses.items():
            unt[k] = [x.decode('latin-1') if isinstance(x, bytes) else x for x in v]
        M.untagged_responses.clear()
        if name in ('SELECT', 'EXAMINE'):
            M.state = 'SELECTED' if typ == 'OK' else 'AUTH'
        return typ, text, unt

    def list(self, *args, cmd='LIST'):
        """{name: (attributes as a set, extended data text)} and the raw
        lines, with the status of the command."""
        typ, text, unt = self.run(cmd, *args)
        out, order = {}, []
        for line in unt.get(cmd, []):
            if not isinstance(line, str):
                continue
            m = re.match(r'^\(([^)]*)\) ("/"|NIL) (.*)$', line)
            if not m:
                out['?' + line] = (set(), '')
                continue
            name, rest = unquote(m.group(3))
            out[name] = (set(a.lower() for a in m.group(1).split()), rest.strip())
            order.append(name)
        statuses = {}
        for line in unt.get('STATUS', []):
            if isinstance(line, str):
                name, rest = unquote(line)
                statuses[name] = parse_items(rest)
        return typ, text, out, order, statuses

    def status(self, name, items='(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE)'):
        typ, text, unt = self.run('STATUS', quote(name), items)
        for line in unt.get('STATUS', []):
            if isinstance(line, str):
                got, rest = unquote(line)
                return typ, text, parse_items(rest), got
        return typ, text, {}, None

    def close(self):
        try:
            self.M.logout()
        except Exception:
            pass


def concurrently(calls):
    """Run (client, command, argument) calls in threads at once; their
    statuses in order."""
    out = [None] * len(calls)

    def one(i, cl, name, arg):
        out[i] = cl.run(name, arg)[0]
    threads = [threading.Thread(target=one, args=(i,) + call) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def parse_items(text):
    m = re.search(r'\(([^)]*)\)', text)
    words = m.group(1).split() if m else []
    return {words[i].upper(): int(words[i + 1]) for i in range(0, len(words) - 1, 2)}


def expect(desc, got, want_typ, code=None):
    typ, text = got[0], got[1]
    ok = typ == want_typ and (code is None or ('[%s]' % code) in text)
    say(ok, desc, '%s %s' % (typ, text))
    return ok


def attrs(entry):
    return entry[0] if entry else set()


def tree(maildir):
    """Every directory below the Maildir's parent, relative to it."""
    top = os.path.dirname(os.path.abspath(maildir))
    out = set()
    for root, dirs, _files in os.walk(top):
        for d in dirs:
            out.add(os.path.relpath(os.path.join(root, d), top))
    return out


# --- defaults ----------------------------------------------------------

SPECIAL = {'Drafts': '\\drafts', 'Sent': '\\sent', 'Trash': '\\trash',
           'Junk': '\\junk', 'Archive': '\\archive'}


def defaults(port, user, password, maildir):
    c = Client(port, user, password)
    typ, text, got, order, _ = c.list('""', '"*"')
    say(typ == 'OK' and order[:1] == ['INBOX'], 'LIST "" * starts with INBOX', order)
    for name, use in SPECIAL.items():
        say(name in got and use in attrs(got.get(name)),
            'a new user has %s with %s' % (name, use), got.get(name))
        say(os.path.isdir(os.path.join(maildir, '.' + name, 'cur')) and
            os.path.isfile(os.path.join(maildir, '.' + name, 'maildirfolder')),
            '%s is a Maildir++ folder on disk' % name)
    say('\\hasnochildren' in attrs(got.get('INBOX')), 'INBOX has \\HasNoChildren',
        got.get('INBOX'))
    typ, text, lsub, _, _ = c.list('""', '"*"', cmd='LSUB')
    say(set(lsub) == set(SPECIAL), 'the special-use folders are subscribed', sorted(lsub))
    typ, text, got, order, _ = c.list('(SPECIAL-USE)', '""', '"*"')
    say(typ == 'OK' and set(got) == set(SPECIAL),
        'LIST (SPECIAL-USE) lists exactly the special-use folders', sorted(got))
    typ, text, got, order, _ = c.list('""', '"*"', 'RETURN', '(SPECIAL-USE)')
    say(use_of(got) == SPECIAL, 'RETURN (SPECIAL-USE) gives each its use', use_of(got))
    typ, text, unt = c.run('NAMESPACE')
    say(typ == 'OK' and unt.get('NAMESPACE') == ['(("" "/")) NIL NIL'],
        'NAMESPACE: one personal namespace, "/"', unt.get('NAMESPACE'))
    typ, text, unt = c.run('LIST', '""', '""')
    say(typ == 'OK' and unt.get('LIST') == ['(\\Noselect) "/" ""'],
        'LIST "" "" answers the delimiter', unt.get('LIST'))
    typ, text, unt = c.run('LIST', '"Sent"', '""')
    say(typ == 'OK' and unt.get('LIST') == ['(\\Noselect) "/" ""'],
        'LIST with a reference and "" answers the delimiter', unt.get('LIST'))
    c.close()
    c = Client(port, user, password)
    expect('DELETE Junk', c.run('DELETE', 'Junk'), 'OK')
    c.close()
    c = Client(port, user, password)
    typ, text, got, order, _ = c.list('""', '"*"')
    say('Junk' not in got, 'a deleted default folder does not come back at the next login',
        order)
    c.close()


def use_of(got):
    out = {}
    for name, (a, _) in got.items():
        for u in a:
            if u in SPECIAL.values():
                out[name] = u
    return out


# --- folders -----------------------------------------------------------

def folders(port, user, password, maildir):
    c = Client(port, user, password)
    run = c.run

    # CREATE, with the trailing delimiter and hierarchy.
    expect('CREATE Projects/tern/ (trailing delimiter)', run('CREATE', 'Projects/tern/'), 'OK')
    say(os.path.isdir(os.path.join(maildir, '.Projects.tern', 'cur')),
        'CREATE made .Projects.tern with cur/')
    say(os.path.isfile(os.path.join(maildir, '.Projects.tern', 'tern-uidlist')),
        'a new folder has its UID list at once')
    say(not os.path.exists(os.path.join(maildir, '.Projects.tern.')) and
        not os.path.exists(os.path.join(maildir, '.Projects')),
        'no directory for the delimiter or the parent')
    expect('CREATE of an existing folder: NO [ALREADYEXISTS]',
           run('CREATE', 'Projects/tern'), 'NO', 'ALREADYEXISTS')
    expect('CREATE INBOX: NO [ALREADYEXISTS]', run('CREATE', 'INBOX'), 'NO', 'ALREADYEXISTS')
    expect('CREATE inbox (any case): NO [ALREADYEXISTS]', run('CREATE', 'inbox'), 'NO',
           'ALREADYEXISTS')
    expect('CREATE INBOX/sub', run('CREATE', 'INBOX/sub'), 'OK')
    say(os.path.isdir(os.path.join(maildir, '.INBOX.sub')), 'INBOX/sub is .INBOX.sub')

    # LIST patterns.
    typ, text, got, order, _ = c.list('""', '"%"')
    say('Projects' in got and {'\\noselect', '\\haschildren'} <= attrs(got['Projects']),
        'LIST "" %: a parent that only children imply is \\Noselect \\HasChildren',
        got.get('Projects'))
    say('Projects/tern' not in got, '% does not cross the delimiter', order)
    say('\\haschildren' in attrs(got.get('INBOX')), 'INBOX now has \\HasChildren',
        got.get('INBOX'))
    typ, text, got, order, _ = c.list('""', '"*"')
    say('Projects/tern' in got and 'Projects' not in got,
        'LIST "" *: the folder, not the implied parent', order)
    say('\\hasnochildren' in attrs(got.get('Projects/tern')),
        'a leaf has \\HasNoChildren', got.get('Projects/tern'))
    typ, text, got, order, _ = c.list('"Projects/"', '"%"')
    say(list(got) == ['Projects/tern'], 'LIST "Projects/" %: the reference prefixes the pattern',
        order)
    typ, text, got, order, _ = c.list('""', '"Proj*"')
    say(list(got) == ['Projects/tern'], 'LIST "" Proj*', order)
    typ, text, got, order, _ = c.list('""', '"inbox"')
    say(list(got) == ['INBOX'], 'LIST "" inbox finds INBOX whatever the case', order)
    typ, text, got, order, _ = c.list('""', '"Inbox/%"')
    say(list(got) == ['INBOX/sub'], 'LIST "" Inbox/% finds INBOX/sub', order)
    typ, text, got, order, _ = c.list('()', '""', '"%"')
    say('\\nonexistent' in attrs(got.get('Projects')),
        'LIST () "" %: the implied parent is \\NonExistent', got.get('Projects'))
    typ, text, got, order, _ = c.list('""', '("INBOX" "Projects/*" "")')
    say(order == ['INBOX', 'Projects/tern'], 'LIST with several patterns, "" ignored', order)

    # CREATE-SPECIAL-USE.
    expect('CREATE MyDrafts (USE (\\Drafts))', run('CREATE', 'MyDrafts', '(USE (\\Drafts))'), 'OK')
    typ, text, got, order, _ = c.list('""', '"MyDrafts"')
    say('\\drafts' in attrs(got.get('MyDrafts')), 'the created folder has \\Drafts',
        got.get('MyDrafts'))
    expect('CREATE with an unknown use: NO [USEATTR]',
           run('CREATE', 'Weird', '(USE (\\Weird))'), 'NO', 'USEATTR')
    expect('CREATE with \\All (no virtual folders): NO [USEATTR]',
           run('CREATE', 'Everything', '(USE (\\All))'), 'NO', 'USEATTR')
    say(not os.path.exists(os.path.join(maildir, '.Weird')) and
        not os.path.exists(os.path.join(maildir, '.Everything')),
        'a refused use creates nothing')
    expect('CREATE with an unknown parameter: BAD', run('CREATE', 'P2', '(COLOR (red))'), 'BAD')

    # Names that would leave the Maildir, or are not names at all.
    before = tree(maildir)
    bad = ['../x', 'a/../../b', '..', '.hidden', 'a.b', '/abs', 'a//b', '~user',
           'x' * 300, 'tab\there', 'nl\x01ctl', 'a/./b', '%', 'a*b']
    for name in bad:
        got = run('CREATE', quote(name))
        say(got[0] == 'NO', 'CREATE %r refused with NO' % name[:40], '%s %s' % got[:2])
        got = run('RENAME', 'MyDrafts', quote(name))
        say(got[0] == 'NO', 'RENAME to %r refused with NO' % name[:40], '%s %s' % got[:2])
    got = run('CREATE', '"a\x7fb"')
    say(got[0] in ('NO', 'BAD'), 'CREATE with DEL refused', '%s %s' % got[:2])
    after = tree(maildir)
    say(after == before, 'nothing was created anywhere by the refused names',
        sorted(after ^ before))

    # Modified UTF-7.
    expect('CREATE Entw&APw-rfe', run('CREATE', '"Entw&APw-rfe"'), 'OK')
    say(os.path.isdir(os.path.join(maildir, '.Entw&APw-rfe')),
        'the name is kept in modified UTF-7 on disk (as Dovecot keeps it)')
    typ, text, got, order, _ = c.list('""', '"Entw*"')
    say(list(got) == ['Entw&APw-rfe'], 'LIST gives the mUTF-7 name back unchanged', order)
    typ, text, items, name = c.status('Entw&APw-rfe', '(MESSAGES)')
    say(typ == 'OK' and name == 'Entw&APw-rfe' and items.get('MESSAGES') == 0,
        'STATUS of the mUTF-7 name', '%s %s %s' % (typ, text, items))
    got = run('CREATE', '"Entw&AP-rfe"')
    say(got[0] == 'NO', 'a malformed mUTF-7 name is refused', '%s %s' % got[:2])
    c.M._encoding = 'latin-1'
    got = run('CREATE', '"caf\xe9"')
    c.M._encoding = 'ascii'
    say(got[0] in ('NO', 'BAD'), 'an 8-bit name is refused', '%s %s' % got[:2])

    # DELETE.
    expect('DELETE Projects/tern', run('DELETE', 'Projects/tern'), 'OK')
    say(not os.path.exists(os.path.join(maildir, '.Projects.tern')), 'DELETE removed the directory')
    expect('DELETE of a missing folder: NO [NONEXISTENT]', run('DELETE', 'Projects/tern'), 'NO',
           'NONEXISTENT')
    expect('DELETE INBOX: NO', run('DELETE', 'INBOX'), 'NO')
    expect('CREATE Work', run('CREATE', 'Work'), 'OK')
    expect('CREATE Work/A', run('CREATE', 'Work/A'), 'OK')
    expect('DELETE Work, which has a child', run('DELETE', 'Work'), 'OK')
    typ, text, got, order, _ = c.list('""', '"Work*"')
    say(list(got) == ['Work/A'], 'the child stays after its parent is deleted', order)
    typ, text, got, order, _ = c.list('""', '"%"')
    say({'\\noselect', '\\haschildren'} <= attrs(got.get('Work')),
        'the deleted parent is \\Noselect \\HasChildren', got.get('Work'))
    typ, text, unt = run('SELECT', 'Work')
    say(typ == 'NO', 'SELECT of the \\Noselect parent fails', '%s %s' % (typ, text))
    expect('DELETE of the \\Noselect parent: NO [NONEXISTENT]', run('DELETE', 'Work'), 'NO',
           'NONEXISTENT')

    # UIDVALIDITY never repeats for a name.
    expect('CREATE V', run('CREATE', 'V'), 'OK')
    v1 = c.status('V', '(UIDVALIDITY UIDNEXT)')[2]
    expect('DELETE V', run('DELETE', 'V'), 'OK')
    expect('CREATE V again at once', run('CREATE', 'V'), 'OK')
    v2 = c.status('V', '(UIDVALIDITY UIDNEXT)')[2]
    say(v1.get('UIDVALIDITY') and v2.get('UIDVALIDITY', 0) > v1['UIDVALIDITY'],
        'UIDVALIDITY after DELETE and CREATE is larger', '%s %s' % (v1, v2))
    say(v2.get('UIDNEXT') == 1, 'a new folder has UIDNEXT 1', v2)
    expect('RENAME V W', run('RENAME', 'V', 'W'), 'OK')
    w = c.status('W', '(UIDVALIDITY)')[2]
    say(w.get('UIDVALIDITY') == v2.get('UIDVALIDITY'), 'RENAME keeps the folder\'s UIDVALIDITY',
        '%s %s' % (v2, w))
    expect('CREATE V where the renamed one was', run('CREATE', 'V'), 'OK')
    v3 = c.status('V', '(UIDVALIDITY)')[2]
    say(v3.get('UIDVALIDITY', 0) > v2.get('UIDVALIDITY', 0),
        'a name given up by RENAME gets a larger UIDVALIDITY', '%s %s' % (v2, v3))

    # RENAME with children and subscriptions.
    for n in ('Old', 'Old/Child', 'Old/Child/Deep'):
        expect('CREATE %s' % n, run('CREATE', n), 'OK')
    expect('SUBSCRIBE Old/Child', run('SUBSCRIBE', 'Old/Child'), 'OK')
    expect('RENAME Old New', run('RENAME', 'Old', 'New'), 'OK')
    typ, text, got, order, _ = c.list('""', '"*"')
    say({'New', 'New/Child', 'New/Child/Deep'} <= set(got) and
        not any(n.startswith('Old') for n in got),
        'RENAME moved the folder and its children', order)
    say(os.path.isdir(os.path.join(maildir, '.New.Child.Deep', 'cur')),
        'the children\'s directories were renamed on disk')
    typ, text, lsub, _, _ = c.list('""', '"*"', cmd='LSUB')
    say('New/Child' in lsub and 'Old/Child' not in lsub, 'the subscription moved along',
        sorted(lsub))
    expect('RENAME onto an existing folder: NO [ALREADYEXISTS]', run('RENAME', 'New', 'MyDrafts'),
           'NO', 'ALREADYEXISTS')
    expect('RENAME of a missing folder: NO [NONEXISTENT]', run('RENAME', 'Nothing', 'Else'), 'NO',
           'NONEXISTENT')
    expect('RENAME below itself: NO', run('RENAME', 'New', 'New/Child/X'), 'NO')
    expect('RENAME to INBOX: NO', run('RENAME', 'New', 'INBOX'), 'NO')
    typ, text, unt = run('SELECT', 'New/Child')
    say(typ == 'OK', 'SELECT New/Child', '%s %s' % (typ, text))
    expect('RENAME of the selected folder\'s parent', run('RENAME', 'New', 'Newer'), 'OK')
    typ, text, unt = run('SELECT', 'Newer/Child')
    say(typ == 'OK', 'SELECT of the renamed child works', '%s %s' % (typ, text))
    expect('DELETE of the selected folder\'s parent', run('DELETE', 'Newer'), 'OK')
    typ, text, unt = run('CHECK')
    say(typ == 'OK', 'the child stays selected when its parent is deleted', '%s %s' % (typ, text))
    expect('DELETE of the selected folder', run('DELETE', 'Newer/Child'), 'OK')
    typ, text, unt = run('CHECK')
    say(typ == 'BAD', 'deleting the selected folder leaves the selected state',
        '%s %s' % (typ, text))
    typ, text, unt = run('NOOP')
    say(typ == 'OK', 'the session goes on after deleting its selected folder',
        '%s %s' % (typ, text))
    say(not os.path.exists(os.path.join(maildir, '.Newer.Child')),
        'the selected folder was deleted')

    # Subscriptions and LSUB.
    expect('SUBSCRIBE a name that does not exist', run('SUBSCRIBE', 'Nope/Child'), 'OK')
    typ, text, lsub, _, _ = c.list('""', '"%"', cmd='LSUB')
    say('\\noselect' in attrs(lsub.get('Nope')) and 'Nope/Child' not in lsub,
        'LSUB "" %: an unsubscribed level is \\Noselect', lsub)
    typ, text, lsub, _, _ = c.list('""', '"*"', cmd='LSUB')
    say('Nope/Child' in lsub and 'Nope' not in lsub, 'LSUB "" * has the name itself', sorted(lsub))
    typ, text, got, order, _ = c.list('(SUBSCRIBED)', '""', '"*"')
    say({'\\subscribed', '\\nonexistent'} <= attrs(got.get('Nope/Child')),
        'LIST (SUBSCRIBED): a missing subscribed name is \\NonExistent \\Subscribed',
        got.get('Nope/Child'))
    say('Newer' not in got and 'Nope' not in got,
        'LIST (SUBSCRIBED) lists only subscribed names', order)
    typ, text, got, order, _ = c.list('(SUBSCRIBED RECURSIVEMATCH)', '""', '"%"')
    say('Nope' in got and 'CHILDINFO' in got['Nope'][1] and 'SUBSCRIBED' in got['Nope'][1],
        'RECURSIVEMATCH gives the parent with CHILDINFO ("SUBSCRIBED")', got.get('Nope'))
    say('Nope/Child' not in got, 'RECURSIVEMATCH: the child itself does not match %', order)
    expect('SUBSCRIBE W', run('SUBSCRIBE', 'W'), 'OK')
    typ, text, got, order, _ = c.list('""', '"*"', 'RETURN', '(SUBSCRIBED CHILDREN)')
    say('\\subscribed' in attrs(got.get('W')), 'RETURN (SUBSCRIBED) marks subscribed folders',
        got.get('W'))
    say('\\subscribed' not in attrs(got.get('MyDrafts')),
        'RETURN (SUBSCRIBED) leaves the others unmarked', got.get('MyDrafts'))
    expect('UNSUBSCRIBE Nope/Child', run('UNSUBSCRIBE', 'Nope/Child'), 'OK')
    typ, text, lsub, _, _ = c.list('""', '"*"', cmd='LSUB')
    say('Nope/Child' not in lsub, 'UNSUBSCRIBE removed it', sorted(lsub))
    expect('UNSUBSCRIBE of a name not subscribed', run('UNSUBSCRIBE', 'Nope/Child'), 'OK')
    expect('SUBSCRIBE ../x: NO', run('SUBSCRIBE', '"../x"'), 'NO')

    # LIST-EXTENDED syntax errors and LIST-STATUS.
    expect('LIST (RECURSIVEMATCH) alone: BAD', run('LIST', '(RECURSIVEMATCH)', '""', '"*"'), 'BAD')
    expect('LIST (BOGUS): BAD', run('LIST', '(BOGUS)', '""', '"*"'), 'BAD')
    expect('LIST RETURN (BOGUS): BAD', run('LIST', '""', '"*"', 'RETURN', '(BOGUS)'), 'BAD')
    expect('LIST without a pattern: BAD', run('LIST', '""'), 'BAD')
    typ, text, got, order, st = c.list('""', '"*"', 'RETURN', '(STATUS (MESSAGES UIDNEXT))')
    selectable = [n for n in order if '\\nonexistent' not in attrs(got[n])]
    say(typ == 'OK' and set(st) == set(selectable) and
        all(set(v) == {'MESSAGES', 'UIDNEXT'} for v in st.values()),
        'RETURN (STATUS ...) gives a STATUS for each selectable folder',
        '%s / %s' % (sorted(st), selectable))
    say('Work' not in st, 'no STATUS for a \\Noselect name', sorted(st))
    typ, text, got, order, st = c.list('()', '""', '"%"', 'RETURN', '(CHILDREN)')
    say(all(('\\haschildren' in a) != ('\\hasnochildren' in a) for a, _ in got.values()),
        'RETURN (CHILDREN): each name has one of \\HasChildren and \\HasNoChildren', got)

    # Two sessions changing the tree at once.
    others = [Client(port, user, password), Client(port, user, password)]
    got = concurrently([(o, 'CREATE', 'Race') for o in others])
    say(sorted(got) == ['NO', 'OK'], 'two sessions creating one name: one OK, one NO', got)
    got = concurrently([(o, 'CREATE', 'Race%d' % i) for i, o in enumerate(others)])
    v = [c.status('Race%d' % i, '(UIDVALIDITY)')[2].get('UIDVALIDITY') for i in range(2)]
    say(got == ['OK', 'OK'] and v[0] and v[1] and v[0] != v[1],
        'two folders created at once get different UIDVALIDITY values', '%s %s' % (got, v))
    got = concurrently([(o, 'DELETE', 'Race') for o in others])
    say(sorted(got) == ['NO', 'OK'], 'two sessions deleting one folder: one OK, one NO', got)
    for o in others:
        o.close()

    # STATUS errors.
    expect('STATUS of a missing folder: NO [NONEXISTENT]',
           run('STATUS', 'Missing', '(MESSAGES)'), 'NO', 'NONEXISTENT')
    expect('STATUS with an unknown item: BAD', run('STATUS', 'INBOX', '(BOGUS)'), 'BAD')
    c.close()


# --- RENAME INBOX ------------------------------------------------------

def inbox(port, user, password, maildir, n):
    n = int(n)
    c = Client(port, user, password)
    files = sorted(os.listdir(os.path.join(maildir, 'new')) + os.listdir(os.path.join(maildir, 'cur')))
    say(len(files) == n, 'INBOX holds the %d delivered messages' % n, files)
    typ, text, unt = c.run('SELECT', 'INBOX')
    say(typ == 'OK' and ('%d' % n) in unt.get('EXISTS', []), 'SELECT INBOX: %d EXISTS' % n, unt.get('EXISTS'))
    expect('CREATE INBOX/kept', c.run('CREATE', 'INBOX/kept'), 'OK')
    expect('RENAME INBOX Saved', c.run('RENAME', 'INBOX', 'Saved'), 'OK')
    typ, text, items, _ = c.status('Saved')
    say(items.get('MESSAGES') == n, 'the new folder has INBOX\'s %d messages' % n, items)
    typ, text, items, _ = c.status('INBOX')
    say(items.get('MESSAGES') == 0, 'INBOX is left empty', items)
    moved = sorted(os.listdir(os.path.join(maildir, '.Saved', 'new')) +
                   os.listdir(os.path.join(maildir, '.Saved', 'cur')))
    say([f.split(':')[0] for f in moved] == [f.split(':')[0] for f in files],
        'the same message files are in .Saved on disk', moved)
    typ, text, got, order, _ = c.list('""', '"*"')
    say('INBOX' in got and 'INBOX/kept' in got and 'Saved/kept' not in got,
        'INBOX and its children stay where they were', order)
    typ, text, unt = c.run('SELECT', 'Saved')
    say(typ == 'OK' and ('%d' % n) in unt.get('EXISTS', []), 'SELECT Saved: %d EXISTS' % n,
        unt.get('EXISTS'))
    dat = fetch(c, '1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    if dat is not None:
        subjects = sorted(x[1].decode().strip() for x in dat if isinstance(x, tuple))
        say(len(subjects) == n and all(s.startswith('Subject: inbox ') for s in subjects),
            'the moved messages read as delivered', subjects)
    expect('RENAME INBOX onto an existing folder: NO [ALREADYEXISTS]',
           c.run('RENAME', 'INBOX', 'Saved'), 'NO', 'ALREADYEXISTS')
    c.close()


# --- STATUS ------------------------------------------------------------

def status(port, user, password, maildir, n):
    n = int(n)
    names = os.listdir(os.path.join(maildir, 'new'))
    size = sum(int(re.search(r',W=(\d+)', f).group(1)) for f in names)
    c = Client(port, user, password)
    typ, text, items, name = c.status('INBOX')
    say(typ == 'OK' and name == 'INBOX', 'STATUS INBOX', '%s %s' % (typ, text))
    say(items.get('MESSAGES') == n, 'MESSAGES %d' % n, items)
    say(items.get('RECENT') == n, 'RECENT %d: nobody has looked at them yet' % n, items)
    say(items.get('UNSEEN') == n, 'UNSEEN %d' % n, items)
    say(items.get('UIDNEXT') == n + 1, 'UIDNEXT %d: the UIDs they will get' % (n + 1), items)
    say(items.get('SIZE') == size, 'SIZE %d: the sum of their RFC822.SIZE' % size, items)
    say(items.get('UIDVALIDITY', 0) > 0, 'UIDVALIDITY is set', items)
    validity = items.get('UIDVALIDITY')
    typ, text, again, _ = c.status('INBOX')
    say(again == items, 'STATUS again gives the same values (no \\Recent taken)', again)
    typ, text, unt = c.run('SELECT', 'INBOX')
    say(typ == 'OK' and unt.get('RECENT') == ['%d' % n] and
        any(('UIDVALIDITY %d' % validity) in x for x in unt.get('OK', [])),
        'SELECT then sees them \\Recent, with the same UIDVALIDITY', unt)
    dat = fetch(c, '1:*', '(RFC822.SIZE)')
    if dat is not None:
        sizes = sum(int(re.search(rb'RFC822.SIZE (\d+)', x).group(1)) for x in dat if x)
        say(sizes == size, 'SIZE equals the sum of FETCH RFC822.SIZE', '%d %d' % (sizes, size))
    typ, text, items2, _ = c.status('INBOX')
    say(items2.get('RECENT') == n and items2.get('UIDNEXT') == n + 1 and
        items2.get('MESSAGES') == n,
        'STATUS of the selected folder agrees with SELECT', items2)
    # Another client marks one message seen: its file gets the S flag in cur/.
    first = sorted(os.listdir(os.path.join(maildir, 'cur')))[0]
    os.rename(os.path.join(maildir, 'cur', first),
              os.path.join(maildir, 'cur', first.split(':')[0] + ':2,S'))
    typ, text, items3, _ = c.status('INBOX', '(UNSEEN)')
    say(items3.get('UNSEEN') == n - 1, 'UNSEEN counts one less after \\Seen', items3)
    c.close()
    c = Client(port, user, password)
    typ, text, items4, _ = c.status('INBOX')
    say(items4.get('RECENT') == 0 and items4.get('UIDVALIDITY') == validity and
        items4.get('UIDNEXT') == n + 1,
        'a later session: RECENT 0, the same UIDVALIDITY and UIDNEXT', items4)
    typ, text, unt = c.run('CAPABILITY')
    limit = [w for w in ' '.join(unt.get('CAPABILITY', [])).split()
             if w.upper().startswith('APPENDLIMIT=')]
    typ, text, items5, _ = c.status('INBOX', '(APPENDLIMIT)')
    say(limit and items5 == {'APPENDLIMIT': int(limit[0].split('=')[1])},
        'STATUS APPENDLIMIT is the APPENDLIMIT capability\'s', '%s %s' % (limit, items5))
    typ, text, got, order, st = c.list('""', '"INBOX"', 'RETURN', '(STATUS (MESSAGES UNSEEN SIZE))')
    say(st.get('INBOX') == {'MESSAGES': n, 'UNSEEN': n - 1, 'SIZE': size},
        'LIST-STATUS gives the same values', st)
    c.close()


# --- a tree as Dovecot leaves it -----------------------------------------

DOVECOT_FOLDERS = ['.Lists.tern', '.Lists.other', '.Archive.2023', '.Entw&APw-rfe',
                   '.Deep.a.b.c', '.Sent Messages', '.INBOX.old']


def dovecot_tree(maildir):
    msg = b'Subject: old\n\nfrom dovecot\n'
    for d in [''] + DOVECOT_FOLDERS:
        base = os.path.join(maildir, d)
        for sub in ('tmp', 'new', 'cur'):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        if d:
            open(os.path.join(base, 'maildirfolder'), 'w').close()
        # Dovecot's own files, which tern leaves alone.
        with open(os.path.join(base, 'dovecot-uidlist'), 'w') as f:
            f.write('3 V1600000000 N2 G0123456789abcdef\n1 :1600000000.M1P1.old\n')
        name = '1600000000.M1P1.old,S=%d,W=%d:2,S' % (len(msg), len(msg) + msg.count(b'\n'))
        with open(os.path.join(base, 'cur', name), 'wb') as f:
            f.write(msg)
    with open(os.path.join(maildir, 'subscriptions'), 'w') as f:
        f.write('V\t2\n\nLists\ttern\nEntw&APw-rfe\n')
    # Dovecot keeps other files and directories in the Maildir too.
    os.makedirs(os.path.join(maildir, 'dovecot.index.cache.d'), exist_ok=True)
    open(os.path.join(maildir, 'dovecot.index.log'), 'w').close()


def dovecot(port, user, password, maildir):
    c = Client(port, user, password)
    typ, text, got, order, _ = c.list('""', '"*"')
    want = {'INBOX', 'Lists/tern', 'Lists/other', 'Archive/2023', 'Entw&APw-rfe',
            'Deep/a/b/c', 'Sent Messages', 'INBOX/old'}
    say(typ == 'OK' and set(got) == want, 'every folder of the Dovecot tree is listed',
        sorted(set(got) ^ want))
    say(not any(n in got for n in SPECIAL if n not in want),
        'a user with folders gets no default folders', order)
    typ, text, got, order, _ = c.list('""', '"%"')
    for n in ('Lists', 'Archive', 'Deep'):
        say({'\\noselect', '\\haschildren'} <= attrs(got.get(n)),
            '%s (only a parent in Maildir++) is \\Noselect \\HasChildren' % n, got.get(n))
    typ, text, got, order, _ = c.list('""', '"Deep/%/%"')
    say(list(got) == ['Deep/a/b'], 'LIST "" Deep/%/% gives the implied level', order)
    typ, text, lsub, _, _ = c.list('""', '"*"', cmd='LSUB')
    say(set(lsub) == {'Lists/tern', 'Entw&APw-rfe'}, 'Dovecot\'s subscriptions file is read',
        sorted(lsub))
    for n in sorted(want):
        typ, text, items, _ = c.status(n, '(MESSAGES UNSEEN)')
        say(items == {'MESSAGES': 1, 'UNSEEN': 0}, 'STATUS %s: its one seen message' % n, items)
    typ, text, unt = c.run('SELECT', '"Lists/tern"')
    say(typ == 'OK' and unt.get('EXISTS') == ['1'], 'SELECT Lists/tern', unt.get('EXISTS'))
    c.close()


def fetch(c, seqs, items):
    """FETCH's data, or None (printed as a skip) while the session has
    no FETCH yet."""
    try:
        typ, dat = c.M.fetch(seqs, items)
    except c.M.error as e:
        print('skip FETCH %s: %s' % (items, e))
        return None
    return dat


def main():
    a = sys.argv[1:]
    try:
        run_mode(a)
    except Exception as e:
        say(False, '%s ran to its end' % a[0], '%s: %s' % (type(e).__name__, e))


def run_mode(a):
    if a[0] == 'defaults':
        defaults(*a[1:5])
    elif a[0] == 'folders':
        folders(*a[1:5])
    elif a[0] == 'inbox':
        inbox(*a[1:6])
    elif a[0] == 'status':
        status(*a[1:6])
    elif a[0] == 'dovecot-tree':
        dovecot_tree(a[1])
    elif a[0] == 'dovecot':
        dovecot(*a[1:5])
    else:
        sys.exit('usage: see the top of imap_folder.py')


if __name__ == '__main__':
    main()
