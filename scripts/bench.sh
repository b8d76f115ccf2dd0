#!/usr/bin/env bash
# Whole-process benchmark, side by side in one run: wc -l (the floor),
# maillog-report (default report, --report summary, --parquet, --threads 1,
# --threads 2) and
# Debian's pflogsumm, on a >= 1 GB log built from real material, plus a
# 100 MB slice for the linearity check, a 1 GB log of one real server
# (sparse in events) and peak memory.
#
#   bash scripts/bench.sh [WORKDIR]        (needs hyperfine, pflogsumm: apt-get install hyperfine pflogsumm)
#   ONLY_STREAMING=1 bash scripts/bench.sh [WORKDIR]   (only the streamed input and output runs at the end)
#
# Prints a Markdown report on stdout (BENCHMARKS.md is one such report).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/maillog-bench}"
mkdir -p "$work"
bin="$PWD/target/release/maillog-report"
cargo build --release --quiet
big="$work/big.log"
[ -s "$big" ] || python3 scripts/make-big-log.py "$big" 1100 >&2
big_bytes=$(stat -c %s "$big")
rounds=${ROUNDS:-6}
if [ -z "${ONLY_STREAMING:-}" ]; then
for tool in hyperfine pflogsumm; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y $tool" >&2; exit 2; }
done

small="$work/small.log"
sparse="$work/sparse.log"
head -c 100000000 "$big" | sed '$d' > "$small"   # 100 MB, whole lines
# One real server's log (3% of its lines are events), repeated to 1 GB.
server_log="../shared/corpus/pixelpark-postfix-logsums.mail.log"
if [ ! -s "$sparse" ] && [ -s "$server_log" ]; then
  for _ in $(seq 105); do cat "$server_log"; done > "$sparse"
fi
# Old files: the default policy memory-maps them (a live log would be read).
touch -d '1 hour ago' "$big" "$small"
[ -s "$sparse" ] && touch -d '1 hour ago' "$sparse"
cat "$big" > /dev/null                                 # warm the page cache
small_bytes=$(stat -c %s "$small")
sparse_bytes=$(stat -c %s "$sparse" 2>/dev/null || echo 0)
sparse_run=()
[ "$sparse_bytes" -gt 0 ] && sparse_run=(-n "maillog-report (one server)" "$bin --year 2026 $sparse")

# The machine is shared and noisy: the commands run in ROUNDS rounds of 3
# runs each, so that a noisy minute hits every command, not one; the report
# takes the median of all runs of each command. `sync` before every run:
# the Parquet file one command writes must not be flushed during the next.
jsons=()
for round in $(seq "$rounds"); do
  json="$work/hyperfine-$round.json"
  jsons+=("$json")
  hyperfine --style none --warmup 1 --runs 3 --prepare sync --export-json "$json" \
    -n "wc -l" "wc -l $big" \
    -n "maillog-report" "$bin --year 2026 $big" \
    -n "maillog-report --report summary" "$bin --year 2026 --report summary $big" \
    -n "maillog-report --parquet" "$bin --year 2026 --parquet $work/out.parquet $big" \
    -n "maillog-report --threads 2" "$bin --year 2026 --threads 2 $big" \
    -n "maillog-report --threads 1" "$bin --year 2026 --threads 1 $big" \
    -n "maillog-report (100 MB)" "$bin --year 2026 $small" \
    "${sparse_run[@]}" >&2
done
pjson="$work/pflogsumm.json"
hyperfine --style none --runs 1 --export-json "$pjson" \
  -n "pflogsumm" "pflogsumm $big" >&2

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_big=$(rss "$bin" --year 2026 "$big")
rss_small=$(rss "$bin" --year 2026 "$small")
rss_summary=$(rss "$bin" --year 2026 --report summary "$big")

python3 - "$pjson" "$big_bytes" "$small_bytes" "$rss_big" "$rss_small" "$sparse_bytes" "$rss_summary" "${jsons[@]}" <<'PY'
import json, statistics, sys
big, small, sparse = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[6])
rss_big, rss_small = int(sys.argv[4]) * 1024, int(sys.argv[5]) * 1024
rss_summary = int(sys.argv[7]) * 1024
times = {}
for path in sys.argv[8:] + [sys.argv[1]]:
    for r in json.load(open(path))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
runs = [{"command": c, "median": statistics.median(ts), "min": min(ts), "max": max(ts), "n": len(ts)} for c, ts in times.items()]
t = {r["command"]: r["median"] for r in runs}
print("| command | input | runs | median wall time (min … max) | throughput (median) |")
print("|---|---|---:|---:|---:|")
for r in runs:
    size = small if "100 MB" in r["command"] else sparse if "one server" in r["command"] else big
    print(f"| `{r['command']}` | {size/1e6:.0f} MB | {r['n']} | {r['median']:.3f} s ({r['min']:.3f} … {r['max']:.3f}) | {size/r['median']/1e9:.2f} GB/s |")
mr = t["maillog-report"]
print()
print(f"- default report vs `wc -l`: {mr / t['wc -l']:.1f}× the time of `wc -l` (target: within 4×, i.e. >= 2 GB/s)")
print(f"- vs pflogsumm: {t['pflogsumm'] / mr:.0f}× the throughput (target: >= 300×)")
print(f"- `--threads 2` vs `--threads 1`: {t['maillog-report --threads 1'] / t['maillog-report --threads 2']:.2f}× faster (target: >= 1.8×)")
print(f"- linearity: {big/small:.1f}× the input took {mr / t['maillog-report (100 MB)']:.1f}× the time (target: <= 11× for 1 GB vs 100 MB)")
if "maillog-report (one server)" in t:
    ts = t["maillog-report (one server)"]
    print(f"- one server's log ({sparse/1e6:.0f} MB, mostly session lines: connect/disconnect/TLS/postscreen): {ts:.3f} s, {sparse/ts/1e9:.2f} GB/s, {ts / t['wc -l'] * big / sparse:.1f}× the time of `wc -l` per byte (target: within 3×)")
su = t["maillog-report --report summary"]
print(f"- `--report summary`: {su:.3f} s, {su / mr:.2f}× the default report's time (target: within 2×); peak RSS {rss_summary/1e6:.0f} MB = {rss_summary/big*100:.0f}% of the input (target: <= 25%)")
print(f"- peak RSS: {rss_big/1e6:.0f} MB on {big/1e6:.0f} MB ({rss_small/1e6:.0f} MB on {small/1e6:.0f} MB). RSS counts the mapped pages"
      f" not yet released as well, so memory beyond the mapped file is at most {rss_big/1e6:.0f} MB = {rss_big/big*100:.0f}% of the input (target: <= 25%)")
PY
fi

# Streamed input and output (the inputs issue): a live log read in blocks
# against the same file mapped; eight gzip files of ~200 MB decompressed in
# one run against eight single runs; --parquet against the default report.
# Medians of ROUNDS rounds, peak RSS from /usr/bin/time -v. Printed as a
# second Markdown table.
set_log="$work/set.log"
if ! ls "$work"/set.log.*.gz >/dev/null 2>&1; then
  [ -s "$set_log" ] || python3 scripts/make-big-log.py "$set_log" 1600 >&2
  (cd "$work" && split -n l/8 -d -a 1 set.log set.log. && rm -f set.log)
  ls "$work"/set.log.[0-7] | xargs -P "$(nproc)" -n 1 gzip -f
fi
set_files=("$work"/set.log.[0-7].gz)
touch -d '1 hour ago' "${set_files[@]}"
set_bytes=0
for f in "${set_files[@]}"; do set_bytes=$((set_bytes + $(gzip -l "$f" | awk 'NR==2 {print $2}'))); done
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
# Wall time of one run, in microseconds.
wall() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000)); }
declare -A samples
for round in $(seq "$rounds"); do
  sync
  samples[mapped]+=" $(wall "$bin" --year 2026 --mmap always "$big")"
  touch "$big"   # modified now: a live log, read in blocks, not mapped
  samples[live]+=" $(wall "$bin" --year 2026 "$big")"
  touch -d '1 hour ago' "$big"
  samples[default]+=" $(wall "$bin" --year 2026 "$big")"
  samples[parquet]+=" $(wall "$bin" --year 2026 --parquet "$work/stream.parquet" "$big")"
  samples[gzset]+=" $(wall "$bin" --year 2026 "${set_files[@]}")"
  single=0
  for f in "${set_files[@]}"; do single=$((single + $(wall "$bin" --year 2026 "$f"))); done
  samples[gzsingles]+=" $single"
done
touch "$big"; rss_live=$(peak "$bin" --year 2026 "$big"); touch -d '1 hour ago' "$big"
rss_mapped=$(peak "$bin" --year 2026 --mmap always "$big")
rss_parquet=$(peak "$bin" --year 2026 --parquet "$work/stream.parquet" "$big")
rss_gzset=$(peak "$bin" --year 2026 "${set_files[@]}")
# The same with a report that keeps no frame: what reading costs by itself.
light=(--year 2026 --report time_range)
touch "$big"; light_live=$(peak "$bin" "${light[@]}" "$big"); touch -d '1 hour ago' "$big"
light_mapped=$(peak "$bin" "${light[@]}" --mmap always "$big")
light_parquet=$(peak "$bin" "${light[@]}" --parquet "$work/stream.parquet" "$big")
light_gzset=$(peak "$bin" "${light[@]}" "${set_files[@]}")
python3 - "$big_bytes" "$set_bytes" "$rss_live" "$rss_mapped" "$rss_parquet" "$rss_gzset" \
  "$light_live" "$light_mapped" "$light_parquet" "$light_gzset" \
  "${samples[mapped]}" "${samples[live]}" "${samples[default]}" "${samples[parquet]}" \
  "${samples[gzset]}" "${samples[gzsingles]}" <<'PY'
import statistics, sys
big, set_bytes = int(sys.argv[1]), int(sys.argv[2])
rss = {k: int(v) * 1024 for k, v in zip(["live", "mapped", "parquet", "gzset"], sys.argv[3:7])}
light = {k: int(v) * 1024 for k, v in zip(["live", "mapped", "parquet", "gzset"], sys.argv[7:11])}
names = ["mapped", "live", "default", "parquet", "gzset", "gzsingles"]
med = {n: statistics.median(int(x) / 1e6 for x in s.split()) for n, s in zip(names, sys.argv[11:17])}
print()
print("| streamed input and output | input | median wall time | peak RSS |")
print("|---|---|---:|---:|")
print(f"| `--mmap always` (mapped) | {big/1e6:.0f} MB | {med['mapped']:.3f} s | {rss['mapped']/1e6:.0f} MB |")
print(f"| live log (mtime now: read in blocks) | {big/1e6:.0f} MB | {med['live']:.3f} s | {rss['live']/1e6:.0f} MB |")
print(f"| default report (old file: mapped) | {big/1e6:.0f} MB | {med['default']:.3f} s | |")
print(f"| `--parquet` | {big/1e6:.0f} MB | {med['parquet']:.3f} s | {rss['parquet']/1e6:.0f} MB |")
print(f"| eight .gz in one run | {set_bytes/1e6:.0f} MB decompressed | {med['gzset']:.3f} s | {rss['gzset']/1e6:.0f} MB |")
print(f"| eight .gz, one run each (sum) | {set_bytes/1e6:.0f} MB decompressed | {med['gzsingles']:.3f} s | |")
print()
print(f"- live log vs mapped: {med['live']/med['mapped']:.2f}× the time (target: <= 1.3×), peak RSS {rss['live']/big*100:.0f}% of the input (target: <= 25%)")
print(f"- eight .gz in one run: {med['gzset']/med['gzsingles']:.2f}× the sum of single runs (target: <= 0.6×), peak RSS {rss['gzset']/1e6:.0f} MB (target: <= 400 MB)")
print(f"- `--parquet` vs the default report: {med['parquet']/med['default']:.2f}× the time (target: <= 2×), peak RSS {rss['parquet']/big*100:.0f}% of the input (target: <= 25%)")
print(f"- with `--report time_range` (no frame: the cost of reading alone), peak RSS: live log {light['live']/1e6:.0f} MB ({light['live']/big*100:.0f}%),"
      f" mapped {light['mapped']/1e6:.0f} MB, `--parquet` {light['parquet']/1e6:.0f} MB ({light['parquet']/big*100:.0f}%), eight .gz {light['gzset']/1e6:.0f} MB")
PY
