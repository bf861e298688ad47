#!/usr/bin/env python3
"""relay_inject.py - submit many small messages over SMTP, fast, for the
relay benchmarks (relay_scale.sh): N messages from SESSIONS parallel
sessions, each a pipelined MAIL/RCPT/DATA, the recipient of message i
being user@d<i % DOMAINS>.scale.example (domain numbers from 0, four
digits).  Exits 0 when every message got its 250, else 1 with a count.

  relay_inject.py PORT COUNT DOMAINS [SESSIONS [SIZE]]
"""
import socket
import sys
import threading


def session(port, first, step, count, domains, size, errors):
    body = ("Subject: scale\r\n\r\n" + ("x" * 70 + "\r\n") * max(1, size // 72)).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=300)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise OSError("connection closed")
            if line[3:4] != b"-":
                return line

    reply()
    s.sendall(b"EHLO inject.example\r\n")
    reply()
    for i in range(first, count, step):
        rcpt = "user%d@d%04d.scale.example" % (i, i % domains)
        s.sendall(("MAIL FROM:<bench@localhost>\r\nRCPT TO:<%s>\r\nDATA\r\n" % rcpt).encode())
        codes = [reply()[:3] for _ in range(3)]
        if codes != [b"250", b"250", b"354"]:
            errors.append((i, codes))
            if codes[2] == b"354":
                s.sendall(b".\r\n")
                reply()
            continue
        s.sendall(body + b".\r\n")
        r = reply()
        if r[:3] != b"250":
            errors.append((i, r))
    s.sendall(b"QUIT\r\n")
    s.close()


def main():
    port, count, domains = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    sessions = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 1024
    errors = []
    threads = [threading.Thread(target=session,
                                args=(port, k, sessions, count, domains, size, errors))
               for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("relay_inject: %d messages not accepted, e.g. %r" % (len(errors), errors[:3]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
