# crashc.py - SMTP clients for the crash tests (t_crash*.sh).
#
#   crashc.py middata PORT TAG STATE
#       EHLO, MAIL, RCPT, DATA and 300 KB of a body whose Subject is TAG,
#       never the final dot; writes "sending PORT-OF-CLIENT" and then
#       "partial" to STATE once the partial body is out, then waits (60 s at
#       most) for anything else the server says until it closes.  Prints
#       every reply after the 354, one a line, then "closed" or "timeout".
#
#   crashc.py send PORT COUNT SESSIONS LOG TAG RCPT RATE
#       COUNT messages of about 2 KB from a@localhost to RCPT over
#       SESSIONS parallel connections, message i not before (i - 1) / RATE
#       seconds after the start (so that the run lasts long enough for the
#       kills that the test makes during it).  Message i has "Subject: TAG-i" and
#       "Message-ID: <TAG-i@crash.test>".  Appends one line per message to
#       LOG: "i 250" when the server answered 250 to its end of data,
#       "i fail REASON" otherwise (a refused message is not retried: the
#       test only asserts on the accepted ones).
#
#   crashc.py catch ACTIVE WRITING SECONDS PID...
#       Watches the open files of the PIDs (and their children) without
#       stopping them, until one holds a file whose path starts with
#       ACTIVE; stops (SIGSTOP) that one at once and looks again: if it
#       still holds the file it is caught, else it goes on and the watch
#       too.  Then every one is stopped.  Prints "inhand yes" or "inhand
#       no" (one caught, frozen with a delivery in hand, or none within
#       SECONDS), "writing yes|no" (a frozen one holds a file under
#       WRITING), and "pids P..." (all it stopped), for the test to kill.
import os
import signal
import smtplib
import socket
import sys
import threading
import time

from tnet import connect, read_reply


def cmd_middata(port, tag, state):
    s = connect(port, timeout=60)
    f = s.makefile('rb')
    read_reply(f)
    with open(state, 'w') as st:
        st.write('sending %d\n' % s.getsockname()[1])
    for cmd in (b'EHLO middata.example', b'MAIL FROM:<a@localhost>',
                b'RCPT TO:<bob@localhost>', b'DATA'):
        s.sendall(cmd + b'\r\n')
        r = read_reply(f)
        if cmd == b'DATA' and not r.startswith('354'):
            print('DATA refused: ' + r)
            return
    s.sendall(('From: a@localhost\r\nTo: bob@localhost\r\nSubject: %s\r\n'
               'Message-ID: <%s@crash.test>\r\n\r\n' % (tag, tag)).encode())
    line = b'x' * 76 + b'\r\n'
    for _ in range(4000):		# about 300 KB
        s.sendall(line)
    with open(state, 'a') as st:
        st.write('partial\n')
    result = 'closed'
    try:
        while True:
            r = read_reply(f)
            if not r:
                break
            print(r)
    except socket.timeout:
        result = 'timeout'
    except OSError as e:
        result = 'closed (%s)' % e.__class__.__name__
    print(result)


def cmd_send(port, count, sessions, log, tag, rcpt, rate):
    count, sessions, rate = int(count), int(sessions), float(rate)
    t0 = time.time()
    pad = ''.join('line %04d of the padding of this message.......\r\n' % k
                  for k in range(40))		# 40 * 50 = 2000 octets
    lock = threading.Lock()
    out = open(log, 'a')
    todo = list(range(1, count + 1))

    def record(i, what):
        with lock:
            out.write('%d %s\n' % (i, what))
            out.flush()

    def next_i():
        with lock:
            return todo.pop(0) if todo else None

    def worker():
        c = None
        while True:
            i = next_i()
            if i is None:
                break
            wait = t0 + (i - 1) / rate - time.time()
            if wait > 0:
                time.sleep(wait)
            msg = ('From: a@localhost\r\nTo: %s\r\n'
                   'Subject: %s-%d\r\nMessage-ID: <%s-%d@crash.test>\r\n\r\n'
                   % (rcpt, tag, i, tag, i)) + pad
            try:
                if c is None:
                    c = smtplib.SMTP('127.0.0.1', int(port), timeout=60)
                    c.ehlo('crash.example')
                c.sendmail('a@localhost', [rcpt], msg.encode())
                record(i, '250')
            except (smtplib.SMTPException, OSError) as e:
                record(i, 'fail %s' % str(e).replace('\n', ' ')[:200])
                try:
                    if c is not None:
                        c.close()
                except OSError:
                    pass
                c = None
                time.sleep(0.2)
        if c is not None:
            try:
                c.quit()
            except (smtplib.SMTPException, OSError):
                pass

    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()


def children(pids):
    kids = []
    for p in pids:
        try:
            with open('/proc/%d/task/%d/children' % (p, p)) as f:
                kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
    return kids


def open_files(pids):
    paths = []
    for p in pids:
        try:
            fds = os.listdir('/proc/%d/fd' % p)
        except OSError:
            continue
        for fd in fds:
            try:
                paths.append(os.readlink('/proc/%d/fd/%s' % (p, fd)))
            except OSError:
                pass
    return paths


def cmd_catch(active, writing, seconds, *pids):
    pids = [int(p) for p in pids]
    deadline = time.time() + float(seconds)
    holder = None
    while holder is None and time.time() < deadline:
        for p in pids + children(pids):
            if not any(x.startswith(active) for x in open_files([p])):
                continue
            # Stop the holder at once, then make sure it still holds the
            # file (it may have finished in between): else let it go on.
            try:
                os.kill(p, signal.SIGSTOP)
            except OSError:
                continue
            if any(x.startswith(active) for x in open_files([p])):
                holder = p
                break
            os.kill(p, signal.SIGCONT)
        else:
            time.sleep(0.001)
    everyone = pids + children(pids)
    for p in everyone:
        try:
            os.kill(p, signal.SIGSTOP)
        except OSError:
            pass
    # What a frozen process holds is what the kill will interrupt.
    files = open_files(everyone)
    print('inhand', 'yes' if holder is not None else 'no')
    print('writing', 'yes' if any(x.startswith(writing) for x in files) else 'no')
    print('pids', ' '.join(str(p) for p in everyone))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'middata':
        cmd_middata(*args)
    elif cmd == 'send':
        cmd_send(*args)
    elif cmd == 'catch':
        cmd_catch(*args)
    else:
        raise SystemExit('unknown command ' + cmd)


main()
