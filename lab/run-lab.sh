#!/usr/bin/env bash
# maillog-report Postfix lab: drive a real, loopback-only Postfix and record
# its log together with the ground truth computed from what was sent.
#
#   sudo MAILLOG_LAB=1 bash lab/run-lab.sh [OUTDIR]      (default OUTDIR: sample-logs/lab)
#
# Installs postfix with apt and (re)configures the SYSTEM Postfix in
# /etc/postfix for the duration of the run; the previous main.cf, master.cf
# and chroot files are restored afterwards. Refuses to run unless CI=true or
# MAILLOG_LAB=1. See lab/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=${1:-$HERE/../sample-logs/lab}
PY=${PYTHON:-python3}
ETC=/etc/postfix
SPOOL=/var/spool/postfix
LOGFILE=/var/log/postfix-lab.log
SETTLE_TIMEOUT=${SETTLE_TIMEOUT:-90}

# is the Postfix master running? (`postfix status` would write to the log)
master_running() {
    local pid
    pid=$(head -n1 "$SPOOL/pid/master.pid" 2>/dev/null | tr -d ' ') || return 1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

say() { printf '[run-lab %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[run-lab] error: %s\n' "$*" >&2; exit 1; }

if [[ "${CI:-}" != "true" && "${MAILLOG_LAB:-}" != "1" ]]; then
    cat >&2 <<'EOF'
run-lab.sh installs and reconfigures the system Postfix (apt-get install postfix,
/etc/postfix/main.cf, master.cf, port 25/587 on 127.0.0.1). It only runs on a
throwaway machine: set CI=true or MAILLOG_LAB=1 to confirm, e.g.
    sudo MAILLOG_LAB=1 bash lab/run-lab.sh
EOF
    exit 2
fi
[[ $EUID -eq 0 ]] || die "must run as root"
T_START=$(date +%s)

# ---------------------------------------------------------------- install
pkgs=()
dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'install ok installed' || pkgs+=(postfix)
command -v "$PY" >/dev/null || { [[ $PY == python3 ]] && pkgs+=(python3); } || die "$PY not found"
if (( ${#pkgs[@]} )); then
    say "installing ${pkgs[*]}"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string relay.xamxam.example" | debconf-set-selections
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
command -v smtp-sink >/dev/null || die "smtp-sink not found (it ships with the postfix package)"
if master_running; then
    die "a Postfix is already running; stop it first (postfix stop) -- the lab will not touch it"
fi

# ---------------------------------------------------------------- state & cleanup
WORK=$(mktemp -d /tmp/maillog-lab.XXXXXX)
STASH=$WORK/stash
mkdir -p "$STASH"
STASHED=()
SINK_PIDS=()
POSTFIX_STARTED=0

# remember a file (or its absence) so that it is restored at exit
stash() {
    local f=$1 key
    key=$(printf '%s' "$f" | tr / _)
    if [[ -e $f ]]; then cp -a "$f" "$STASH/$key"; else : > "$STASH/$key.absent"; fi
    STASHED+=("$f")
}

restore() {
    local f key
    for f in "${STASHED[@]}"; do
        key=$(printf '%s' "$f" | tr / _)
        if [[ -e $STASH/$key.absent ]]; then rm -f "$f"; else cp -a "$STASH/$key" "$f"; fi
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if (( POSTFIX_STARTED )); then
        postfix stop >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do master_running || break; sleep 0.2; done
        if master_running; then
            kill -9 "$(head -n1 "$SPOOL/pid/master.pid" | tr -d ' ')" 2>/dev/null || true
        fi
    fi
    for pid in "${SINK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SINK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    # leave no lab mail behind (the queue is purged again at the next start)
    if (( POSTFIX_STARTED )); then postsuper -d ALL >/dev/null 2>&1 || true; fi
    restore
    rm -rf "$ETC/lab"
    if (( rc != 0 )); then
        say "FAILED (exit $rc); work files kept in $WORK; $OUTDIR left untouched"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- configure
say "configuring Postfix (loopback only)"
for f in "$ETC/main.cf" "$ETC/master.cf" \
         "$SPOOL/etc/hosts" "$SPOOL/etc/resolv.conf" "$SPOOL/etc/nsswitch.conf" "$SPOOL/etc/services"; do
    stash "$f"
done
rm -rf "$ETC/lab"
if [[ -f /usr/share/postfix/master.cf.dist ]]; then
    cp /usr/share/postfix/master.cf.dist "$ETC/master.cf"
else
    cp "$ETC/master.cf.proto" "$ETC/master.cf"
fi
"$PY" "$HERE/maillab.py" configure --etc "$ETC" --chroot "$SPOOL" --sinks "$WORK/sinks.tsv"
postconf -M submission/inet="submission inet n - y - - smtpd"
postconf -P submission/inet/syslog_name=postfix/submission \
            submission/inet/unknown_local_recipient_reject_code=450
postconf -M postlog/unix-dgram | grep -q postlogd || die "master.cf has no postlog service (needed by maillog_file)"
postfix check

# ---------------------------------------------------------------- start
say "starting smtp-sink instances"
while IFS=$'\t' read -r name ip opts; do
    # options are tab-separated (they contain spaces)
    mapfile -t optv < <(printf '%s\n' "$opts" | tr '\t' '\n')
    [[ -z ${optv[0]:-} ]] && optv=()
    smtp-sink -u nobody -4 -h "sink-$name.lab" "${optv[@]}" "$ip:25" 128 &
    SINK_PIDS+=($!)
done < "$WORK/sinks.tsv"

postsuper -d ALL >/dev/null 2>&1 || true
: > "$LOGFILE"
say "starting Postfix"
POSTFIX_STARTED=1
postfix start

# wait for the listening sockets (read from /proc, no probe connection:
# Postfix would log it), then make sure nothing listens outside loopback
sink_addrs=$(awk -F'\t' '{print $2 ":25"}' "$WORK/sinks.tsv")
# shellcheck disable=SC2086
"$PY" "$HERE/maillab.py" wait-listen --timeout 15 127.0.0.1:25 127.0.0.1:587 $sink_addrs \
    || die "Postfix or an smtp-sink did not start listening"
"$PY" "$HERE/maillab.py" check-loopback --ports 25,587 \
    || die "refusing to run: something listens on a non-loopback address"

# ---------------------------------------------------------------- drive
say "driving Postfix (takes a bit more than maximal_queue_lifetime)"
"$PY" "$HERE/maillab.py" run --out "$WORK/out" --settle-timeout "$SETTLE_TIMEOUT"

# ---------------------------------------------------------------- stop & collect
# The configuration as `postconf -n` and `postconf -P` print it: the
# findings' --postconf reads this file.
{ postconf -n; postconf -P; } > "$WORK/out/postconf.txt"
say "stopping Postfix and the sinks"
postfix stop
for _ in $(seq 1 50); do master_running || break; sleep 0.2; done
master_running && die "Postfix did not stop"
sleep 0.5   # let postlogd flush its last lines
cp "$LOGFILE" "$WORK/out/maillog"

# ---------------------------------------------------------------- queue actions
# A second session in a fresh log (the first one's log and truth stay as
# they are): mail held and discarded by header_checks, then postsuper -d.
say "queue actions: a second Postfix session in a fresh log"
postsuper -d ALL >/dev/null 2>&1 || true
: > "$LOGFILE"
postfix start
"$PY" "$HERE/maillab.py" wait-listen --timeout 15 127.0.0.1:25 \
    || die "Postfix did not start listening for the queue actions"
"$PY" "$HERE/maillab.py" queue-actions --out "$WORK/out/queue-actions"
postfix stop
for _ in $(seq 1 50); do master_running || break; sleep 0.2; done
master_running && die "Postfix did not stop"
sleep 0.5
cp "$LOGFILE" "$WORK/out/queue-actions/maillog"

# ---------------------------------------------------------------- the report as a mail
# With MAILLOG_REPORT_BIN (.ci/run builds it first): the first session's
# report as a mail (--format mail), through sendmail -t to nobody's mailbox,
# in a Postfix session of its own (its log is not kept).
if [[ -n ${MAILLOG_REPORT_BIN:-} ]]; then
    say "mail: the report through sendmail -t to a local mailbox"
    postsuper -d ALL >/dev/null 2>&1 || true
    stash /var/mail/nobody
    : > "$LOGFILE"
    postfix start
    "$PY" "$HERE/maillab.py" wait-listen --timeout 15 127.0.0.1:25 \
        || die "Postfix did not start listening for the mail"
    "$PY" "$HERE/maillab.py" mail --bin "$MAILLOG_REPORT_BIN" --log "$WORK/out/maillog" --out "$WORK/out/mail"
    postfix stop
    for _ in $(seq 1 50); do master_running || break; sleep 0.2; done
    master_running && die "Postfix did not stop"
fi

# ---------------------------------------------------------------- filter and retries
# A third session in a fresh log: every message through an amavis-like
# content filter, and mail delivered after one deferral (through another
# next hop, or after greylisting). main.cf and master.cf are restored at exit.
say "filter and retries: a third Postfix session in a fresh log"
postsuper -d ALL >/dev/null 2>&1 || true
"$PY" "$HERE/maillab.py" filter-configure --etc "$ETC"
postfix check
: > "$LOGFILE"
postfix start
"$PY" "$HERE/maillab.py" wait-listen --timeout 15 127.0.0.1:25 127.0.0.1:10025 \
    || die "Postfix did not start listening for the filter session"
"$PY" "$HERE/maillab.py" filter-retries --out "$WORK/out/filter-retries"
postfix stop
for _ in $(seq 1 50); do master_running || break; sleep 0.2; done
master_running && die "Postfix did not stop"
sleep 0.5
cp "$LOGFILE" "$WORK/out/filter-retries/maillog"
for pid in "${SINK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done

# a check only: count the same things in the log and compare
"$PY" "$HERE/verify_log.py" "$WORK/out/maillog" "$WORK/out/expected.json"

mkdir -p "$OUTDIR"
cp "$WORK/out/maillog" "$WORK/out/expected.json" "$WORK/out/manifest.jsonl" "$WORK/out/postconf.txt" "$OUTDIR/"
for session in queue-actions filter-retries; do
    mkdir -p "$OUTDIR/$session"
    cp "$WORK/out/$session/"{maillog,expected.json,manifest.jsonl} "$OUTDIR/$session/"
done
if [[ -d $WORK/out/mail ]]; then
    mkdir -p "$OUTDIR/mail"
    cp "$WORK/out/mail/"{sent.eml,received.eml} "$OUTDIR/mail/"
fi
say "done in $(( $(date +%s) - T_START ))s: $OUTDIR/{maillog,expected.json,manifest.jsonl,postconf.txt,queue-actions/,filter-retries/}"
