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
  services:  $MAILCTL -c $DIR status      (from another terminal)
  log:       tail -f $DIR/log/maillog
  config:    $DIR/main.conf, $DIR/master.conf
The services of master.conf listen on 127.0.0.1 at $BASE + the standard
port (smtp $((BASE + 25)), submission $((BASE + 587)), smtps $((BASE + 465)),
pop3 $((BASE + 110)), pop3s $((BASE + 995)), imap $((BASE + 143)), imaps $((BASE + 993)))
as each protocol daemon becomes available; see master.conf for those enabled.
Starting master in the foreground; Ctrl-C stops it.
MSG
exec "$MAILCTL" -c "$DIR" start -f
