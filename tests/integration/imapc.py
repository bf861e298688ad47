#!/usr/bin/env python3
"""imapc.py - small IMAP probes for the imapd integration tests.

  imapc.py raw PORT [--tls]      send stdin as it is (one write: pipelining),
                                 print every reply line until the server
                                 closes or stays silent for 10 seconds
                                 (the tests end their input with LOGOUT or
                                 what makes the server close, so that only
                                 a slow server, on a loaded machine, is
                                 waited for)
  imapc.py starttls-inject PORT  "a STARTTLS\\r\\nb CAPABILITY\\r\\n" in one
                                 packet, then TLS, then LOGOUT: prints what
                                 came back over TLS
  imapc.py literal PORT USER PASS
                                 LOGIN with both arguments as synchronizing
                                 literals, each sent after the "+"; prints
                                 every line read
  imapc.py handoff QDIR TOKEN    as root: hand a socketpair to the session
                                 service with TOKEN; prints the session's
                                 status and the first line on our end
  imapc.py token QDIR USER PASS  as root: ask auth for a real token
                                 (verify, token=yes, service imap)
"""
import socket
import struct
import sys

from tnet import connect, frame, parse_record, read_all, read_line, tls_context


def cmd_raw(port, tls=False):
    s = connect(port, timeout=10)
    if tls:
        s = tls_context().wrap_socket(s)
    s.sendall(sys.stdin.buffer.read())
    sys.stdout.write(read_all(s, 10.0).decode("latin-1").replace("\r\n", "\n"))


def cmd_starttls_inject(port):
    s = connect(port, timeout=10)
    print("greeting:", read_line(s))
    s.sendall(b"a STARTTLS\r\nb CAPABILITY\r\n")
    print("starttls:", read_line(s))
    t = tls_context().wrap_socket(s)
    t.sendall(b"c LOGOUT\r\n")
    for line in read_all(t, 10.0).decode("latin-1").splitlines():
        print("tls:", line)


def cmd_literal(port, user, password):
    s = connect(port, timeout=10)
    print(read_line(s))
    u, p = user.encode(), password.encode()
    s.sendall(b"L1 LOGIN {%d}\r\n" % len(u))
    print(read_line(s))
    s.sendall(u + b" {%d}\r\n" % len(p))
    print(read_line(s))
    s.sendall(p + b"\r\nL2 NOOP\r\nL3 LOGOUT\r\n")
    sys.stdout.write(read_all(s, 10.0).decode("latin-1").replace("\r\n", "\n"))


def cmd_handoff(qdir, token):
    ours, theirs = socket.socketpair()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(20)
    c.connect(qdir + "/private/imap-session")
    rec = [("proto", "login-session"), ("version", "1"), ("token", token),
           ("service", "imap"), ("client", "127.0.0.1"), ("port", "4711"),
           ("secured", "yes"), ("greeting_tag", "H1")]
    socket.send_fds(c, [frame(rec)], [theirs.fileno()])
    theirs.close()
    hdr = b""
    while len(hdr) < 4:
        chunk = c.recv(4 - len(hdr))
        if not chunk:
            print("status=(closed)")
            return
        hdr += chunk
    (n,) = struct.unpack(">I", hdr)
    body = b""
    while len(body) < n:
        chunk = c.recv(n - len(body))
        if not chunk:
            break
        body += chunk
    r = parse_record(body)
    print("status=%s" % r.get("status", ""))
    if "reason" in r:
        print("reason=%s" % r["reason"])
    ours.settimeout(5)
    try:
        first = ours.recv(4096).decode("latin-1").splitlines()
    except (socket.timeout, OSError):
        first = []
    print("client=%s" % (first[0] if first else "(nothing)"))
    if first:
        ours.sendall(b"H2 LOGOUT\r\n")
        read_all(ours, 2)


def cmd_token(qdir, user, password):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(20)
    c.connect(qdir + "/private/auth")
    c.sendall(b"proto=auth\nversion=1\n\n")
    req = "request=verify\nmech=PLAIN\nuser=%s\npassword=%s\nclient=127.0.0.1\n" \
          "service=imap\ntoken=yes\n\n" % (user, password)
    c.sendall(req.encode())
    data = b""
    while data.count(b"\n\n") < 2:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    second = data.split(b"\n\n")[1] if data.count(b"\n\n") >= 2 else b""
    print(parse_record(second).get("token", ""))


def main():
    what = sys.argv[1]
    if what == "raw":
        cmd_raw(int(sys.argv[2]), len(sys.argv) > 3 and sys.argv[3] == "--tls")
    elif what == "starttls-inject":
        cmd_starttls_inject(int(sys.argv[2]))
    elif what == "literal":
        cmd_literal(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif what == "handoff":
        cmd_handoff(sys.argv[2], sys.argv[3])
    elif what == "token":
        cmd_token(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: see the comment at the top")


if __name__ == "__main__":
    main()
