#!/usr/bin/env python3
"""ia.py - the raw IMAP client the i14 audit repros share: connect to
127.0.0.1:PORT, optionally log in, send bytes, read what comes back."""
import socket
import time


class Imap:
    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.greeting = self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                r, self.buf = self.buf, b""
                return r
            self.buf += d
        i = self.buf.index(b"\r\n") + 2
        r, self.buf = self.buf[:i], self.buf[i:]
        return r

    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def until_tag(self, tag, limit=None):
        """Lines up to the tagged one (or end of input)."""
        out = []
        t = tag.encode() + b" "
        while True:
            l = self.line()
            out.append(l)
            if not l or l.startswith(t):
                return out

    def cmd(self, tag, text):
        self.send("%s %s\r\n" % (tag, text))
        return self.until_tag(tag)

    def login(self, user, pw):
        return self.cmd("L", 'LOGIN "%s" "%s"' % (user, pw))

    def drain(self, wait=2.0):
        self.s.settimeout(wait)
        out = self.buf
        self.buf = b""
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    break
                out += d
        except socket.timeout:
            pass
        return out
