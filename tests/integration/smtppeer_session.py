"""smtppeer_session.py - one client connection of smtppeer.py: the SMTP
server's state (greeting, EHLO/HELO, TLS, AUTH, the transaction), a
handler per command (COMMANDS), the strict checks that answer or log a
client's protocol violations, and the events it writes to the log.  The
options, the reply rules and the log format are described in
smtppeer.py's header comment; smtppeer.py accepts the connections and
runs one Session per thread.
"""
import base64
import hashlib
import os
import re
import socket
import ssl
import sys
import threading
import time

# RFC 2920 3.1 (and RFC 3207, 4954): a command whose reply changes what the
# client may send next ends a pipelined group.
GROUP_ENDERS = ('EHLO', 'HELO', 'DATA', 'QUIT', 'NOOP', 'VRFY', 'STARTTLS',
                'AUTH')
# How much each offered extension adds to the 512-octet command limit
# (RFC 1870, 3461, 6152, 4954, 6531).
ALLOWANCE = {'SIZE': 26, '8BITMIME': 16, 'DSN': 500, 'AUTH': 500,
             'SMTPUTF8': 10}
MAX_COMMAND = 65536
MAX_LINE = 16 << 20
XTEXT = re.compile(r'^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$')


def text(b):
    """Bytes as log text: UTF-8, other bytes as \\xNN."""
    return b.decode('utf-8', 'backslashreplace')


class Hang(Exception):
    pass


class Drop(Exception):
    def __init__(self, by, reason):
        Exception.__init__(self, reason)
        self.by = by
        self.reason = reason


class Reader:
    """Buffered input of one connection (plain or TLS socket).  Lines are
    taken from an offset, so a large message costs no copy per line."""

    def __init__(self, sock, timeout):
        self.sock = sock
        self.timeout = timeout
        self.buf = bytearray()
        self.pos = 0

    def _fill(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Drop('server', 'timeout')
        except (ConnectionError, ssl.SSLError) as e:
            raise Drop('client', 'error: %s' % e)
        if not data:
            raise Drop('client', 'eof')
        self.buf += data

    def _take(self, n):
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return out

    def line(self, limit):
        """Up to and with the next LF; at most limit octets (then without
        LF, the rest of the line follows in the next call)."""
        while True:
            i = self.buf.find(b'\n', self.pos, self.pos + limit)
            if i >= 0:
                return self._take(i + 1 - self.pos)
            if self.pending() >= limit:
                return self._take(limit)
            self._fill()

    def exact(self, n):
        while self.pending() < n:
            self._fill()
        return self._take(n)

    def pending(self):
        return len(self.buf) - self.pos

    def discard(self):
        """Drops what was read ahead; how many octets that was."""
        n = self.pending()
        self.buf = bytearray()
        self.pos = 0
        return n

    def has_input(self):
        """Whether the client has sent more than was read (without waiting):
        how pipelining shows."""
        if self.pending():
            return True
        self.sock.setblocking(False)
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            data = None
        except (ConnectionError, ssl.SSLError, OSError):
            data = None
        finally:
            self.sock.settimeout(self.timeout)
        if data:
            self.buf += data
            return True
        return False


def reply_lines(reply):
    """'CODE TEXT\\nTEXT2' (or lines that each carry a code) as the wire
    lines of one reply, continuation marks set."""
    parts = reply.split('\n')
    code = parts[0][:3]
    texts = [parts[0][4:]]
    for p in parts[1:]:
        texts.append(p[4:] if re.match(r'^\d{3}[ -]', p) else p)
    return ['%s%s%s' % (code, ' ' if i == len(texts) - 1 else '-', t)
            for i, t in enumerate(texts)]


def log_text(s):
    """A str decoded with surrogateescape, as log text."""
    return text(s.encode('utf-8', 'surrogateescape'))


def line_checks(content, stuffed):
    """The line-level violations of a message: (what, detail) pairs.  With
    stuffed (DATA), a line's length on the wire counts its added dot."""
    lines = content.split(b'\n')
    bare_lf, bare_cr, long = [], [], []
    for i, ln in enumerate(lines):
        last = i == len(lines) - 1
        if last and not ln:
            break
        if not last and not ln.endswith(b'\r'):
            bare_lf.append(i + 1)
        body = ln[:-1] if not last and ln.endswith(b'\r') else ln
        if b'\r' in body:
            bare_cr.append(i + 1)
        wire = len(ln) + (0 if last else 1)
        if stuffed and ln.startswith(b'.'):
            wire += 1
        if wire > 1000:
            long.append(i + 1)
    out = []
    for what, found in (('bare_lf', bare_lf), ('bare_cr', bare_cr),
                        ('long_line', long)):
        if found:
            out.append((what, 'message: %d line(s), first line %d'
                        % (len(found), found[0])))
    return out


def header_section(content):
    for sep in (b'\r\n\r\n', b'\n\n'):
        i = content.find(sep)
        if i >= 0:
            return content[:i]
    return content


class Session:
    """One client connection, from the greeting to the close."""
    handshake = threading.local()   # what a TLS handshake of this thread saw

    @staticmethod
    def note_sni(sslobj, name, ctx):
        """The SSL context's sni_callback: keeps the server name the
        client asked for (the handshake runs in the session's thread)."""
        Session.handshake.sni = name

    def __init__(self, cfg, log, sock, conn, addr):
        self.cfg = cfg
        self.log = log
        self.sock = sock
        self.conn = conn
        self.addr = addr
        sock.settimeout(cfg.timeout)
        self.rd = Reader(sock, cfg.timeout)
        self.verb = None        # EHLO or HELO once the client said it
        self.tls = None         # the TLS version once on
        self.user = None        # after a successful AUTH
        self.refusing = False   # the greeting was a refusal: only QUIT
        self.seq = 0
        self.txn = None

    def ev(self, ev, **kw):
        self.log.event(ev, conn=self.conn, **kw)

    def violation(self, what, detail=''):
        self.ev('violation', what=what, detail=detail)

    def offered(self, name):
        if self.verb != 'EHLO' or name not in self.cfg.ext:
            return False
        return not (name == 'STARTTLS' and self.tls)

    def r(self, code, esc, msg):
        """A reply of the peer's own, its enhanced code only when the
        client was told of them (RFC 2034)."""
        if self.offered('ENHANCEDSTATUSCODES'):
            return '%s %s %s' % (code, esc, msg)
        return '%s %s' % (code, msg)

    # -- replies ----------------------------------------------------------

    def decide(self, cmd, arg, default):
        """The action for an acceptable command: a rule's, else default;
        with the delay a --delay rule asks for."""
        rule = self.cfg.replies.take(cmd, arg)
        delay = self.cfg.delays.take(cmd, arg)
        return (rule.action if rule else default, delay.action if delay else 0)

    def answer(self, cmd, arg, default):
        return self.send(cmd, self.decide(cmd, arg, default))

    @staticmethod
    def preview(action):
        """The reply an action will send, as the log shows it."""
        text = action[0] if isinstance(action, tuple) else action
        return text if text in ('hang', 'close') else '\n'.join(reply_lines(text))

    def check_pipelining(self, cmd):
        if cmd == 'CONNECT':
            if self.rd.has_input():
                self.violation('early_talker')
            return
        if not self.rd.has_input():
            return
        piping = self.offered('PIPELINING') or (
            cmd in ('EHLO', 'HELO') and 'PIPELINING' in self.cfg.ext)
        if not piping:
            self.violation('pipelined_without_ext', cmd)
        elif cmd in GROUP_ENDERS:
            self.violation('not_last_in_group', cmd)

    def send(self, cmd, action, check=True):
        """Carry out an action (a reply, or (reply, delay)); the reply as
        sent.  hang and close, and a 421 after it is sent, end the
        session by exception."""
        delay = 0
        if isinstance(action, tuple):
            action, delay = action
        if delay:
            time.sleep(delay)
        if check:
            self.check_pipelining(cmd)
        if action in ('hang', 'close'):
            self.ev('reply', cmd=cmd, reply=action)
            if action == 'hang':
                self.ev('hang', cmd=cmd)
                raise Hang()
            raise Drop('server', 'scripted close at %s' % cmd)
        lines = reply_lines(action)
        reply = '\n'.join(lines)
        self.ev('reply', cmd=cmd, reply=reply)
        try:
            self.sock.sendall(''.join(l + '\r\n' for l in lines).encode())
        except (OSError, ssl.SSLError) as e:
            raise Drop('client', 'error: %s' % e)
        if reply.startswith('421'):
            raise Drop('server', '421 at %s' % cmd)
        return reply

    # -- the session ------------------------------------------------------

    def run(self):
        self.ev('open', client=self.addr[0], client_port=self.addr[1],
                local=self.sock.getsockname()[0])
        by, reason = 'server', 'quit'
        try:
            try:
                reply = self.answer('CONNECT', self.addr[0],
                                    '220 %s ESMTP smtppeer' % self.cfg.name)
                self.refusing = not reply.startswith('2')
                while True:
                    self.command()
            except Drop as d:
                by, reason = d.by, d.reason
                if reason == 'timeout':
                    self.send('TIMEOUT', '421 4.4.2 %s Error: timeout exceeded'
                              % self.cfg.name, check=False)
        except Drop:
            pass
        except Hang:
            by, reason = 'client', 'eof after hang'
            self.drain()
        except Exception as e:  # a bug of the peer: logged, not hidden
            by, reason = 'server', 'error: %r' % e
            sys.stderr.write('smtppeer: conn %d: %r\n' % (self.conn, e))
        finally:
            self.ev('close', by=by, reason=reason)
            try:
                self.sock.close()
            except OSError:
                pass

    def drain(self):
        self.sock.settimeout(None)
        try:
            while self.sock.recv(65536):
                pass
        except (OSError, ssl.SSLError):
            pass

    def command(self):
        line = self.rd.line(MAX_COMMAND)
        if not line.endswith(b'\n'):
            while not self.rd.line(MAX_COMMAND).endswith(b'\n'):
                pass
            self.violation('long_command', 'over %d octets' % MAX_COMMAND)
            self.send('LONG', self.r(500, '5.5.6', 'Error: line too long'))
            return
        if line.endswith(b'\r\n'):
            body = line[:-2]
        else:
            body = line[:-1]
            self.violation('bare_lf', 'command')
        if b'\r' in body:
            self.violation('bare_cr', 'command')
        self.ev('cmd', line=text(body))
        limit = 512 + sum(n for e, n in ALLOWANCE.items() if self.offered(e))
        if len(line) > limit:
            self.violation('long_command', '%d octets' % len(line))
        s = body.decode('utf-8', 'surrogateescape')
        verb, _, arg = s.partition(' ')
        verb = verb.upper()
        if self.refusing and verb != 'QUIT':
            self.send(verb, self.r(503, '5.5.1', 'Error: no SMTP service here'))
            return
        handler = COMMANDS.get(verb)
        if handler is None:
            self.send(verb, self.r(500, '5.5.2', 'Error: command not recognized'))
            return
        handler(self, arg)

    # -- commands (one handler each; COMMANDS below is the table) ---------

    def ext_lines(self):
        out = []
        for name, val in self.cfg.ext.items():
            if name == 'STARTTLS' and self.tls:
                continue
            if name == 'SIZE':
                out.append('SIZE %s' % val if val else 'SIZE')
            elif name == 'AUTH':
                out.append('AUTH ' + ' '.join(val))
            else:
                out.append(name)
        return out

    def do_ehlo(self, arg):
        if self.cfg.no_esmtp:
            self.send('EHLO', '502 Error: command not implemented')
            return
        self.greet('EHLO', arg, '\n'.join(['250 ' + self.cfg.name] + self.ext_lines()))

    def do_helo(self, arg):
        self.greet('HELO', arg, '250 ' + self.cfg.name)

    def greet(self, verb, arg, default):
        if not arg.strip():
            self.send(verb, self.r(501, '5.5.4', 'Syntax: %s hostname' % verb))
            return
        action = self.decide(verb, arg, default)
        if self.preview(action).startswith('2'):
            self.ev('helo', verb=verb, name=log_text(arg.strip()))
            self.send(verb, action)
            self.verb = verb
            self.txn = None
        else:
            self.send(verb, action)

    def params(self, rest, verb):
        """The ESMTP parameters of MAIL or RCPT: (dict, None) or (None,
        the refusal)."""
        out = {}
        for tok in rest.split():
            k, eq, v = tok.partition('=')
            k = k.upper()
            if k in out:
                return None, self.r(501, '5.5.4', 'Error: duplicate %s parameter' % k)
            out[k] = v if eq else True
        need = {'MAIL': {'SIZE': 'SIZE', 'BODY': '8BITMIME', 'SMTPUTF8': 'SMTPUTF8',
                         'RET': 'DSN', 'ENVID': 'DSN', 'AUTH': 'AUTH'},
                'RCPT': {'NOTIFY': 'DSN', 'ORCPT': 'DSN'}}[verb]
        for k, v in out.items():
            if k not in need:
                return None, self.r(555, '5.5.4', 'Error: unsupported parameter %s' % k)
            if not self.offered(need[k]):
                self.violation('smtputf8_without_ext' if k == 'SMTPUTF8'
                               else 'param_without_ext', k)
                return None, self.r(555, '5.5.4', 'Error: %s not offered' % k)
            if not self.param_ok(k, v):
                return None, self.r(501, '5.5.4', 'Error: bad %s parameter' % k)
        return {k: (log_text(v) if v is not True else v) for k, v in out.items()}, None

    @staticmethod
    def param_ok(k, v):
        if k == 'SMTPUTF8':
            return v is True
        if v is True:
            return False
        if k == 'SIZE':
            return v.isdigit() and len(v) < 20
        if k == 'BODY':
            return v.upper() in ('7BIT', '8BITMIME')
        if k == 'RET':
            return v.upper() in ('FULL', 'HDRS')
        if k in ('ENVID', 'AUTH'):
            return (k == 'AUTH' and v == '<>') or (bool(XTEXT.match(v)) and len(v) <= 500)
        if k == 'NOTIFY':
            words = v.upper().split(',')
            return (words == ['NEVER'] or
                    (len(set(words)) == len(words) and
                     set(words) <= {'SUCCESS', 'FAILURE', 'DELAY'}))
        if k == 'ORCPT':
            kind, semi, addr = v.partition(';')
            return bool(semi and re.match(r'^[A-Za-z0-9-]+$', kind) and addr and
                        XTEXT.match(addr))
        return False

    def path(self, verb, word, arg):
        """The address and the parameters' text of MAIL FROM:/RCPT TO:, or
        None after a syntax refusal."""
        m = re.match(r'(?is)^%s:( ?)<([^<>]*)>((?: .*)?)$' % word, arg)
        if not m:
            self.send(verb, self.r(501, '5.5.2', 'Syntax: %s %s:<address>' % (verb, word)))
            return None
        if m.group(1):
            self.violation('space_in_path', verb)
        return m.group(2), m.group(3)

    def do_mail(self, arg):
        if not self.verb:
            self.send('MAIL', self.r(503, '5.5.1', 'Error: send HELO/EHLO first'))
            return
        if self.txn:
            self.send('MAIL', self.r(503, '5.5.1', 'Error: nested MAIL command'))
            return
        if self.cfg.auth_required and not self.user:
            self.send('MAIL', self.r(530, '5.7.0', 'Authentication required'))
            return
        p = self.path('MAIL', 'FROM', arg)
        if p is None:
            return
        addr, rest = p
        params, err = self.params(rest, 'MAIL')
        if err is None and not addr.isascii() and 'SMTPUTF8' not in params:
            self.violation('8bit_address_without_smtputf8', 'MAIL')
            err = self.r(553, '5.6.7', 'Error: non-ASCII address without SMTPUTF8')
        limit = self.cfg.size_limit
        if err is None and limit and int(params.get('SIZE', 0)) > limit:
            err = self.r(552, '5.3.4', 'Error: message size exceeds fixed limit')
        self.seq += 1
        action = err or self.decide('MAIL', arg, self.r(250, '2.1.0', 'Ok'))
        reply = self.preview(action)
        ok = reply.startswith('2')
        self.ev('mail', seq=self.seq, **{'from': log_text(addr)}, params=params or {},
                reply=reply, accepted=ok)
        self.send('MAIL', action)
        if ok:
            self.txn = {'seq': self.seq, 'from': log_text(addr), 'params': params,
                        'rcpts': [], 'mode': None, 'chunks': [],
                        'content': bytearray()}

    def do_rcpt(self, arg):
        if not self.txn:
            self.send('RCPT', self.r(503, '5.5.1', 'Error: need MAIL command'))
            return
        p = self.path('RCPT', 'TO', arg)
        if p is None:
            return
        addr, rest = p
        params, err = self.params(rest, 'RCPT')
        if err is None and not addr:
            err = self.r(501, '5.1.3', 'Error: bad recipient address syntax')
        if err is None and not addr.isascii() and 'SMTPUTF8' not in self.txn['params']:
            self.violation('8bit_address_without_smtputf8', 'RCPT')
            err = self.r(553, '5.6.7', 'Error: non-ASCII address without SMTPUTF8')
        action = err or self.decide('RCPT', arg, self.r(250, '2.1.5', 'Ok'))
        reply = self.preview(action)
        ok = reply.startswith('2')
        self.ev('rcpt', seq=self.txn['seq'], to=log_text(addr), params=params or {},
                reply=reply, accepted=ok)
        self.send('RCPT', action)
        if ok:
            self.txn['rcpts'].append({'to': log_text(addr), 'params': params})

    def can_take_data(self, cmd):
        """Whether the transaction may take a message now; else refused."""
        if not self.txn:
            self.send(cmd, self.r(503, '5.5.1', 'Error: need MAIL command'))
            return False
        if not self.txn['rcpts']:
            self.send(cmd, self.r(554, '5.5.1', 'Error: no valid recipients'))
            return False
        return True

    def do_data(self, arg):
        if self.txn and self.txn['mode'] == 'BDAT':
            self.violation('data_and_bdat', 'DATA after BDAT')
            self.send('DATA', self.r(503, '5.5.1', 'Error: DATA after BDAT'))
            return
        if not self.can_take_data('DATA'):
            return
        if arg:
            self.send('DATA', self.r(501, '5.5.4', 'Syntax: DATA'))
            return
        reply = self.answer('DATA', arg, '354 End data with <CR><LF>.<CR><LF>')
        if not reply.startswith('3'):
            return
        self.txn['mode'] = 'DATA'
        content = self.txn['content']
        at_start = True     # the next octets begin a line
        after_crlf = True   # ... and the previous line ended with CRLF
        try:
            while True:
                part = self.rd.line(MAX_LINE)
                if after_crlf and part == b'.\r\n':
                    break
                if at_start and part.startswith(b'.'):
                    part = part[1:]
                content += part
                at_start = part.endswith(b'\n')
                after_crlf = part.endswith(b'\r\n')
        except Drop:
            self.finish('DATA', complete=False)
            raise
        self.finish('DATA')

    def do_bdat(self, arg):
        m = re.match(r'(?i)^(\d{1,15})( +LAST)? *$', arg)
        if not m:
            self.send('BDAT', self.r(501, '5.5.4', 'Syntax: BDAT size [LAST]'))
            return
        size, last = int(m.group(1)), bool(m.group(2))
        try:
            chunk = self.rd.exact(size)
        except Drop:
            if self.txn and self.txn['mode'] == 'BDAT':
                self.finish('BDAT', complete=False)
            raise
        if not self.offered('CHUNKING'):
            self.violation('bdat_without_chunking')
            self.send('BDAT', self.r(502, '5.5.1', 'Error: command not implemented'))
            return
        if self.txn and self.txn['mode'] == 'DATA':
            self.violation('data_and_bdat', 'BDAT after DATA')
        if not self.can_take_data('BDAT'):
            return
        self.txn['mode'] = 'BDAT'
        self.txn['content'] += chunk
        self.txn['chunks'].append(size)
        if last:
            self.finish('BDAT', bdat_arg=arg)
            return
        reply = self.answer('BDAT', arg, self.r(250, '2.0.0', '%d octets received' % size))
        if not reply.startswith('2'):
            self.txn['chunks'].pop()
            del self.txn['content'][len(self.txn['content']) - size:]

    def finish(self, mode, complete=True, bdat_arg=None):
        """The end of a message: save it, check it, log it, answer it."""
        txn, self.txn = self.txn, None
        content = bytes(txn['content'])
        sha = hashlib.sha256(content).hexdigest()
        path = None
        if self.cfg.maildir:
            path = os.path.join(self.cfg.maildir, '%d.%d.eml' % (self.conn, txn['seq']))
            with open(path, 'wb') as f:
                f.write(content)
        params = txn['params']
        eightbit = any(b >= 0x80 for b in content)
        for what, detail in line_checks(content, mode == 'DATA'):
            self.violation(what, detail)
        if eightbit and str(params.get('BODY', '')).upper() != '8BITMIME':
            self.violation('8bit_without_8bitmime')
        if 'SMTPUTF8' not in params and any(b >= 0x80 for b in header_section(content)):
            self.violation('8bit_header_without_smtputf8')
        if 'SIZE' in params and len(content) > int(params['SIZE']):
            self.violation('size_above_declared', '%d > %s' % (len(content), params['SIZE']))
        action = None
        if complete:
            limit = self.cfg.size_limit
            if limit and len(content) > limit:
                action = self.r(552, '5.3.4', 'Error: message size exceeds fixed limit')
            else:
                default = self.r(250, '2.0.0', 'Ok: queued as %d.%d' % (self.conn, txn['seq']))
                action = None
                if bdat_arg is not None:
                    rule = self.cfg.replies.take('BDAT', bdat_arg)
                    if rule:
                        delay = self.cfg.delays.take('BDAT', bdat_arg)
                        action = (rule.action, delay.action if delay else 0)
                if action is None:
                    action = self.decide('DOT', content.decode('latin-1'), default)
        reply = self.preview(action) if action else None
        self.ev('message', seq=txn['seq'], mode=mode,
                chunks=txn['chunks'] if mode == 'BDAT' else None,
                size=len(content), sha256=sha, path=path, **{'from': txn['from']},
                mail_params=params, rcpts=txn['rcpts'],
                to=[r['to'] for r in txn['rcpts']], eightbit=eightbit, tls=self.tls,
                auth=self.user, complete=complete, reply=reply,
                accepted=bool(reply and reply.startswith('2')))
        if complete:
            self.send('BDAT' if bdat_arg is not None else 'DOT', action)

    def do_rset(self, arg):
        reply = self.answer('RSET', arg, self.r(250, '2.0.0', 'Ok'))
        if reply.startswith('2'):
            self.txn = None

    def do_noop(self, arg):
        self.answer('NOOP', arg, self.r(250, '2.0.0', 'Ok'))

    def do_quit(self, arg):
        self.answer('QUIT', arg, self.r(221, '2.0.0', 'Bye'))
        raise Drop('server', 'quit')

    def do_vrfy(self, arg):
        self.send('VRFY', self.r(252, '2.0.0', 'Cannot VRFY user'))

    def do_help(self, arg):
        self.send('HELP', self.r(214, '2.0.0', 'smtppeer, a test server'))

    def do_starttls(self, arg):
        if not self.offered('STARTTLS'):
            self.send('STARTTLS', self.r(502, '5.5.1', 'Error: command not implemented'))
            return
        if arg:
            self.send('STARTTLS', self.r(501, '5.5.4', 'Syntax: STARTTLS'))
            return
        if self.rd.has_input():
            # RFC 3207 5: what came before the handshake is not trusted
            self.violation('data_after_starttls', '%d octets dropped' % self.rd.discard())
        reply = self.send('STARTTLS', self.decide('STARTTLS', arg, self.r(
            220, '2.0.0', 'Ready to start TLS')), check=False)
        if not reply.startswith('2'):
            return
        if self.cfg.tls_broken:
            self.sock.sendall(b'this is not TLS\r\n')
            self.ev('tls_failed', error='--tls-broken')
            raise Drop('server', 'TLS handshake failed')
        Session.handshake.sni = None
        try:
            tls = self.cfg.tls.wrap_socket(self.sock, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.ev('tls_failed', error=str(e))
            raise Drop('server', 'TLS handshake failed')
        tls.settimeout(self.cfg.timeout)
        self.sock = self.rd.sock = tls
        self.tls = tls.version()
        self.ev('tls', version=self.tls, cipher=tls.cipher()[0],
                sni=Session.handshake.sni)
        self.verb = self.txn = self.user = None

    def do_auth(self, arg):
        if not self.offered('AUTH'):
            self.send('AUTH', self.r(502, '5.5.1', 'Error: command not implemented'))
            return
        if self.user or self.txn:
            self.send('AUTH', self.r(503, '5.5.1', 'Error: AUTH not allowed now'))
            return
        words = arg.split()
        if not words or len(words) > 2:
            self.send('AUTH', self.r(501, '5.5.4', 'Syntax: AUTH mechanism [response]'))
            return
        mech = words[0].upper()
        if mech not in self.cfg.ext['AUTH']:
            self.send('AUTH', self.r(504, '5.5.4', 'Error: unsupported mechanism'))
            return
        rule = self.cfg.replies.take('AUTH', arg)
        if rule:
            reply = self.send('AUTH', rule.action)
            self.ev('auth', mech=mech, user=None, ok=reply.startswith('2'), tls=self.tls)
            if reply.startswith('2'):
                self.user = '(scripted)'
            return
        initial = words[1] if len(words) > 1 else None
        authz = b''
        try:
            if mech == 'PLAIN':
                parts = self.sasl(initial if initial is not None
                                  else self.challenge('')).split(b'\0')
                if len(parts) != 3:
                    raise ValueError('malformed PLAIN response')
                authz, user, pw = parts
            else:
                user = self.sasl(initial if initial is not None
                                 else self.challenge('VXNlcm5hbWU6'))
                pw = self.sasl(self.challenge('UGFzc3dvcmQ6'))
        except ValueError as e:  # binascii.Error is one
            self.send('AUTH', self.r(501, '5.5.2', 'Error: %s' % e), check=False)
            return
        ok = authz in (b'', user)
        user, pw = text(user), text(pw)
        ok = ok and self.cfg.users.get(user) == pw
        self.ev('auth', mech=mech, user=user, ok=ok, tls=self.tls)
        if ok:
            self.user = user
            self.send('AUTH', self.r(235, '2.7.0', 'Authentication successful'))
        else:
            self.send('AUTH', self.r(535, '5.7.8', 'Error: authentication failed'))

    def challenge(self, prompt):
        self.send('AUTH', '334 ' + prompt)
        return self.rd.line(MAX_COMMAND).rstrip(b'\r\n').decode('latin-1')

    @staticmethod
    def sasl(resp):
        if resp == '*':
            raise ValueError('authentication cancelled')
        if resp == '=':
            return b''
        return base64.b64decode(resp.encode('latin-1'), validate=True)


COMMANDS = {'EHLO': Session.do_ehlo, 'HELO': Session.do_helo,
            'MAIL': Session.do_mail, 'RCPT': Session.do_rcpt,
            'DATA': Session.do_data, 'BDAT': Session.do_bdat,
            'RSET': Session.do_rset, 'NOOP': Session.do_noop,
            'QUIT': Session.do_quit, 'VRFY': Session.do_vrfy,
            'HELP': Session.do_help, 'STARTTLS': Session.do_starttls,
            'AUTH': Session.do_auth}
