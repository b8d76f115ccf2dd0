#!/usr/bin/env python3
"""Cross-check a lab maillog against its expected.json (a CHECK only).

expected.json is computed by maillab.py without reading any log; this script
counts the same things in the log with plain regular expressions and reports
every difference. Exit status 1 if anything differs.

    python3 lab/verify_log.py sample-logs/lab/maillog sample-logs/lab/expected.json
"""

import json
import re
import sys
from collections import Counter

PROG = r"\S+ +\d+ [\d:]+ \S+ postfix(?P<listener>/submission)?/(?P<prog>[\w-]+)\[\d+\]: "
RCPT_REJECT = re.compile(
    PROG + r"(?P<qid>NOQUEUE|[0-9A-F]+): (?P<kind>reject|reject_warning): RCPT from \S+: "
    r"(?P<code>\d{3}) (?P<enh>\d\.\d+\.\d+) <[^>]*>: (?P<reason>.*?); from=<[^>]*> to=<(?P<to>[^>]*)>")
STATUS = re.compile(PROG + r"[0-9A-F]+: to=<(?P<to>[^>]*)>.*, status=(?P<status>sent|bounced|deferred) ")
EXPIRED = re.compile(PROG + r"[0-9A-F]+: from=<(?P<sender>[^>]*)>, status=expired, returned to sender")
NOTICE = re.compile(PROG + r"[0-9A-F]+: sender non-delivery notification: [0-9A-F]+")
QUEUED = re.compile(PROG + r"[0-9A-F]+: client=")


def dom(addr):
    return addr.rsplit("@", 1)[1].lower() if "@" in addr else ""


def main(log_path, expected_path):
    exp = json.load(open(expected_path))
    noq, wq, warn = Counter(), Counter(), Counter()
    lines, rcpts = Counter(), {}
    expired, notices, client_msgs = Counter(), 0, 0
    for line in open(log_path, encoding="utf-8", errors="replace"):
        m = RCPT_REJECT.match(line)
        if m:
            listener = "submission" if m["listener"] else "smtp"
            key = (dom(m["to"]), int(m["code"]), m["enh"], m["reason"])
            if m["kind"] == "reject_warning":
                warn[("NOQUEUE" if m["qid"] == "NOQUEUE" else "QUEUEID",) + key] += 1
            elif m["qid"] == "NOQUEUE":
                noq[key + (listener,)] += 1
            else:
                wq[key + (listener,)] += 1
            continue
        m = STATUS.match(line)
        if m:
            lines[(dom(m["to"]), m["status"])] += 1
            continue
        m = EXPIRED.match(line)
        if m:
            expired[m["sender"] or "<>"] += 1
            continue
        if NOTICE.match(line):
            notices += 1
        elif QUEUED.match(line):
            client_msgs += 1

    problems = []

    def cmp(name, want, got):
        for k in sorted(set(want) | set(got), key=str):
            if want.get(k, 0) != got.get(k, 0):
                problems.append(f"{name} {k}: expected {want.get(k, 0)}, log has {got.get(k, 0)}")

    sr = exp["smtpd_rejects"]
    cmp("noqueue", Counter({(r["domain"], r["code"], r["enhanced"], r["reason"], r["listener"]): r["count"]
                            for r in sr["noqueue"]["lines"]}), noq)
    cmp("with_queue_id", Counter({(r["domain"], r["code"], r["enhanced"], r["reason"], r["listener"]): r["count"]
                                  for r in sr["with_queue_id"]["lines"]}), wq)
    cmp("reject_warning", Counter({(r["logged_as"], r["domain"], r["code"], r["enhanced"], r["reason"]): r["count"]
                                   for r in exp["reject_warnings"]["lines"]}), warn)
    cmp("status lines", Counter({(r["domain"], r["status"]): r["log_lines"]
                                 for r in exp["deliveries"]["by_domain_status"]}), lines)
    cmp("expired by sender", Counter(exp["expired"]["by_sender"]), expired)
    cmp("totals", {"noqueue": sr["noqueue"]["total"], "with_queue_id": sr["with_queue_id"]["total"],
                   "reject_warnings": exp["reject_warnings"]["total"], "expired": exp["expired"]["log_lines"],
                   "bounce_notifications": exp["accepted"]["bounce_notifications"],
                   "client_messages": exp["accepted"]["client_messages"]},
        {"noqueue": sum(noq.values()), "with_queue_id": sum(wq.values()),
         "reject_warnings": sum(warn.values()), "expired": sum(expired.values()),
         "bounce_notifications": notices, "client_messages": client_msgs})
    for st, t in exp["deliveries"]["totals"].items():
        got = sum(n for (d, s), n in lines.items() if s == st)
        if got != t["log_lines"]:
            problems.append(f"status={st} total: expected {t['log_lines']}, log has {got}")
    by_status = Counter()
    for (d, s), n in lines.items():
        by_status[s] += n
    for p in problems:
        print("MISMATCH: " + p)
    print(f"verify_log: {'OK' if not problems else f'{len(problems)} mismatches'} -- "
          f"noqueue {sum(noq.values())}, queue-id {sum(wq.values())}, warnings {sum(warn.values())}, "
          f"status lines {dict(sorted(by_status.items()))}, "
          f"expired {sum(expired.values())}, notifications {notices}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
