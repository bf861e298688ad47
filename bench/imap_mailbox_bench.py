#!/usr/bin/env python3
"""imap_mailbox_bench.py - IMAP timings and idle-connection memory of one server.

Extended from ../shared/bench/mailbox_bench.py (its procmem.py is used in
place) for issue 14's performance lines; bench/imap_bench.sh runs it
against Dovecot and tern in turn and prints both and the ratios.

    imap_mailbox_bench.py gen DST --count N [--size 4096] --owner UID:GID
        A Maildir of N generated messages of SIZE bytes each in DST/new,
        named as tern's `local` names them (",S=<size>,W=<size + LFs>"),
        which Dovecot reads the same way.  Every 100th message holds the
        word WORD (--word) in its body; the senders cycle through 50 names,
        NAME (--name) among them, so both searches find 1-2% of the mailbox.

    imap_mailbox_bench.py session --port P --user U --password PW
        --phase cold|warm|big-cold|big-warm --label L [--reset-cmd CMD]
        [--drop-caches] --json FILE
        One session.  "cold" runs RESET-CMD first (a fresh copy of the
        Maildir: no index of either server) and, with --drop-caches, syncs
        and drops the page cache; it times SELECT and
        UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE).  "warm" (the next
        session on the same mailbox) times those again, then
        FETCH 1:* BODY.PEEK[], SEARCH BODY WORD, SEARCH FROM NAME and
        STORE 1:* +FLAGS (\\Seen), in that order.  big-cold / big-warm:
        SELECT and the metadata FETCH only.

    imap_mailbox_bench.py idle --port P --user U --password PW --conns N
        [--ssl] --proc-exe-prefix PFX... --root-pidfile F --label L --json FILE
        N connections log in (authenticated state, nothing SELECTed) and stay
        idle; the RSS and PSS of every process of the server (by executable
        path and process tree) before and after, summed, divided by N.

A small raw IMAP client (not imaplib) keeps the client's own CPU time low:
client and servers share the machine's cores.  Records go to --json, one
JSON object a line.
"""
import argparse
import json
import os
import random
import re
import socket
import ssl
import subprocess
import sys
import time

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "shared", "bench")
sys.path.insert(0, os.environ.get("SHARED_BENCH", SHARED))
import procmem  # noqa: E402

LITERAL = re.compile(rb"\{(\d+)\}$")
NAMES = ["Alice Archer", "Bob Baker", "Carol Carter", "Dave Dawson", "Erin Ellis",
         "Frank Foster", "Grace Gordon", "Heidi Hughes", "Ivan Irwin", "Judy Jensen"]
WORDS = ("the of and to in is was for on that with as by at from this are be it "
         "mail server queue delivery message folder index cache header body "
         "network protocol client session report status update meeting budget "
         "project release schedule review draft change request").split()


class Imap:
    """Just enough IMAP for the benchmark: tagged commands, literals skipped
    over while looking for the tagged reply, the raw reply kept."""

    def __init__(self, host, port, use_ssl=False, timeout=600):
        s = socket.create_connection((host, port), timeout=timeout)
        if use_ssl:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        self.s = s
        self.buf = bytearray()
        self.n = 0
        self._until(lambda line: line.startswith(b"* "))

    def _until(self, done):
        """Read until a line (outside literals) satisfies done; returns
        everything read up to and including that line."""
        pos = 0
        while True:
            eol = self.buf.find(b"\r\n", pos)
            while eol < 0:
                chunk = self.s.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                self.buf += chunk
                eol = self.buf.find(b"\r\n", pos)
            line = bytes(self.buf[pos:eol])
            m = LITERAL.search(line)
            if m:
                need = eol + 2 + int(m.group(1))
                while len(self.buf) < need:
                    chunk = self.s.recv(1 << 20)
                    if not chunk:
                        raise ConnectionError("server closed the connection")
                    self.buf += chunk
                pos = need
                continue
            # after a literal, pos is mid-line: that rest never starts
            # with a tag, so testing it like a line start is harmless
            if done(line):
                out = bytes(self.buf[:eol + 2])
                del self.buf[:eol + 2]
                return out
            pos = eol + 2

    def cmd(self, text):
        """Send one command; the whole reply; raises unless it is OK."""
        self.n += 1
        tag = b"b%d" % self.n
        self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        out = self._until(lambda line: line.startswith(tag + b" "))
        prev = out.rfind(b"\r\n", 0, len(out) - 2)
        last = out[prev + 2 if prev >= 0 else 0:]
        if not last.startswith(tag + b" OK"):
            raise RuntimeError("%s: %r" % (text, last[:200]))
        return out

    def close(self):
        try:
            self.cmd("LOGOUT")
        except (OSError, RuntimeError, ConnectionError):
            pass
        self.s.close()


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen(a):
    rnd = random.Random(14)
    uid, gid = (int(x) for x in a.owner.split(":"))
    if a.dst.rstrip("/").count("/") < 2:
        sys.exit("refusing dst=%s" % a.dst)
    for d in ("", "new", "cur", "tmp"):
        os.makedirs(os.path.join(a.dst, d), mode=0o700, exist_ok=True)
        os.chown(os.path.join(a.dst, d), uid, gid)
    names = NAMES + ["%s %s" % (rnd.choice(NAMES).split()[0], w.capitalize())
                     for w in WORDS[:40]]
    names = [a.name] + [n for n in names if a.name not in n][:49]
    t0 = 1700000000
    for i in range(a.count):
        sender = names[i % len(names)]
        addr = sender.lower().replace(" ", ".") + "@example.org"
        subject = " ".join(rnd.choice(WORDS) for _ in range(6))
        hdr = ("Return-Path: <%s>\nDelivered-To: bench@localhost\n"
               "Received: from client.example.org by localhost with ESMTP id %08X;\n"
               "\tMon, 7 Dec 2026 10:%02d:%02d +0000\n"
               "Message-ID: <%d.%08x@example.org>\n"
               "Date: Mon, 7 Dec 2026 10:%02d:%02d +0000\n"
               "From: %s <%s>\nTo: Bench User <bench@localhost>\n"
               "Subject: %s\nMIME-Version: 1.0\n"
               "Content-Type: text/plain; charset=us-ascii\n\n"
               % (addr, i, (i // 60) % 60, i % 60, i, rnd.getrandbits(32),
                  (i // 60) % 60, i % 60, sender, addr, subject))
        body = []
        size = len(hdr)
        marked = i % 100 == 7
        # lines of words while a whole one still fits, then one cut to
        # length: every message is exactly SIZE bytes (LF line ends)
        while size + 130 < a.size:
            line = " ".join(rnd.choice(WORDS) for _ in range(11))
            if marked and len(body) == 10:
                line += " " + a.word
            body.append(line)
            size += len(line) + 1
        pad = a.size - size - 1
        if pad > 0:
            body.append(("filler " * 20)[:pad].rstrip().ljust(pad, "."))
        data = (hdr + "\n".join(body) + "\n").encode()
        base = "%d.M%dP%d.bench" % (t0 + i, i, 14)
        name = "%s,S=%d,W=%d" % (base, len(data), len(data) + data.count(b"\n"))
        path = os.path.join(a.dst, "new", name)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, uid, gid)
        os.chmod(path, 0o600)
    print("%d messages in %s/new" % (a.count, a.dst))


def timed(rec, key, fn):
    r0 = os.times()
    t0 = time.monotonic()
    out = fn()
    rec[key + "_s"] = time.monotonic() - t0
    r1 = os.times()
    rec[key + "_client_cpu"] = (r1.user + r1.system) - (r0.user + r0.system)
    return out


def session(a):
    rec = {"test": "imap", "phase": a.phase, "label": a.label}
    if a.reset_cmd:
        subprocess.run(a.reset_cmd, shell=True, check=True)
    subprocess.run("sync", shell=True, check=True)
    if a.drop_caches:
        subprocess.run("sync; echo 3 > /proc/sys/vm/drop_caches", shell=True, check=True)
    if a.quiet_pct > 0:
        rec["quiet_wait_s"] = procmem.wait_quiet(a.quiet_pct, max_wait=a.quiet_max)[0]
    roots = procmem.roots_from([], a.root_pidfile)
    with procmem.ForeignCPU(roots) as fc:
        m = Imap(a.host, a.port)
        m.cmd("LOGIN %s %s" % (quote(a.user), quote(a.password)))
        out = timed(rec, "select", lambda: m.cmd("SELECT INBOX"))
        rec["exists"] = int(re.search(rb"\* (\d+) EXISTS", out).group(1))
        out = timed(rec, "meta", lambda: m.cmd("UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)"))
        rec["meta_n"] = out.count(b"RFC822.SIZE ")
        if a.phase == "warm":
            out = timed(rec, "body", lambda: m.cmd("FETCH 1:* BODY.PEEK[]"))
            rec["body_bytes"] = len(out)
            out = timed(rec, "search_body", lambda: m.cmd("SEARCH BODY %s" % a.word))
            rec["search_body_n"] = len(re.search(rb"\* SEARCH([ 0-9]*)", out).group(1).split())
            out = timed(rec, "search_from", lambda: m.cmd("SEARCH FROM %s" % quote(a.name)))
            rec["search_from_n"] = len(re.search(rb"\* SEARCH([ 0-9]*)", out).group(1).split())
            out = timed(rec, "store", lambda: m.cmd("STORE 1:* +FLAGS (\\Seen)"))
            rec["store_n"] = out.count(b" FETCH ")
        m.close()
    rec["foreign_cpu_pct"] = fc.foreign_pct
    rec["server_client_cpu_pct"] = fc.ours_pct
    if rec["meta_n"] != rec["exists"]:
        print("WARNING %s: %d messages, %d in the metadata FETCH"
              % (a.label, rec["exists"], rec["meta_n"]), file=sys.stderr)
    emit(a, rec)
    keys = [k[:-2] for k in rec if k.endswith("_s") and k != "quiet_wait_s"]
    print("[%s] %s (%d msgs): %s; foreign cpu %.0f%%" % (
        a.label, a.phase, rec["exists"],
        ", ".join("%s %.1f ms" % (k, rec[k + "_s"] * 1e3) for k in keys),
        rec["foreign_cpu_pct"]), flush=True)


def idle(a):
    roots = procmem.roots_from([], a.root_pidfile)
    if a.quiet_pct > 0:
        procmem.wait_quiet(a.quiet_pct, max_wait=a.quiet_max)
    before = procmem.snapshot(a.proc_exe_prefix, roots)
    conns = []
    t0 = time.monotonic()
    for _ in range(a.conns):
        m = Imap(a.host, a.port, use_ssl=a.ssl, timeout=60)
        m.cmd("LOGIN %s %s" % (quote(a.user), quote(a.password)))
        conns.append(m)
    login_s = time.monotonic() - t0
    time.sleep(a.settle)
    after = procmem.snapshot(a.proc_exe_prefix, roots)
    n = len(conns)
    rec = {"test": "imaps-idle" if a.ssl else "imap-idle", "label": a.label, "conns": n,
           "logins_per_s": n / login_s,
           "procs_before": before["n"], "procs_after": after["n"],
           "rss_added_per_conn_kb": (after["rss_kb"] - before["rss_kb"]) / n,
           "pss_added_per_conn_kb": (after["pss_kb"] - before["pss_kb"]) / n,
           "by_name_after": after["by_name"]}
    for m in conns:
        m.close()
    # the sessions' processes gone again (Dovecot's end with their
    # connection), so that the next measurement's "before" holds none
    deadline = time.monotonic() + 10
    while (time.monotonic() < deadline
           and procmem.snapshot(a.proc_exe_prefix, roots)["n"] > before["n"]):
        time.sleep(0.2)
    emit(a, rec)
    print("[%s] %s idle x%d: per conn RSS +%.0f KiB, PSS +%.0f KiB; processes %d -> %d; "
          "%.0f logins/s" % (a.label, "IMAPS" if a.ssl else "IMAP", n,
                             rec["rss_added_per_conn_kb"], rec["pss_added_per_conn_kb"],
                             before["n"], after["n"], rec["logins_per_s"]), flush=True)


def emit(a, rec):
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(rec) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("gen")
    g.add_argument("dst")
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--size", type=int, default=4096)
    g.add_argument("--owner", required=True)
    for p in (sub.add_parser("session"), sub.add_parser("idle")):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--user", required=True)
        p.add_argument("--password", required=True)
        p.add_argument("--label", default="")
        p.add_argument("--json")
        p.add_argument("--root-pidfile", action="append", default=[])
        p.add_argument("--quiet-pct", type=float, default=15.0,
                       help="wait for machine CPU below this %% (0: do not wait)")
        p.add_argument("--quiet-max", type=float, default=60.0)
        if p.prog.endswith("session"):
            p.add_argument("--phase", required=True,
                           choices=("cold", "warm", "big-cold", "big-warm"))
            p.add_argument("--reset-cmd")
            p.add_argument("--drop-caches", action="store_true")
        else:
            p.add_argument("--conns", type=int, default=200)
            p.add_argument("--ssl", action="store_true")
            p.add_argument("--settle", type=float, default=2.0)
            p.add_argument("--proc-exe-prefix", action="append", default=[])
    for p in (g, sub.choices["session"]):
        p.add_argument("--word", default="zanzibar")
        p.add_argument("--name", default="Quentin Quirke")
    a = ap.parse_args()
    if getattr(a, "host", "127.0.0.1") not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("refusing: benchmarks stay on loopback")
    {"gen": gen, "session": session, "idle": idle}[a.mode](a)


if __name__ == "__main__":
    main()
