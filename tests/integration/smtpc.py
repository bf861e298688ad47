# smtpc.py - small SMTP and queue-file tools for the smtpd integration tests.
#
#   smtpc.py raw ADDR            send stdin as it is, print every reply line
#                                until the server closes (ADDR: PORT or
#                                unix:PATH); pipelining by construction
#   smtpc.py inject PORT         STARTTLS command injection probe: plaintext
#                                pipelined behind STARTTLS must be dropped
#   smtpc.py send PORT FROM TO FILE [USER PASS]
#                                send FILE (LF line ends) with smtplib,
#                                optionally after STARTTLS + AUTH PLAIN
#   smtpc.py bdat PORT FROM TO FILE CHUNK
#                                send FILE (as CRLF text) with BDAT chunks of
#                                CHUNK octets, print the replies
#   smtpc.py content QFILE       the message content of a queue file
#   smtpc.py envelope QFILE      its envelope record
#   smtpc.py strip-received      stdin without its first Received field
#   smtpc.py crlf                stdin with LF turned into CRLF
import os
import smtplib
import sys
import threading

from tnet import connect, read_all, read_reply, tls_context


def cmd_raw(addr):
    """stdin goes out as it arrives (so `(printf ..; sleep N) | raw` keeps
    the session open and idle), replies are read at the same time."""
    s = connect(addr)

    def pump():
        while True:
            d = os.read(0, 65536)
            if not d:
                break
            try:
                s.sendall(d)
            except OSError:
                break

    threading.Thread(target=pump, daemon=True).start()
    sys.stdout.write(read_all(s).decode('latin-1').replace('\r\n', '\n'))
    sys.stdout.flush()
    # The pump may still wait on stdin: leave without joining it.
    os._exit(0)


def cmd_inject(port):
    s = connect(port)
    f = s.makefile('rb')
    print(read_reply(f))
    s.sendall(b'EHLO inject.example\r\n')
    print(read_reply(f))
    # HELP rides in the same segment as STARTTLS: it must never be read.
    s.sendall(b'STARTTLS\r\nHELP\r\n')
    print(read_reply(f))
    t = tls_context().wrap_socket(s, server_hostname='localhost')
    tf = t.makefile('rb')
    t.sendall(b'NOOP\r\n')
    print('after-tls: ' + read_reply(tf))
    t.sendall(b'MAIL FROM:<x@example.com>\r\n')
    print('after-tls: ' + read_reply(tf))
    t.sendall(b'QUIT\r\n')
    print('after-tls: ' + read_reply(tf))


def cmd_send(port, sender, rcpt, path, user=None, password=None):
    # smtplib sends bytes as they are (it only dot-stuffs): make them CRLF.
    data = open(path, 'rb').read().replace(b'\n', b'\r\n')
    c = smtplib.SMTP('127.0.0.1', int(port), timeout=30)
    c.ehlo('client.example')
    if user is not None:
        c.starttls(context=tls_context())
        c.ehlo('client.example')
        c.login(user, password)
    try:
        c.sendmail(sender, [rcpt], data)
        print('sent')
    except smtplib.SMTPException as e:
        print('refused: %s' % (e,))
    c.quit()


def cmd_bdat(port, sender, rcpt, path, chunk):
    data = open(path, 'rb').read().replace(b'\n', b'\r\n')
    chunk = int(chunk)
    s = connect(port)
    f = s.makefile('rb')
    out = [read_reply(f)]
    for line in (b'EHLO bdat.example', b'MAIL FROM:<' + sender.encode() + b'>',
                 b'RCPT TO:<' + rcpt.encode() + b'>'):
        s.sendall(line + b'\r\n')
        out.append(read_reply(f))
    pos = 0
    while True:
        piece = data[pos:pos + chunk]
        pos += len(piece)
        last = pos >= len(data)
        s.sendall(b'BDAT %d%s\r\n' % (len(piece), b' LAST' if last else b'') + piece)
        out.append(read_reply(f))
        if last:
            break
    s.sendall(b'QUIT\r\n')
    out.append(read_reply(f))
    print('\n'.join(out))


def queue_parts(path):
    data = open(path, 'rb').read()
    head, _, _ = data.partition(b'\n')
    _, off, length = head.split()
    off, length = int(off), int(length)
    return data[len(head) + 1:off], data[off:off + length]


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'raw':
        cmd_raw(*args)
    elif cmd == 'inject':
        cmd_inject(*args)
    elif cmd == 'send':
        cmd_send(*args)
    elif cmd == 'bdat':
        cmd_bdat(*args)
    elif cmd == 'content':
        sys.stdout.buffer.write(queue_parts(args[0])[1])
    elif cmd == 'envelope':
        sys.stdout.buffer.write(queue_parts(args[0])[0])
    elif cmd == 'strip-received':
        lines = sys.stdin.buffer.read().split(b'\n')
        if lines and lines[0].startswith(b'Received:'):
            lines.pop(0)
            while lines and lines[0][:1] in (b' ', b'\t'):
                lines.pop(0)
        sys.stdout.buffer.write(b'\n'.join(lines))
    elif cmd == 'crlf':
        sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b'\n', b'\r\n'))
    else:
        raise SystemExit('unknown command ' + cmd)


main()
