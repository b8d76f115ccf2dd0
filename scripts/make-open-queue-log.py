#!/usr/bin/env python3
"""A log of queue ids that never finish: the shape a broken or hostile sender
can produce (every message accepted and queued, none ever delivered or
removed), for the memory benchmark of the open messages (BENCHMARKS.md).

    python3 scripts/make-open-queue-log.py OUT.log [MESSAGES]

One qmgr line per message, each with its own classic queue id (upper-case
hex, as Postfix writes them), senders and sizes varied; 2 M messages make
about 245 MB.
"""
import sys


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    with open(out, "w") as f:
        for i in range(count):
            s, m, h = i % 60, (i // 60) % 60, (i // 3600) % 24
            queue_id = f"{0x1000000000 + i * 7919:010X}"
            f.write(
                f"Nov 23 {h:02d}:{m:02d}:{s:02d} relay postfix/qmgr[1234]: {queue_id}: "
                f"from=<sender{i % 5000}@example{i % 300}.org>, size={1000 + i % 90000}, "
                "nrcpt=1 (queue active)\n"
            )


if __name__ == "__main__":
    main()
