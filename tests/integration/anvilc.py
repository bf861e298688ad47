#!/usr/bin/env python3
"""anvilc.py - connections from a chosen loopback source address, for
t_anvil.sh (the limits per client address of smtpd and pop3d).

  anvilc.py greet PORT SRC [TEXT]
        connect from SRC (127.0.0.1, 127.0.0.2, ...), print the greeting;
        then send TEXT (with \\r\\n written as such, one write) and print
        every further line until the server closes or is silent for 3 s
  anvilc.py hold PORT SRC N STOPFILE [TEXT]
        open N connections from SRC one after the other, print each
        greeting as "N: LINE" (and after TEXT, sent on each, the replies
        that came until 3 s of silence), then keep them open until STOPFILE
        exists, and close them
"""
import os
import signal
import sys
import time

from tnet import connect, read_all, read_line


def read_rest(s, quiet):
    return read_all(s, quiet).decode("utf-8", "replace")


def unescape(text):
    return text.replace("\\r", "\r").replace("\\n", "\n").encode()


def greet(port, src, text=None):
    s = connect(port, timeout=10, src=src)
    print(read_line(s) or "(closed without a greeting)", flush=True)
    if text is not None:
        try:
            s.sendall(unescape(text))
        except OSError:
            pass
    for line in read_rest(s, 3.0).splitlines():
        print(line.rstrip("\r"))
    s.close()


def hold(port, src, n, stopfile, text=None):
    socks = []
    for i in range(n):
        s = connect(port, timeout=10, src=src)
        socks.append(s)
        print("%d: %s" % (i + 1, read_line(s) or "(closed)"), flush=True)
        if text is not None:
            try:
                s.sendall(unescape(text))
            except OSError:
                pass
            for line in read_rest(s, 3.0).splitlines():
                print("%d: %s" % (i + 1, line.rstrip("\r")), flush=True)
    print("holding", flush=True)
    deadline = time.time() + 120
    while not os.path.exists(stopfile) and time.time() < deadline:
        time.sleep(0.05)
    for s in socks:
        s.close()


def main():
    # A reader that stops early (grep -q) is no error.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    cmd = sys.argv[1]
    if cmd == "greet":
        greet(int(sys.argv[2]), sys.argv[3],
              sys.argv[4] if len(sys.argv) > 4 else None)
    elif cmd == "hold":
        hold(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5],
             sys.argv[6] if len(sys.argv) > 6 else None)
    else:
        sys.exit("usage: anvilc.py greet|hold ...")


if __name__ == "__main__":
    main()
