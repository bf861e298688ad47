#!/usr/bin/env python3
"""smtppeer.py - a scriptable SMTP server on loopback, the far end of the
smtp-out integration tests (issue 13): it records exactly what a client
sent, answers as a strict server would, and can be told to fail in every
way a test needs (per-recipient replies, 4xx then 2xx, hangs, dropped
connections, size limits, no ESMTP).  Postfix's smtp-sink and a second
tern instance are the other peers; this one covers what they cannot.
Python 3 standard library only.  This file holds the options, the
rules, the log and the listener; smtppeer_session.py one connection's
protocol.  t_smtppeer.sh tests it with clients nobody here wrote;
lib.sh's t_peer and t_peer_q start it and read its log.

Server:
  smtppeer.py --port N --log FILE [options]
    --port N           listen on 127.0.0.1:N (0: a free port)
    --ipv6             also listen on [::1], same port; --ipv6-only: there only
    --ready FILE       once listening, write the port and a newline to FILE
                       (atomically: a non-empty FILE is complete)
    --log FILE         the event log (below), appended to
    --maildir DIR      save each message to DIR/CONN.SEQ.eml
    --name NAME        greeting and EHLO name (peer.example)
    --greeting TEXT    the greeting reply, "CODE TEXT" (220 NAME ESMTP
                       smtppeer); 421: sent, then the connection closed;
                       another 4xx/5xx (554): kept open, QUIT answered 221,
                       every other command 503 (RFC 5321 3.1)
    --no-esmtp         EHLO answered 502, only HELO works (no extensions)
    --ext "LIST"       the EHLO extensions, exactly, from PIPELINING,
                       SIZE[=N], 8BITMIME, SMTPUTF8, DSN, CHUNKING, STARTTLS,
                       ENHANCEDSTATUSCODES, AUTH[=MECH,MECH] (PLAIN, LOGIN).
                       Default: PIPELINING SIZE 8BITMIME SMTPUTF8 DSN
                       CHUNKING ENHANCEDSTATUSCODES, plus STARTTLS with
                       --tls-cert and AUTH=PLAIN,LOGIN with --auth.
                       Enhanced status codes are in the peer's own replies
                       only after EHLO when ENHANCEDSTATUSCODES is offered.
                       STARTTLS is offered until TLS is on.
    --tls-cert C --tls-key K
                       the server's pair for STARTTLS
    --tls-broken       STARTTLS offered and answered 220, then a line of
                       text where the handshake belongs, and the
                       connection closed (a broken TLS stack); no
                       --tls-cert needed
    --auth USER:PASS   a valid login (repeatable); PLAIN and LOGIN checked
    --auth-required    MAIL before a successful AUTH: 530 5.7.0
    --size-limit N     MAIL SIZE=n above N: 552 5.3.4; a message above N:
                       552 5.3.4 after its data (after BDAT LAST).  SIZE
                       is advertised as SIZE=N of --ext, else N, else
                       bare; SIZE=N of --ext alone also sets the limit
    --reply 'CMD[:MATCH]=ACTION[@COUNT]'    (repeatable)
    --delay 'CMD[:MATCH]=SECONDS[@COUNT]'   (repeatable)
    --timeout S        idle limit per command and data read (300):
                       then 421 4.4.2 and close

Reply scripting.  CMD is CONNECT (the greeting), EHLO, HELO, MAIL, RCPT,
DATA (the 354), DOT (the reply that ends a message: after the final dot,
or to BDAT ... LAST when no BDAT rule applies), BDAT (each BDAT), RSET,
NOOP, QUIT, STARTTLS or AUTH.  MATCH, when given, is a case-insensitive
substring of the command's argument ("RCPT:bob@" matches "TO:<bob@x>";
for DOT it is matched against the message text; for CONNECT against the
client's address).  An AUTH rule answers the AUTH command itself,
before any challenge (a 235 counts as logged in).  ACTION is
    CODE TEXT   the reply, sent as it is ("\\n" in TEXT starts another
                line of a multi-line reply); 2xx/3xx let the command take
                effect, 4xx/5xx refuse it; 421 closes after sending
    hang        send nothing more, read and drop input until the client
                closes ("CONNECT=hang": accept TCP and never answer)
    close       drop the connection at once, no reply
A rule applies only to a command the server would accept (protocol errors
are answered by the peer itself and use no rule).  The first rule of the
command that matches and is not used up wins; @COUNT uses it up after it
was applied COUNT times, counted over all connections, so a 4xx then 2xx
is --reply 'RCPT=451 4.3.0 try later@1'.  --delay rules the same way
wait SECONDS before the reply (scripted or not) is sent.

Strictness: protocol errors get the usual replies (503 sequence, 501
syntax, 555 for a parameter of an extension not offered, 502 for BDAT
without CHUNKING, its octets read and dropped, STARTTLS not offered).
Violations are logged ("violation" events, "what" below) and, unless
said here, the command is answered as if it were fine:
    early_talker                 input before the greeting
    pipelined_without_ext        input waiting when a reply was due and
                                 PIPELINING was not offered (detail: the
                                 command answered)
    not_last_in_group            PIPELINING offered, but input followed a
                                 command that must end a group (EHLO, HELO,
                                 DATA, QUIT, NOOP, VRFY, STARTTLS, AUTH)
    data_after_starttls          input behind STARTTLS (dropped)
    bare_lf, bare_cr             in a command or in the message
    long_line                    a message line over 1000 octets with CRLF
    long_command                 a command over 512 octets (plus the
                                 allowance of each offered extension)
    space_in_path                "FROM: <a>"
    8bit_without_8bitmime        8-bit message without BODY=8BITMIME
    8bit_header_without_smtputf8 8-bit header field without SMTPUTF8
    8bit_address_without_smtputf8  (refused 553 5.6.7)
    smtputf8_without_ext         SMTPUTF8 parameter not offered (555)
    param_without_ext            another parameter not offered (555)
    bdat_without_chunking        (502)
    data_and_bdat                DATA and BDAT in one transaction (503)
    size_above_declared          message larger than MAIL's SIZE=

Log: one JSON object per line, flushed, with "t" (time) and "ev"; every
event of a connection has "conn" (1, 2, ... over the server's life).
Events are written before the reply they lead to is sent, and a close
by the server before it closes: a client that saw a reply or the end of
the connection finds them in the log (t_peer_wait waits for the rest).
    listen     port, addresses, pid
    open       conn, client (address), client_port, local (address)
    cmd        conn, line (a command line as received, without CRLF;
               AUTH's continuation lines are not logged)
    reply      conn, cmd, reply (lines joined by "\\n"; "hang"/"close")
    violation  conn, what, detail
    helo       conn, verb (EHLO/HELO), name
    tls        conn, version, cipher, sni (the name the client asked
               for, or null);  tls_failed: conn, error
    auth       conn, mech, user, ok, tls (version or null)
    mail       conn, seq, from, params, reply, accepted
    rcpt       conn, seq, to, params, reply, accepted
    message    conn, seq, mode (DATA/BDAT), chunks (BDAT sizes), size,
               sha256, path (null without --maildir), from, mail_params,
               rcpts [{to, params}] (the accepted ones), to [addresses],
               eightbit, tls (version or null), auth (user or null),
               complete (false: the client left inside the data), reply
               (null when incomplete, "hang"/"close" when scripted),
               accepted; chunks is null for DATA
    hang       conn, cmd
    close      conn, by (client/server), reason: quit, eof, timeout,
               "421 at CMD", "scripted close at CMD", "eof after hang",
               "TLS handshake failed", "error: ..."
    exit       signal
seq numbers a connection's transactions (MAIL commands) from 1; params
are {"KEYWORD": "value"} (upper-case keyword, value as sent, true when
the parameter has none).  The message is saved as received: after
dot-unstuffing, with its CRLFs, without the final dot line.

Query (for test scripts, no jq needed):
  smtppeer.py --query LOG EVENT [FIELD | FIELD=VALUE]...
    one line per EVENT that has every FIELD=VALUE (value compared as
    printed), with each FIELD's value separated by a space: strings as
    they are, others as compact JSON, a missing field as "-"; FIELD can
    name into lists and objects (rcpts.0.params.NOTIFY).  Without FIELDs
    the whole line.
"""
import json
import os
import re
import select
import signal
import socket
import ssl
import sys
import threading
import time

from smtppeer_session import Session

KNOWN_EXT = ('PIPELINING', 'SIZE', '8BITMIME', 'SMTPUTF8', 'DSN', 'CHUNKING',
             'STARTTLS', 'ENHANCEDSTATUSCODES', 'AUTH')
DEFAULT_EXT = 'PIPELINING SIZE 8BITMIME SMTPUTF8 DSN CHUNKING ENHANCEDSTATUSCODES'
RULE_CMDS = ('CONNECT', 'EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'DOT', 'BDAT',
             'RSET', 'NOOP', 'QUIT', 'STARTTLS', 'AUTH')


class Rule:
    """One --reply or --delay: command, match, action, uses left."""
    SPEC = re.compile(r'^([A-Za-z]+)(?::(.*?))?=(\d{3}(?:[ -].*?)?|hang|close|'
                      r'[0-9.]+)(?:@(\d+))?$', re.S)

    def __init__(self, spec, delay):
        m = self.SPEC.match(spec)
        if not m or m.group(1).upper() not in RULE_CMDS:
            raise ValueError('bad rule: %r' % spec)
        self.cmd = m.group(1).upper()
        self.match = (m.group(2) or '').lower()
        self.action = m.group(3)
        if delay:
            self.action = float(self.action)
        elif not re.match(r'^(\d{3}|hang$|close$)', self.action):
            raise ValueError('bad action in %r' % spec)
        self.left = int(m.group(4)) if m.group(4) else None


class Rules:
    def __init__(self, rules):
        self.rules = rules
        self.lock = threading.Lock()

    def take(self, cmd, arg):
        """The first applicable rule, one of its uses spent, or None."""
        lower = None
        with self.lock:
            for r in self.rules:
                if r.cmd != cmd:
                    continue
                if r.match:
                    lower = arg.lower() if lower is None else lower
                    if r.match not in lower:
                        continue
                if r.left is not None:
                    if r.left <= 0:
                        continue
                    r.left -= 1
                return r
        return None


class Log:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.lock = threading.RLock()  # the SIGTERM handler logs too

    def event(self, ev, **kw):
        rec = {'t': round(time.time(), 6), 'ev': ev}
        rec.update(kw)
        line = (json.dumps(rec, ensure_ascii=False) + '\n').encode('utf-8')
        with self.lock:
            os.write(self.fd, line)


class Config:
    """The server's settings from its command line, checked."""

    def __init__(self, a):
        self.name = a.name
        self.no_esmtp = a.no_esmtp
        self.timeout = a.timeout
        self.maildir = a.maildir and os.path.abspath(a.maildir)
        self.auth_required = a.auth_required
        self.users = dict(u.split(':', 1) for u in a.auth)
        spec = a.ext
        if spec is None:
            spec = DEFAULT_EXT + (' STARTTLS' if a.tls_cert else '') + (
                ' AUTH' if a.auth else '')
        self.ext = {}
        for tok in spec.split():
            name, _, val = tok.partition('=')
            name = name.upper()
            if name not in KNOWN_EXT:
                raise ValueError('unknown extension %r' % tok)
            if name == 'AUTH':
                val = val.upper().split(',') if val else ['PLAIN', 'LOGIN']
                if not set(val) <= {'PLAIN', 'LOGIN'}:
                    raise ValueError('AUTH mechanisms are PLAIN and LOGIN: %r' % tok)
            elif name == 'SIZE' and val and not val.isdigit():
                raise ValueError('bad SIZE: %r' % tok)
            self.ext[name] = val
        self.size_limit = a.size_limit or int(self.ext.get('SIZE') or 0)
        if 'SIZE' in self.ext and not self.ext['SIZE'] and a.size_limit:
            self.ext['SIZE'] = str(a.size_limit)
        self.tls = None
        if a.tls_cert:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(a.tls_cert, a.tls_key or a.tls_cert)
            self.tls.sni_callback = Session.note_sni
        self.tls_broken = a.tls_broken
        if a.tls_broken:
            self.ext.setdefault('STARTTLS', '')
        if 'STARTTLS' in self.ext and not self.tls and not self.tls_broken:
            raise ValueError('STARTTLS offered without --tls-cert')
        greeting = ['CONNECT=' + a.greeting.replace('\\n', '\n')] if a.greeting else []
        self.replies = Rules([Rule(r.replace('\\n', '\n'), False) for r in a.reply] +
                             [Rule(g, False) for g in greeting])
        self.delays = Rules([Rule(d, True) for d in a.delay])


def listen(a):
    """The listening sockets, all on one port."""
    addrs = {'v4': ['127.0.0.1'], 'both': ['127.0.0.1', '::1'], 'v6': ['::1']}[
        'v6' if a.ipv6_only else 'both' if a.ipv6 else 'v4']
    for _ in range(20):
        socks, port = [], a.port
        try:
            for addr in addrs:
                fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
                s = socket.socket(fam, socket.SOCK_STREAM)
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if fam == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((addr, port))
                s.listen(128)
                port = s.getsockname()[1]
            return socks, port, addrs
        except OSError:
            for s in socks:
                s.close()
            if a.port:
                raise
    raise OSError('no free port on %s' % ' and '.join(addrs))


def serve(a):
    cfg = Config(a)
    log = Log(a.log)
    socks, port, addrs = listen(a)

    def stop(sig, frame):
        log.event('exit', signal=sig)
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.event('listen', port=port, addresses=addrs, pid=os.getpid())
    if a.ready:
        with open(a.ready + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.rename(a.ready + '.tmp', a.ready)
    conn = 0
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            try:
                c, addr = s.accept()
            except OSError:
                continue
            conn += 1
            threading.Thread(target=Session(cfg, log, c, conn, addr).run,
                             daemon=True).start()


MISSING = object()


def field(rec, path):
    for key in path.split('.'):
        if isinstance(rec, list) and key.isdigit() and int(key) < len(rec):
            rec = rec[int(key)]
        elif isinstance(rec, dict) and key in rec:
            rec = rec[key]
        else:
            return MISSING
    return rec


def shown(v):
    if v is MISSING:
        return '-'
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, separators=(',', ':'))


def query(path, event, specs):
    filters = [s.split('=', 1) for s in specs if '=' in s]
    fields = [s for s in specs if '=' not in s]
    try:
        f = open(path, encoding='utf-8')
    except OSError as e:
        sys.exit('smtppeer: %s' % e)
    with f:
        for line in f:
            rec = json.loads(line)
            if rec.get('ev') != event:
                continue
            if any(shown(field(rec, k)) != v for k, v in filters):
                continue
            if fields:
                print(' '.join(shown(field(rec, k)) for k in fields))
            else:
                print(line.rstrip('\n'))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--query':
        if len(sys.argv) < 4:
            sys.exit('usage: smtppeer.py --query LOG EVENT [FIELD | FIELD=VALUE]...')
        query(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    import argparse
    p = argparse.ArgumentParser(description='a scriptable SMTP server for tests')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--ready')
    p.add_argument('--ipv6', action='store_true')
    p.add_argument('--ipv6-only', action='store_true')
    p.add_argument('--maildir')
    p.add_argument('--name', default='peer.example')
    p.add_argument('--greeting')
    p.add_argument('--no-esmtp', action='store_true')
    p.add_argument('--ext')
    p.add_argument('--tls-cert')
    p.add_argument('--tls-key')
    p.add_argument('--tls-broken', action='store_true')
    p.add_argument('--auth', action='append', default=[])
    p.add_argument('--auth-required', action='store_true')
    p.add_argument('--size-limit', type=int, default=0)
    p.add_argument('--reply', action='append', default=[])
    p.add_argument('--delay', action='append', default=[])
    p.add_argument('--timeout', type=float, default=300)
    a = p.parse_args()
    try:
        serve(a)
    except (ValueError, OSError, ssl.SSLError) as e:
        sys.exit('smtppeer: %s' % e)


if __name__ == '__main__':
    main()
