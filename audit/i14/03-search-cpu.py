#!/usr/bin/env python3
"""03-search-cpu.py PORT MAILLOG - one 46 KB SEARCH line of 3000
"NOT TEXT <word>" criteria over a 10 MB message: every criterion scans
the whole message again, and the session goes on scanning after the
client has left.  Prints the SEARCH's time (or that it did not end in
20 s) and the CPU seconds the session used in the 5 s after the client
closed; exits 1 when the session burned CPU for a client that is gone."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from ia import Imap

port, maillog = int(sys.argv[1]), sys.argv[2]
c = Imap(port, timeout=30)
c.login("attacker@localhost", "pw-attacker")
body = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 10000
c.send(b"ap APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
c.until_tag("ap")
c.cmd("s", "SELECT INBOX")
pids = re.findall(r"imapd-session\[(\d+)\]: user=<attacker@localhost>.*logged in",
                  open(maillog, encoding="latin-1").read())
pid = pids[-1]


def cpu():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


crit = []
while len(crit) < 3000:  # 3 arguments each, under the parser's 10000
    crit.append("NOT TEXT w%dz" % len(crit))
t = time.time()
c.s.settimeout(20)
c.send("q SEARCH %s\r\n" % " ".join(crit))
try:
    r = c.until_tag("q")
    print("SEARCH of %d criteria answered in %.1f s: %s" % (len(crit), time.time() - t,
          r[-1].decode("latin-1").strip()))
except OSError:
    print("SEARCH of %d criteria: no answer in 20 s" % len(crit))
c.s.close()
time.sleep(1)
before = cpu()
time.sleep(5)
used = cpu() - before
print("session %s used %.1f CPU seconds in the 5 s after the client left" % (pid, used))
sys.exit(1 if used > 2 else 0)
