# pop3_multi.py - clients for t_pop3_multi.sh: many clients of one POP3
# login process at once (login_client_limit > 1), plain and POP3S.  Every
# check prints one line, "ok DESC" or "FAIL DESC: DETAIL".
#
#   pop3_multi.py hold PLAIN POP3S USER PASS DIR
#       three plain clients stopped after USER, two POP3S clients after
#       the greeting, one POP3S client logged in (relayed); touches
#       DIR/held, waits for DIR/release, then checks each client is still
#       served
#   pop3_multi.py race PLAIN POP3S USER PASS MAILDIR
#       a wrong password on the plain port (auth delays its answer) while
#       a POP3S client logs in and retrieves every message: the login is
#       not held up by the other client's delay, RETR data is intact
#   pop3_multi.py relay POP3S USER PASS DIR
#       log in over POP3S, touch DIR/in, wait for DIR/go, then STAT and
#       RETR 1 (the relay must still work), touch DIR/done and QUIT
#   pop3_multi.py fill PORT N DIR
#       open N clients, print how many were greeted within 2 s; touch
#       DIR/filled, wait for DIR/more, close the first, print whether the
#       last one is greeted now
#   pop3_multi.py stop PLAIN POP3S USER PASS DIR
#       a plain client idle before login and a POP3S client logged in;
#       touch DIR/ready, then print what each sees when the login process
#       is told to stop
#   pop3_multi.py lifetime PLAIN POP3S USER PASS
#       a POP3S client logs in; a plain one sends USER every 0.3 s until
#       refused (login_timeout); then the first one, idle past the limit,
#       still gets STAT and QUIT answered
import os
import ssl
import sys
import threading
import time

from pop3_txn import say, wire
import tnet
from tnet import connect, read_line, tls_context


def tls(port):
    s = tls_context().wrap_socket(connect(port), server_hostname='localhost')
    return s


def cmd(s, line):
    s.sendall(line.encode() + b'\r\n')
    return read_line(s)


def tls_login(port, user, password, desc):
    """A POP3S client logged in with USER/PASS (one result line)."""
    s = tls(port)
    read_line(s)
    cmd(s, 'USER ' + user)
    say(cmd(s, 'PASS ' + password).startswith('+OK'), desc)
    return s


def retr(s, n):
    """RETR n: (status line, the rest up to and with the final dot)."""
    s.sendall(b'RETR %d\r\n' % n)
    got = b''
    while b'\r\n' not in got:
        d = s.recv(65536)
        if not d:
            return '', got
        got += d
    first, got = got.split(b'\r\n', 1)
    while not (got.endswith(b'\r\n.\r\n') or got == b'.\r\n'):
        d = s.recv(1 << 20)
        if not d:
            break
        got += d
    return first.decode(), got


def hold(plain, pop3s, user, password, d):
    idle = []
    for _ in range(3):
        s = connect(plain)
        read_line(s)
        say(cmd(s, 'USER ' + user).startswith('+OK'), 'hold: plain client idle after USER')
        idle.append(s)
    tidle = []
    for _ in range(2):
        s = tls(pop3s)
        say(read_line(s).startswith('+OK'), 'hold: POP3S client idle after the greeting')
        tidle.append(s)
    r = tls_login(pop3s, user, password, 'hold: POP3S client logged in (relayed)')
    tnet.hold(os.path.join(d, 'held'), os.path.join(d, 'release'), 60)
    # One user's mailbox is locked by the relayed session: the idle
    # clients show they are still served by answering CAPA.
    ok = True
    for s in idle + tidle:
        ok &= cmd(s, 'CAPA').startswith('+OK')
        while read_line(s) not in ('.', ''):
            pass
    say(ok, 'hold: the idle clients are still served after the pause')
    st = cmd(r, 'STAT')
    say(st.startswith('+OK '), 'hold: the relayed session still answers', st)
    for s in idle + tidle + [r]:
        cmd(s, 'QUIT')
        s.close()


def race(plain, pop3s, user, password, maildir):
    res = {}

    def bad():
        s = connect(plain)
        read_line(s)
        cmd(s, 'USER c@localhost')	# with the password of user
        t0 = time.time()
        res['bad'] = cmd(s, 'PASS ' + password)
        res['bad_t'] = time.time() - t0
        s.close()

    t = threading.Thread(target=bad)
    t.start()
    time.sleep(0.5)		# the bad PASS is at auth, whose answer waits
    t0 = time.time()
    s = tls(pop3s)
    read_line(s)
    cmd(s, 'USER ' + user)
    ok = cmd(s, 'PASS ' + password)
    good_t = time.time() - t0
    t.join()
    say(ok.startswith('+OK'), 'race: POP3S login beside a failing one', ok)
    say(res['bad'].startswith('-ERR'), 'race: the wrong password fails', res['bad'])
    say(res['bad_t'] >= 2.5, 'race: its answer comes after auth\'s delay',
        '%.2fs' % res['bad_t'])
    say(good_t < 1.5 and good_t < res['bad_t'],
        'race: the other login is not held up by that delay',
        'login %.2fs, failure %.2fs' % (good_t, res['bad_t']))
    names = sorted(os.listdir(os.path.join(maildir, 'new')))
    intact = True
    detail = ''
    for i, name in enumerate(names):
        with open(os.path.join(maildir, 'new', name), 'rb') as f:
            content = f.read()
        first, got = retr(s, i + 1)
        if not first.startswith('+OK') or got != wire(content):
            intact = False
            detail = 'message %d: %s, %d bytes, want %d' % (i + 1, first, len(got),
                                                           len(wire(content)))
    say(intact and len(names) >= 2,
        'race: RETR through the TLS relay gives every message byte-exact', detail)
    say(cmd(s, 'QUIT').startswith('+OK'), 'race: QUIT through the relay')
    s.close()


def relay(pop3s, user, password, d):
    s = tls_login(pop3s, user, password, 'relay: logged in over POP3S')
    tnet.hold(os.path.join(d, 'in'), os.path.join(d, 'go'), 60)
    st = cmd(s, 'STAT')
    say(st.startswith('+OK '), 'relay: STAT after the reload', st)
    first, got = retr(s, 1)
    say(first.startswith('+OK') and got.endswith(b'\r\n.\r\n'),
        'relay: RETR after the reload', first)
    open(os.path.join(d, 'done'), 'w').close()
    time.sleep(1)
    say(cmd(s, 'QUIT').startswith('+OK'), 'relay: QUIT')
    s.close()


def fill(port, n, d):
    socks = [connect(port, timeout=2) for _ in range(n)]
    greeted = 0
    for s in socks:
        try:
            greeted += read_line(s).startswith('+OK')
        except OSError:
            pass
    print('greeted %d' % greeted)
    sys.stdout.flush()
    tnet.hold(os.path.join(d, 'filled'), os.path.join(d, 'more'), 60)
    cmd(socks[0], 'QUIT')
    socks[0].close()
    socks[-1].settimeout(10)
    print('last %s' % read_line(socks[-1]))
    for s in socks[1:]:
        s.close()


def stop(plain, pop3s, user, password, d):
    p = connect(plain, timeout=30)
    read_line(p)
    cmd(p, 'CAPA')
    while read_line(p) not in ('.', ''):
        pass
    s = tls_login(pop3s, user, password, 'stop: logged in over POP3S')
    s.settimeout(30)
    open(os.path.join(d, 'ready'), 'w').close()
    print('plain %s' % read_line(p))
    try:
        rest = s.recv(100)
        print('relay closed' if rest == b'' else 'relay got %r' % rest)
    except (ssl.SSLError, OSError) as e:
        print('relay closed (%s)' % type(e).__name__)


def lifetime(plain, pop3s, user, password):
    """login_timeout (a few seconds here): a client kept busy before login
    is cut off; one that logged in in time stays past it."""
    done = tls_login(pop3s, user, password, 'POP3S login before the limit')
    s = connect(plain)
    read_line(s)
    t0 = time.time()
    reply = ''
    while time.time() - t0 < 30:
        reply = cmd(s, 'USER nobody@localhost')
        if not reply.startswith('+OK'):
            break
        time.sleep(0.3)
    took = time.time() - t0
    say(reply.startswith('-ERR Login time limit reached'),
        'a client that only sends USER is told the login time is up (%r after %.1f s)'
        % (reply, took))
    say(read_line(s) == '', 'and disconnected')
    time.sleep(1)
    say(cmd(done, 'STAT').startswith('+OK'),
        'a client logged in before the limit is served past it')
    say(cmd(done, 'QUIT').startswith('+OK'), 'and quits normally')


def main():
    a = sys.argv[1:]
    if a[0] == 'hold':
        hold(int(a[1]), int(a[2]), a[3], a[4], a[5])
    elif a[0] == 'race':
        race(int(a[1]), int(a[2]), a[3], a[4], a[5])
    elif a[0] == 'relay':
        relay(int(a[1]), a[2], a[3], a[4])
    elif a[0] == 'fill':
        fill(int(a[1]), int(a[2]), a[3])
    elif a[0] == 'stop':
        stop(int(a[1]), int(a[2]), a[3], a[4], a[5])
    elif a[0] == 'lifetime':
        lifetime(int(a[1]), int(a[2]), a[3], a[4])


if __name__ == '__main__':
    main()
