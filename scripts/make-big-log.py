#!/usr/bin/env python3
"""Build a large, realistic Postfix log for whole-process benchmarks.

Material: the lab logs in sample-logs/ (written by a real Postfix) and, when
present, the real server logs of ../shared/corpus (read in place, never
copied into the repository). Copies are appended with their timestamps
shifted by whole days, so that the result spans many distinct days, as a
long-lived relay's log does. Lines without a recognisable timestamp are kept
as they are (they are part of real logs too).

    python3 scripts/make-big-log.py OUT.log [SIZE_MB] [FIRST_DAY]
                                   (default 1100 MB, shifted from day 0)

FIRST_DAY shifts every copy by that many more days: logs made with
FIRST_DAY 0, 300, 600, … follow each other in time (as a rotated set does),
e.g. the 20 GB run of BENCHMARKS.md:

    for i in $(seq 0 19); do
      python3 scripts/make-big-log.py /tmp/many/mail.log.$i 1000 $((i * 300))
    done
"""

import datetime as dt
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
BSD = re.compile(rb"^([A-Z][a-z]{2}) ([ 0-9]\d) ")
RFC = re.compile(rb"^(\d{4})-(\d{2})-(\d{2})T")


def sources():
    names = [os.path.join(REPO, "sample-logs", n) for n in ("maillog", "mail.log", "mail.rfc3339.log")]
    names.append(os.path.join(REPO, "sample-logs", "lab", "maillog"))
    corpus = os.path.join(REPO, "..", "shared", "corpus")
    for n in ("pixelpark-postfix-logsums.mail.log", "infohtreasure-Postfix-Maillog-Dump.maillog.log"):
        p = os.path.join(corpus, n)
        if os.path.exists(p):
            names.append(p)
    return [open(p, "rb").read().splitlines(keepends=True) for p in names]


def shift_line(line, days, year):
    m = RFC.match(line)
    if m:
        d = dt.date(int(m[1]), int(m[2]), int(m[3])) + dt.timedelta(days=days)
        return d.strftime("%Y-%m-%d").encode() + line[10:]
    m = BSD.match(line)
    if m and m[1].decode() in MONTHS:
        try:
            d = dt.date(year, MONTHS.index(m[1].decode()) + 1, int(m[2]))
        except ValueError:
            return line
        d += dt.timedelta(days=days)
        return f"{MONTHS[d.month - 1]} {d.day:2d} ".encode() + line[7:]
    return line


def main():
    out_path = sys.argv[1]
    target = int(sys.argv[2] if len(sys.argv) > 2 else 1100) * 1_000_000
    first_day = int(sys.argv[3] if len(sys.argv) > 3 else 0)
    logs = sources()
    written = 0
    copy = 0
    with open(out_path + ".tmp", "wb") as out:
        while written < target:
            # Shift within one year: BSD stamps have no year, keep them sane.
            days = first_day + copy % 300
            for lines in logs:
                chunk = b"".join(shift_line(l, days, 2025) for l in lines)
                out.write(chunk)
                written += len(chunk)
            copy += 1
    os.replace(out_path + ".tmp", out_path)
    print(f"{out_path}: {written} bytes, {copy} copies of {len(logs)} logs")


if __name__ == "__main__":
    main()
