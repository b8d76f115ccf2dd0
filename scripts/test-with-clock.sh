#!/usr/bin/env bash
# Runs the whole test suite with the machine's clock moved to DATE, to show
# that no test reads the clock or depends on today's date:
#
#   bash scripts/test-with-clock.sh '2027-12-20 12:00:00'
#
# Needs faketime (Debian package `faketime`). cargo itself does not run
# under libfaketime (it waits forever on its own timeouts), so the test
# binaries are built first with the real clock and then run under faketime.
# The committed sample logs get DATE as their modification time, as in a
# clone made that day.
set -euo pipefail
cd "$(dirname "$0")/.."
date=${1:?usage: test-with-clock.sh 'YYYY-MM-DD HH:MM:SS'}
command -v faketime >/dev/null || { echo "faketime not found (apt-get install faketime)" >&2; exit 2; }
mapfile -t binaries < <(cargo test --release --all-targets --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if (m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]
            and "bench" not in m["target"]["kind"]):
        print(m["executable"])')
(( ${#binaries[@]} )) || { echo "no test binary built" >&2; exit 1; }
find sample-logs -type f -exec touch -d "$date" {} +
status=0
for binary in "${binaries[@]}"; do
    echo "== $(basename "$binary") at $date"
    faketime "$date" "$binary" || status=1
done
exit "$status"
