#!/usr/bin/env python3
"""mail_text.py FILE - a message as a reader sees it, for tests to grep.

Prints the message's header, then each part of a multipart message (one
level deep, as delivery reports are built) with its header and its body,
the Content-Transfer-Encoding undone (base64, quoted-printable), so that
a test can look for a line of a report whatever encoding tern chose for
it (a global report's parts are 7-bit encoded).  Python's email parser
is not used: it parses message/* parts as messages before decoding them.
Bodies come out as UTF-8 (octets that are not become U+FFFD).
"""
import base64
import binascii
import quopri
import re
import sys


def split(raw):
    """(header text, body bytes) of an entity, LF line ends."""
    i = raw.find(b'\n\n')
    if i < 0:
        return raw.decode('utf-8', 'replace'), b''
    return raw[:i].decode('utf-8', 'replace'), raw[i + 2:]


def field(header, name):
    m = re.search(r'^%s:(.*(?:\n[ \t].*)*)' % name, header, re.I | re.M)
    return m.group(1).replace('\n', ' ').strip() if m else ''


def decode(header, body):
    cte = field(header, 'Content-Transfer-Encoding').lower()
    try:
        if cte == 'base64':
            return base64.b64decode(b''.join(body.split()))
        if cte == 'quoted-printable':
            return quopri.decodestring(body)
    except (binascii.Error, ValueError):
        pass
    return body


def main():
    raw = open(sys.argv[1], 'rb').read().replace(b'\r\n', b'\n')
    header, body = split(raw)
    out = [header, '']
    m = re.search(r'boundary="?([^";]+)"?', field(header, 'Content-Type'), re.I)
    if not m:
        out.append(decode(header, body).decode('utf-8', 'replace'))
    else:
        delim = b'\n--' + m.group(1).encode()
        for part in (b'\n' + body).split(delim)[1:]:
            if part.startswith(b'--'):
                break
            ph, pb = split(part.split(b'\n', 1)[1] if b'\n' in part else b'')
            out += [ph, '', decode(ph, pb).decode('utf-8', 'replace')]
    sys.stdout.write('\n'.join(out) + '\n')


main()
