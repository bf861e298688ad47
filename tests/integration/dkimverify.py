#!/usr/bin/python3
# dkimverify.py - check the DKIM signatures of a message with dkimpy
# (Debian's python3-dkim), an implementation independent of tern's.
#
#   dkimverify.py MESSAGE RECORDS
#
# RECORDS holds zone lines as `mailctl dkim keygen` prints them
# ("SEL._domainkey.DOMAIN. IN TXT ( "..." "..." )"); the key lookups of
# dkimpy are answered from them (its dnsfunc argument), never from the
# DNS.  Prints one line per DKIM-Signature field, top-down:
#   N d=DOMAIN s=SELECTOR a=ALGORITHM ok|fail
# and "none" when there is none.  Exit 0 when every signature verified.
import re
import sys

import dkim

records = {}
with open(sys.argv[2]) as f:
    for line in f:
        m = re.match(r'^(\S+)\s+IN\s+TXT\s+\((.*)\)\s*$', line.strip())
        if m:
            name = m.group(1).rstrip('.').lower()
            records[name] = ''.join(re.findall(r'"([^"]*)"', m.group(2)))


def txt(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    rec = records.get(name.rstrip('.').lower())
    return rec.encode() if rec is not None else None


msg = open(sys.argv[1], 'rb').read()
d = dkim.DKIM(msg, minkey=1024)
n = len([1 for k, v in d.headers if k.lower() == b'dkim-signature'])
if n == 0:
    print('none')
    sys.exit(1)
good = True
for i in range(n):
    try:
        ok = d.verify(idx=i, dnsfunc=txt)
    except dkim.DKIMException as e:
        print('%d error %s' % (i, e))
        ok = False
    sig = d.signature_fields
    print('%d d=%s s=%s a=%s %s' % (i, sig.get(b'd', b'').decode(),
                                    sig.get(b's', b'').decode(),
                                    sig.get(b'a', b'').decode(),
                                    'ok' if ok else 'fail'))
    good = good and ok
sys.exit(0 if good else 1)
