#!/usr/bin/env bash
# Writes sample-logs/formats/: sample-logs/maillog as real rsyslog and
# syslog-ng write it in their other formats. Each line is sent over TCP on
# loopback as `<22>` + the line (a BSD syslog message: rsyslog and syslog-ng
# keep its time and host), and each daemon writes it with its templates:
#
#   maillog.rsyslog-protocol23.gz          RSYSLOG_SyslogProtocol23Format (RFC 5424)
#   maillog.rsyslog-forward.gz             RSYSLOG_ForwardFormat + line end (<PRI> RFC 3339)
#   maillog.rsyslog-traditional-forward.gz RSYSLOG_TraditionalForwardFormat + line end (<PRI> BSD)
#   maillog.syslog-ng-protocol.gz          syslog-ng file(flags(syslog-protocol)) (RFC 5424)
#
# BSD stamps carry no year: the daemons give them the current one, so run
# this in the year of the log (2026) or fix the year by hand.
#
# Needs Debian's rsyslog (installed: apt-get install rsyslog) and
# syslog-ng-core, which conflicts with rsyslog: it is unpacked into a
# temporary folder with its libraries instead of installed. Runs both
# daemons in the foreground on 127.0.0.1:10516 and :10517 and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/sample-logs/formats"
work="$(mktemp -d)"
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$out"

send() { # FILE PORT: each line as `<22>` + line + LF, in order, over TCP
  python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
with open(sys.argv[1], "rb") as f:
    for line in f:
        s.sendall(b"<22>" + line.rstrip(b"\n") + b"\n")
s.close()
EOF
}

# rsyslog: permitSlashInProgramName keeps `postfix/smtpd` whole as the
# RFC 5424 APP-NAME (without it rsyslog writes `postfix`).
cat > "$work/rsyslog.conf" <<EOF
global(workDirectory="$work" parser.permitSlashInProgramName="on")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="10516")
template(name="ForwardLF" type="string" string="<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%\n")
template(name="TradForwardLF" type="string" string="<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%\n")
action(type="omfile" file="$work/rsyslog-protocol23" template="RSYSLOG_SyslogProtocol23Format")
action(type="omfile" file="$work/rsyslog-forward" template="ForwardLF")
action(type="omfile" file="$work/rsyslog-traditional-forward" template="TradForwardLF")
EOF
rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" &
sleep 2
send sample-logs/maillog 10516
sleep 2
kill "$(cat "$work/rsyslog.pid")"
sleep 1

# syslog-ng, unpacked with the libraries Debian 12 lacks without it.
(cd "$work" && apt-get download -q syslog-ng-core libivykis0 libpcre3 libnet1 libwrap0 >/dev/null 2>&1)
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
root="$work/root"
export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu:$root/usr/lib/syslog-ng"
cat > "$work/syslog-ng.conf" <<EOF
@version: 3.38
options { keep-hostname(yes); keep-timestamp(yes); };
source s_tcp { tcp(ip("127.0.0.1") port(10517)); };
destination d_5424 { file("$work/syslog-ng-protocol" flags(syslog-protocol)); };
log { source(s_tcp); destination(d_5424); };
EOF
"$root/usr/sbin/syslog-ng" -F -f "$work/syslog-ng.conf" \
  --module-path="$root/usr/lib/syslog-ng/3.38" -p "$work/syslog-ng.pid" \
  -R "$work/syslog-ng.persist" -c "$work/syslog-ng.ctl" &
sleep 2
send sample-logs/maillog 10517
sleep 2
kill "$(cat "$work/syslog-ng.pid")"
sleep 1

for f in rsyslog-protocol23 rsyslog-forward rsyslog-traditional-forward syslog-ng-protocol; do
  test "$(wc -l < "$work/$f")" -eq "$(wc -l < sample-logs/maillog)"
  gzip -9n < "$work/$f" > "$out/maillog.$f.gz"
done
ls -l "$out"
