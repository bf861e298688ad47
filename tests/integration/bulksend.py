#!/usr/bin/env python3
"""bulksend.py - submit many numbered messages to an SMTP server, the
load of the outbound queueing tests (t_relay_queue.sh, t_relay_crash.sh).

  bulksend.py --port N --from ADDR --to ADDR [--to ADDR...] --count N
              [--tag TAG] [--first K] [--sessions S] [--per-session M]

Message n (K <= n < K + N) goes to every --to address, where "{n}" in an
address is replaced by n and "{m}" by n modulo --spread (several
destinations from one template).  Each message has a header naming it
exactly, so the receiving end can tell every message apart, and a
duplicate from a lost one:
    Message-ID: <TAG.n@bulksend.test>
    Subject: TAG n
S sessions run in parallel (threads), each carrying at most M messages
before it reconnects.  A message the server refuses for now (4xx, a
dropped connection) is tried again on a new connection, up to 5 times;
every message is accepted or the program fails.  Prints "sent N" on
success; a refusal for good is printed and makes the exit status 1.
Python 3 standard library only.
"""
import argparse
import smtplib
import sys
import threading


def build(tag, n, sender, rcpts):
    return ('From: <%s>\r\nTo: <%s>\r\nSubject: %s %d\r\n'
            'Message-ID: <%s.%d@bulksend.test>\r\n\r\n'
            'message %d of the %s run\r\n' %
            (sender, rcpts[0], tag, n, tag, n, n, tag)).encode('ascii')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--from', dest='sender', required=True)
    p.add_argument('--to', action='append', required=True)
    p.add_argument('--count', type=int, required=True)
    p.add_argument('--first', type=int, default=0)
    p.add_argument('--tag', default='bulk')
    p.add_argument('--spread', type=int, default=1)
    p.add_argument('--sessions', type=int, default=1)
    p.add_argument('--per-session', type=int, default=50)
    a = p.parse_args()

    todo = list(range(a.first, a.first + a.count))
    lock = threading.Lock()
    failed = []
    sent = [0]

    def take():
        with lock:
            return todo.pop(0) if todo else None

    def worker():
        tries = {}
        s = None
        used = 0
        n = take()
        while n is not None:
            rcpts = [t.replace('{n}', str(n)).replace('{m}', str(n % a.spread))
                     for t in a.to]
            try:
                if s is None or used >= a.per_session:
                    if s is not None:
                        try:
                            s.quit()
                        except (smtplib.SMTPException, OSError):
                            pass
                    s = smtplib.SMTP('127.0.0.1', a.port, timeout=120)
                    s.ehlo('bulksend.test')
                    used = 0
                refused = s.sendmail(a.sender, rcpts, build(a.tag, n, a.sender, rcpts))
                used += 1
                if refused:
                    with lock:
                        failed.append('%d: %r' % (n, refused))
                with lock:
                    sent[0] += 1
                n = take()
            except (smtplib.SMTPException, OSError) as e:
                s = None
                code = getattr(e, 'smtp_code', 0) or 0
                tries[n] = tries.get(n, 0) + 1
                if 500 <= code < 600 or tries[n] > 5:
                    with lock:
                        failed.append('%d: %s' % (n, e))
                    n = take()
        if s is not None:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass

    threads = [threading.Thread(target=worker) for _ in range(a.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in failed:
        print('refused ' + f)
    print('sent %d' % sent[0])
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
