#!/usr/bin/env python3
"""pop3_maildir.py - a Maildir for the POP3 benchmark, from the pristine one.

    pop3_maildir.py SRC DST UID:GID [--names tern|keep] [--count N]

Replaces DST by the message files of SRC/new (the first N by name, all by
default) in DST/new, with cur/ and tmp/ empty, owned by UID:GID.  The
content is copied byte for byte.  --names tern (the default) gives each
file the name tern's `local` would have written: the original base name
(which starts with the delivery time) plus ",S=<size>,W=<size + LFs>";
--names keep leaves the names as the other MTA wrote them, so that tern
has to measure every message once (its slow path).
"""
import argparse
import os
import shutil


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("owner")
    ap.add_argument("--names", choices=("tern", "keep"), default="tern")
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()
    if a.dst in ("/", "/home", "") or a.dst.rstrip("/").count("/") < 2:
        raise SystemExit("refusing dst=%s" % a.dst)
    uid, gid = (int(x) for x in a.owner.split(":"))
    names = sorted(os.listdir(os.path.join(a.src, "new")))
    if a.count:
        names = names[:a.count]
    shutil.rmtree(a.dst, ignore_errors=True)
    for d in ("", "new", "cur", "tmp"):
        os.makedirs(os.path.join(a.dst, d), mode=0o700, exist_ok=True)
        os.chown(os.path.join(a.dst, d), uid, gid)
    for n in names:
        with open(os.path.join(a.src, "new", n), "rb") as f:
            data = f.read()
        if a.names == "tern":
            base = n.split(",")[0].split(":")[0]
            n = "%s,S=%d,W=%d" % (base, len(data), len(data) + data.count(b"\n"))
        path = os.path.join(a.dst, "new", n)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, uid, gid)
        os.chmod(path, 0o600)
    print("%d messages in %s/new" % (len(names), a.dst))


if __name__ == "__main__":
    main()
