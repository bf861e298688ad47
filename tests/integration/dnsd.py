#!/usr/bin/env python3
"""dnsd.py - a tiny authoritative DNS server on loopback for the tests
(t_dns.sh): answers from a zone file, counts the queries it gets.

  dnsd.py ZONE PORTFILE LOGFILE [ADDRESS [PORT]]
        listen on UDP ADDRESS (127.0.0.1) at PORT (a free one), write the
        port into PORTFILE once listening, and answer until killed; each
        query is logged as "PEER-ADDRESS NAME TYPE" to LOGFILE, flushed
        at once

ZONE has one record per line, "NAME TYPE DATA" (# comments):
  mx.example      MX        10 mx1.mx.example
  mx1.mx.example  A         127.0.0.2
  mx1.mx.example  AAAA      ::1
  null.example    MX        0 .
  bad.example     SERVFAIL            every query for the name: SERVFAIL
  silent.example  SILENT              every query for the name: no answer
A name in the file with no record of the asked type gets an empty
NOERROR answer (NODATA); a name not in the file NXDOMAIN; both with an SOA
of the zone "example" in the authority section, as negative answers carry
(RFC 2308).  Deterministic: the records come in the file's order, names
are never compressed.
"""
import os
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "AAAA": 28, "OPT": 41}
TYPE_NAMES = {v: k for k, v in TYPES.items()}


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(rtype, data):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, data)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, data)
    if rtype == "MX":
        pref, host = data.split()
        return struct.pack("!H", int(pref)) + wire_name(host)
    raise ValueError("unknown type " + rtype)


def load_zone(path):
    zone = {}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        name = parts[0].lower().rstrip(".")
        zone.setdefault(name, []).append((parts[1].upper(),
                                          parts[2] if len(parts) > 2 else ""))
    return zone


def rr(name_wire, rtype, data, ttl=60):
    return name_wire + struct.pack("!HHIH", rtype, 1, ttl, len(data)) + data


SOA = rr(wire_name("example"), TYPES["SOA"],
         wire_name("ns.example") + wire_name("hostmaster.example") +
         struct.pack("!IIIII", 1, 3600, 600, 86400, 60))


def parse_query(pkt):
    """(id, flags, qname text, qname wire, qtype, has_opt) or None."""
    if len(pkt) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", pkt[:12])
    if qd != 1:
        return None
    off, labels = 12, []
    while off < len(pkt) and pkt[off] != 0:
        n = pkt[off]
        if n > 63 or off + 1 + n > len(pkt):
            return None
        labels.append(pkt[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    if off + 5 > len(pkt):
        return None
    qwire = pkt[12:off + 1]
    qtype, _ = struct.unpack("!HH", pkt[off + 1:off + 5])
    return qid, flags, ".".join(labels).lower(), qwire, qtype, ar > 0, \
        pkt[12:off + 5]


def answer(zone, q):
    qid, flags, name, qwire, qtype, has_opt, question = q
    records = zone.get(name)
    rcode, answers, authority = 0, [], []
    if records is None:
        rcode, authority = 3, [SOA]
    elif records[0][0] == "SERVFAIL":
        rcode = 2
    else:
        for rtype, data in records:
            if TYPES.get(rtype) == qtype:
                answers.append(rr(qwire, qtype, rdata(rtype, data)))
        if not answers:
            authority = [SOA]
    additional = []
    if has_opt:
        additional.append(b"\0" + struct.pack("!HHIH", TYPES["OPT"], 1232, 0, 0))
    # QR, the query's opcode and RD, AA and RA set
    rflags = 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode
    head = struct.pack("!HHHHHH", qid, rflags, 1, len(answers),
                       len(authority), len(additional))
    return head + question + b"".join(answers + authority + additional)


def main():
    zone_path, port_file, log_file = sys.argv[1:4]
    address = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    zone = load_zone(zone_path)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((address, int(sys.argv[5]) if len(sys.argv) > 5 else 0))
    log = open(log_file, "a")
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        pkt, peer = s.recvfrom(65535)
        q = parse_query(pkt)
        if q is None:
            log.write("%s malformed -\n" % peer[0])
            log.flush()
            continue
        log.write("%s %s %s\n" % (peer[0], q[2] or ".",
                                  TYPE_NAMES.get(q[4], str(q[4]))))
        log.flush()
        records = zone.get(q[2])
        if records and records[0][0] == "SILENT":
            continue
        s.sendto(answer(zone, q), peer)


if __name__ == "__main__":
    main()
