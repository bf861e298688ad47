#!/usr/bin/env python3
"""proc_cpu.py - CPU seconds used so far by a server's processes.

    proc_cpu.py PREFIX...

Prints the sum, over every living process whose executable path starts
with one of the PREFIXes, of its user and system time and of its waited-for
children's (utime + stime + cutime + cstime of /proc/PID/stat).  A process
that ended was waited for by its parent (the server's master), so its time
is in the parent's cutime: the difference of two readings is what the
server spent in between, short-lived session processes included.
"""
import os
import sys


def server_cpu(prefixes):
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.readlink("/proc/%s/exe" % pid)
            if not exe.startswith(tuple(prefixes)):
                continue
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])
    return total / tck


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: proc_cpu.py PREFIX...")
    print("%.2f" % server_cpu(sys.argv[1:]))
