#!/usr/bin/env python3
"""The Hive-partitioned dataset read by Spark (local mode).

Run by `tests/analysts.rs` (test `spark_reads_the_dataset`, only with
MAILLOG_SPARK=1) with a virtual environment holding pyspark; needs Java 17+.
For every case, Spark reads the dataset directory with `spark.read.parquet`
(the `day` and `host` columns come from the path), recomputes the `rejects`
report in Spark SQL and compares it with the CLI's JSON output exactly; it
also checks that every row got its `host` from the path, and runs the Spark SQL
recipe of README.md (erg.school), which must sum up to the erg.school rows of
the report. Spark runs in
`local[2]`, bound to 127.0.0.1, without UI, and is stopped at the end.

    check_spark.py --case NAME REJECTS.json DATASET_DIR [--case ...]
"""

import argparse
import json
import sys
import time

import recipes

KEYS = ["to_domain", "code", "enhanced", "restriction", "reason"]
VALUES = ["count", "recipients", "clients", "first_seen", "last_seen"]

# The `rejects` report in Spark SQL; times as microseconds since the epoch
# (unix_micros), so that nothing depends on the session or Python time zone.
REJECTS_SQL = """
SELECT to_domain, code, enhanced, restriction, reason,
       count(*)                  AS count,
       count(DISTINCT `to`)      AS recipients,
       count(DISTINCT client_ip) AS clients,
       unix_micros(min(ts))      AS first_seen,
       unix_micros(max(ts))      AS last_seen
FROM events
WHERE kind = 'reject'
GROUP BY to_domain, code, enhanced, restriction, reason
"""


def cli_rows(path, where, problems):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    rows = {}
    for row in doc.get("rejects", []):
        key = tuple(row[k] for k in KEYS)
        if key in rows:
            problems.append(f"{where}: CLI has two rows for {key}")
        rows[key] = {k: row[k] for k in VALUES}
    if "rejects" not in doc:
        problems.append(f"{where}: no 'rejects' key in the CLI output")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", nargs=3, action="append", required=True, metavar=("NAME", "REJECTS_JSON", "DATASET_DIR"))
    args = parser.parse_args()

    from pyspark.sql import SparkSession

    started = time.monotonic()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("maillog-report analysts test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.debug.maxToStringFields", "100")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    problems = []
    summary = []
    try:
        spark.sparkContext.setLogLevel("WARN")
        print(f"Spark {spark.version} up in {time.monotonic() - started:.1f} s")
        for name, cli_json, dataset_dir in args.case:
            df = spark.read.parquet(dataset_dir)
            types = dict(df.dtypes)
            for column in ("day", "host"):
                if column not in types:
                    problems.append(f"{name}: Spark found no partition column {column!r} (columns: {df.columns})")
            df.createOrReplaceTempView("events")
            total, hostless = spark.sql(
                "SELECT count(*), count_if(host IS NULL OR host = '') FROM events"
            ).first()
            if hostless:
                problems.append(f"{name}: {hostless} rows without a host from the path")

            cli = cli_rows(cli_json, name, problems)
            sql = {}
            for row in spark.sql(REJECTS_SQL).collect():
                d = row.asDict()
                key = tuple(d[k] for k in KEYS)
                if key in sql:
                    problems.append(f"{name}: Spark SQL gave two rows for {key}")
                sql[key] = {
                    "count": d["count"],
                    "recipients": d["recipients"],
                    "clients": d["clients"],
                    "first_seen": recipes.micros_to_cli(d["first_seen"]),
                    "last_seen": recipes.micros_to_cli(d["last_seen"]),
                }
            for key in sorted(cli.keys() - sql.keys(), key=repr):
                problems.append(f"{name}: row {dict(zip(KEYS, key))} is in the CLI report ({cli[key]}) but not in Spark SQL")
            for key in sorted(sql.keys() - cli.keys(), key=repr):
                problems.append(f"{name}: row {dict(zip(KEYS, key))} is in Spark SQL ({sql[key]}) but not in the CLI report")
            for key in sorted(cli.keys() & sql.keys(), key=repr):
                for k in VALUES:
                    if cli[key][k] != sql[key][k]:
                        problems.append(
                            f"{name}: {dict(zip(KEYS, key))}: {k} is {cli[key][k]!r} in the CLI report, {sql[key][k]!r} in Spark SQL"
                        )
            recipe_problems, recipe_rows = recipes.compare_with_report(
                [tuple(r) for r in spark.sql(recipes.spark_query()).collect()], cli
            )
            problems.extend(f"{name}: README.md Spark SQL: {p}" for p in recipe_problems)
            partitions = spark.sql(
                "SELECT CAST(day AS STRING), host, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2"
            ).collect()
            summary.append(
                f"{name}: {total} events; partitions "
                f"{', '.join(f'{d}/{h}: {n}' for d, h, n in partitions)}; "
                f"rejects: {len(sql)} groups; erg.school recipe: {recipe_rows} rows; types: ts {types.get('ts')}, code {types.get('code')}, "
                f"size {types.get('size')}, day {types.get('day')}"
            )
    finally:
        spark.stop()

    for line in summary:
        print(line)
    print(f"Spark run: {time.monotonic() - started:.1f} s")
    if problems:
        print(f"\n{len(problems)} difference(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"OK: {len(args.case)} case(s): Spark SQL and its recipe over the Hive dataset agree with the CLI")
    return 0


if __name__ == "__main__":
    sys.exit(main())
