# tnet.py - what the Python clients of the integration tests share:
# connecting to a test instance, the TLS context for its self-signed
# certificate, reading replies, and the framed attribute records of the
# internal protocols (architecture §5), and the hand-shake by files with
# which a test script holds a client in a state while it looks.
# smtpc.py, popc.py, crashc.py, anvilc.py and pop3_txn.py import it (it
# lies beside them, so a script run as `python3 tests/integration/X.py`
# finds it; a heredoc script puts this directory on sys.path first); a
# helper that two clients need belongs here, not in both.
import os
import socket
import ssl
import struct
import time


def connect(addr, timeout=20, src=None):
    """A connected socket: addr is a port on 127.0.0.1 (int or str) or
    "unix:PATH"; src binds the local end to that address first (the
    per-client limits of anvil count by source address)."""
    if isinstance(addr, str) and addr.startswith('unix:'):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr[5:])
        return s
    if src is not None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.settimeout(timeout)
        s.connect(('127.0.0.1', int(addr)))
        return s
    return socket.create_connection(('127.0.0.1', int(addr)), timeout=timeout)


def tls_context():
    """A client context that accepts the instance's self-signed pair:
    these tests are about the server's protocol, not about trust."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def read_all(s, quiet=None):
    """Everything until the peer closes or, with quiet set, stays silent
    for that many seconds (else the socket's own timeout)."""
    if quiet is not None:
        s.settimeout(quiet)
    data = b''
    while True:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def read_line(s):
    """One line, read a byte at a time (nothing behind it is consumed),
    as text without its line end; '' when the peer closed first."""
    data = b''
    while not data.endswith(b'\n'):
        try:
            c = s.recv(1)
        except (socket.timeout, ConnectionResetError):
            break
        if not c:
            break
        data += c
    return data.decode('utf-8', 'replace').rstrip('\r\n')


def read_reply(f):
    """One SMTP reply (all lines of a multi-line one) from a file object,
    as text with LF between the lines."""
    lines = []
    while True:
        line = f.readline()
        if not line:
            break
        lines.append(line.decode('latin-1').rstrip('\r\n'))
        if len(line) < 4 or line[3:4] != b'-':
            break
    return '\n'.join(lines)


def frame(rec):
    """An attribute record (list of (name, value)) with its length prefix,
    as the internal sockets that pass descriptors read it."""
    body = (''.join('%s=%s\n' % (k, v) for k, v in rec) + '\n').encode()
    return struct.pack('>I', len(body)) + body


def parse_record(data):
    """name=value lines to a dict (the first value of a repeated name)."""
    out = {}
    for line in data.decode('latin-1').split('\n'):
        if '=' in line:
            k, v = line.split('=', 1)
            out.setdefault(k, v)
    return out


def wait_file(path, seconds=60):
    """Until a file appears at path (True) or seconds pass (False)."""
    for _ in range(int(seconds * 10)):
        if os.path.exists(path):
            return True
        time.sleep(0.1)
    return False


def hold(held, release, seconds=30):
    """Hold a state for the test script: say it is reached (an empty file
    at held), then keep it until the script makes a file at release, or
    seconds pass so that a failed script cannot leave the client behind."""
    open(held, 'w').close()
    return wait_file(release, seconds)
