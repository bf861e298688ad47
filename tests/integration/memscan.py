#!/usr/bin/env python3
"""memscan.py PID NEEDLE...: which needles appear in a process's memory.

Reads every readable mapping of /proc/PID/mem (root only) and prints each
needle found, one per line, then "scanned N bytes".  The tests use it to
prove that a password used by a login is not left behind in a process
(freed buffers, stream buffers, TLS record buffers)."""
import re
import sys

pid = int(sys.argv[1])
needles = [n.encode() for n in sys.argv[2:]]
found = set()
total = 0
with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        if perms[0] != "r" or "[vvar]" in line or "[vsyscall]" in line:
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except (OSError, ValueError, OverflowError):
            continue
        total += len(data)
        for n in needles:
            if n in data:
                found.add(n)
for n in sorted(found):
    print(n.decode())
print("scanned %d bytes" % total)
