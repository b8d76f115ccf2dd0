#!/usr/bin/env python3
"""Seed corpora for the parse_line fuzz target, one input file per log line.

    python3 fuzz/make_corpus.py corpus   # fuzz/corpus/parse_line/ (gitignored)
    python3 fuzz/make_corpus.py seeds    # fuzz/seeds/ (committed)

`corpus`: ~2000 diverse lines from sample-logs/maillog,
sample-logs/mail.rfc3339.log and ../shared/corpus/*.log beside the checkout
(or $SHARED_CORPUS),
plus message-only lines from the shared *.msg files written as
`daemon\\nmessage` (the target reads a first line as a daemon name).
Lines are grouped by "shape" (daemon + message with digits, <addresses>,
[addresses] and hex ids blanked); one line per shape, taken round-robin over
the sources so small sources are not drowned by large ones.

`seeds`: ~30 representative lines from sample-logs/ only (the project's own
data; the shared corpus stays out of the repository for licensing reasons).

Deterministic: same inputs, same files (named by SHA-1, as libFuzzer does).
"""
import glob
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SAMPLE = [os.path.join(ROOT, "sample-logs", n) for n in ("maillog", "mail.rfc3339.log")]
SHARED = os.environ.get("SHARED_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
CORPUS_SIZE = 2000

TAG = re.compile(rb" ([^ \[:]+)(?:\[\d+\])?:? ")


def lines(path):
    with open(path, "rb") as f:
        for raw in f:
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            if raw:
                yield raw


def shape(line, daemon=None):
    # BSD and RFC 3339 stamps are different shapes.
    stamp = b"R" if line[:1].isdigit() else b"B"
    if daemon is None:
        m = TAG.search(line[:120])
        if m:
            daemon = m.group(1).rsplit(b"/", 1)[-1]
            line = line[m.end():]
        else:
            daemon = b"?"
    s = re.sub(rb"<[^>]*>", b"<>", line)
    s = re.sub(rb"\[[^\]]*\]", b"[]", s)
    s = re.sub(rb"\b[0-9A-F]{5,}\b", b"QID", s)
    s = re.sub(rb"\b[0-9A-Za-z]{10,}z[0-9A-Za-z]*\b", b"QID", s)
    s = re.sub(rb"\d+", b"9", s)
    s = re.sub(rb"=[^ ,;]*", b"=", s)
    return stamp + b" " + daemon + b" " + b" ".join(s.split()[:6])


def diverse(sources, limit):
    """sources: list of lists of (key, data). Round-robin, one per key."""
    seen, out = set(), []
    iters = [iter(s) for s in sources]
    while iters and len(out) < limit:
        alive = []
        for it in iters:
            for key, data in it:
                if key not in seen:
                    seen.add(key)
                    out.append(data)
                    break
            else:
                continue
            alive.append(it)
            if len(out) >= limit:
                break
        iters = alive
    return out


def msg_source(msg, index, daemon_col):
    daemons = {}
    with open(index, "rb") as f:
        for row in f:
            cols = row.rstrip(b"\n").split(b"\t")
            if len(cols) > daemon_col:
                daemons[int(cols[0])] = cols[daemon_col]
    out = []
    with open(msg, "rb") as f:
        for n, raw in enumerate(f, 1):
            raw = raw.rstrip(b"\n")
            d = daemons.get(n, b"smtpd")
            if raw and d and d != b"-":
                out.append((b"msg " + shape(raw, d), d + b"\n" + raw))
    return out


def write(dir_, items):
    os.makedirs(dir_, exist_ok=True)
    for data in items:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(dir_, name), "wb") as f:
            f.write(data)
    print(f"{len(items)} files in {os.path.relpath(dir_, ROOT)}")


# One committed seed per pattern (first match), alternating the BSD and the
# RFC 3339 sample log so both stamp formats are represented.
SEED_PATTERNS = [
    rb"\]: connect from ",
    rb"\]: disconnect from .* commands=",
    rb"smtpd\[\d+\]: [0-9A-F]+: client=localhost",
    rb"smtpd\[\d+\]: [0-9A-F]+: client=scanner",
    rb"submission/smtpd\[\d+\]: [0-9A-F]+: client=",
    rb"cleanup\[\d+\]: [0-9A-F]+: message-id=<",
    rb"qmgr\[\d+\]: [0-9A-F]+: from=<[^>]", 
    rb"qmgr\[\d+\]: [0-9A-F]+: from=<>, size=",
    rb"qmgr\[\d+\]: [0-9A-F]+: removed",
    rb"status=expired, returned to sender",
    rb"smtp\[\d+\]: .*:25, .*status=sent",
    rb"status=deferred \(host .* said: 451",
    rb"status=deferred \(connect to ",
    rb"status=deferred \(delivery temporarily suspended",
    rb"status=bounced \(host .* said: 550",
    rb"status=bounced \(host .* said: 55[34]",
    rb"local\[\d+\]: .*orig_to=",
    rb"virtual\[\d+\]: .*status=sent",
    rb"error\[\d+\]: .*status=",
    rb"bounce\[\d+\]: .*notification: ",
    rb"NOQUEUE: reject: RCPT .*: 550 ",
    rb"NOQUEUE: reject: RCPT .*: 4\d\d ",
    rb"NOQUEUE: reject: RCPT .*: 554 ",
    rb"NOQUEUE: reject_warning: ",
    rb"\]: [0-9A-F]+: reject: RCPT ",
    rb"smtp\[\d+\]: connect to .*: Connection refused",
    rb"\]: warning: ",
    rb"master\[\d+\]: daemon started",
    rb"postfix-script\[\d+\]: (starting|stopping) the Postfix",
    rb"postfix-script\[\d+\]: waiting for",
]


def seeds():
    logs = [list(lines(p)) for p in SAMPLE]
    out = []
    for n, pat in enumerate(SEED_PATTERNS):
        rx = re.compile(pat)
        for log in (logs[n % 2:] + logs[: n % 2]):
            hit = next((l for l in log if rx.search(l)), None)
            if hit is not None:
                out.append(hit)
                break
        else:
            print(f"no sample line matches {pat!r}", file=sys.stderr)
    return out


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    if what == "seeds":
        write(os.path.join(HERE, "seeds"), seeds())
    elif what == "corpus":
        src = [[(shape(l), l) for l in lines(p)] for p in SAMPLE]
        logs = sorted(glob.glob(os.path.join(SHARED, "*.log")))
        src += [[(shape(l), l) for l in lines(p)] for p in logs]
        td = os.path.join(SHARED, "postfix-logwatch-TD.msg")
        if os.path.exists(td):
            src.append(msg_source(td, td + ".index.tsv", 3))
        write(os.path.join(HERE, "corpus", "parse_line"), diverse(src, CORPUS_SIZE))
    else:
        sys.exit("usage: make_corpus.py corpus|seeds")


if __name__ == "__main__":
    main()
