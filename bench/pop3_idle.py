#!/usr/bin/env python3
"""pop3_idle.py - memory per idle authenticated POP3 connection.

Opens N POP3 connections, each logs in with USER/PASS and then sits idle
(TRANSACTION state, the mailbox opened and listed); the memory of the
server's processes (selected by executable path prefix and process tree, as
../shared/bench/mailbox_bench.py does for IMAP, with its procmem.py used in
place) is compared before and after: sum of RSS / N and sum of PSS / N.

    pop3_idle.py --port P --user-fmt 'idle%d@localhost' --password pw \
        --conns 100 --proc-exe-prefix /path/bin/ --root-pidfile F \
        --conn-proc-name pop3d --label tern [--json FILE]

--ssl speaks POP3S (TLS from the first byte, any certificate accepted).
--user-fmt may hold %d (1..N: one user per connection, for servers that
lock the maildrop per session, as RFC 1939 expects) or name one user.
"""
import argparse
import json
import os
import poplib
import ssl
import sys
import time

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "shared", "bench")
sys.path.insert(0, os.environ.get("SHARED_BENCH", SHARED))
import procmem  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user-fmt", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--proc-exe-prefix", action="append", default=[])
    ap.add_argument("--root-pidfile", action="append", default=[])
    ap.add_argument("--conn-proc-name", default="pop3")
    ap.add_argument("--label", default="")
    ap.add_argument("--ssl", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("refusing: benchmarks must stay on loopback")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    roots = procmem.roots_from([], a.root_pidfile)
    procmem.wait_quiet(15.0)
    before = procmem.snapshot(a.proc_exe_prefix, roots)
    conns = []
    t0 = time.monotonic()
    for i in range(1, a.conns + 1):
        user = a.user_fmt % i if "%d" in a.user_fmt else a.user_fmt
        if a.ssl:
            p = poplib.POP3_SSL(a.host, a.port, context=ctx, timeout=30)
        else:
            p = poplib.POP3(a.host, a.port, timeout=30)
        p.user(user)
        r = p.pass_(a.password)
        if not r.startswith(b"+OK"):
            sys.exit("login %s: %r" % (user, r))
        conns.append(p)
    login_s = time.monotonic() - t0
    time.sleep(a.settle)
    after = procmem.snapshot(a.proc_exe_prefix, roots)
    n = len(conns)
    per = after["by_name"].get(a.conn_proc_name, [0, 0, 0])
    res = {
        "test": "pop3s-idle" if a.ssl else "pop3-idle", "label": a.label, "conns": n,
        "logins_per_s": n / login_s,
        "procs_before": before["n"], "procs_after": after["n"],
        "rss_added_per_conn_kb": (after["rss_kb"] - before["rss_kb"]) / n,
        "pss_added_per_conn_kb": (after["pss_kb"] - before["pss_kb"]) / n,
        "conn_proc_name": a.conn_proc_name, "conn_procs": per[0],
        "conn_proc_rss_avg_kb": per[1] / per[0] if per[0] else None,
        "conn_proc_pss_avg_kb": per[2] / per[0] if per[0] else None,
        "by_name_after": after["by_name"],
    }
    for p in conns:
        try:
            p.quit()
        except Exception:
            pass
    print(f"[{a.label}] {'POP3S' if a.ssl else 'POP3'} IDLE x{n}: per conn RSS +{res['rss_added_per_conn_kb']:.0f} KiB, "
          f"PSS +{res['pss_added_per_conn_kb']:.0f} KiB; {per[0]} '{a.conn_proc_name}' procs, "
          f"avg RSS {(res['conn_proc_rss_avg_kb'] or 0):.0f} KiB, "
          f"PSS {(res['conn_proc_pss_avg_kb'] or 0):.0f} KiB; {res['logins_per_s']:.0f} logins/s",
          flush=True)
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
