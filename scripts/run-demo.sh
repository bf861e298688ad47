#!/bin/sh
# run-demo.sh - `make run`: a demo instance under ./run, started in the
# foreground on loopback.  The first run creates the instance (port base
# 10000, domain localhost) with the user demo@localhost, password "demo";
# later runs reuse it.  Ctrl-C stops the suite.
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
DIR=$TOP/run
MAILCTL=$TOP/bin/mailctl
BASE=${TERN_PORT_BASE:-10000}

if [ ! -f "$DIR/main.conf" ]; then
	"$MAILCTL" init "$DIR" --port-base "$BASE" --domain localhost || exit 1
	echo demo | "$MAILCTL" -c "$DIR" user add demo@localhost --password-stdin || exit 1
fi
if "$MAILCTL" -c "$DIR" status >/dev/null 2>&1; then
	echo "the demo instance is already running; stop it with:"
	echo "  $MAILCTL -c $DIR stop"
	exit 1
fi

cat <<MSG
tern demo instance: $DIR  (user demo@localhost, password demo)
  status:  $MAILCTL -c $DIR status      (from another terminal)
  log:     tail -f $DIR/log/maillog
  config:  $DIR/main.conf, $DIR/master.conf
Listening on 127.0.0.1 (services enabled in master.conf):
MSG
awk '$2 == "inet" && $1 !~ /^#/ { split($1, a, ":"); printf "  %-12s port %s\n", a[1], a[2] }' "$DIR/master.conf"
cat <<MSG
Try:  swaks --server 127.0.0.1:$((BASE + 25)) --to demo@localhost --body hello
      curl -s pop3://127.0.0.1:$((BASE + 110))/1 -u demo@localhost:demo
      curl -s 'imap://127.0.0.1:$((BASE + 143))/INBOX;UID=1' -u demo@localhost:demo
Starting master in the foreground; Ctrl-C stops it.
MSG
exec "$MAILCTL" -c "$DIR" start -f
