#!/usr/bin/env python3
"""The Parquet export as an analyst meets it: pyarrow and DuckDB.

Run by `tests/analysts.rs` (test `python_readers_agree_with_the_cli`) with a
virtual environment holding pyarrow and duckdb. For every case:

1. pyarrow: the single file and every file of the Hive dataset have the
   documented column types (the schema comes from the crate's `SCHEMA` and
   `CATEGORICAL`, written to a JSON file by the test), both as Arrow types and
   as Parquet logical types (what Spark, Trino and DuckDB see); zstd and
   statistics on every column chunk; the metadata keys
   `maillog_report.schema_version` and `maillog_report.tool_version`; the
   dataset files have no `host` column (it lives in the path).
2. DuckDB: the `rejects` report, recomputed in SQL over the single file and
   over the Hive dataset, equals the CLI's JSON output row for row and number
   for number; so do the row counts per (day, host). The DuckDB recipe of
   README.md (erg.school), run over the dataset, sums up to the erg.school
   rows of the report.

Every difference is collected and printed; the exit status is 1 if there is
any, 0 otherwise. Usage:

    check_analysts.py --schema SCHEMA.json \
        --case NAME REJECTS.json FILE.parquet DATASET_DIR [--case ...]
"""

import argparse
import json
import pathlib
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import recipes

KEYS = ["to_domain", "code", "enhanced", "restriction", "reason"]
VALUES = ["count", "recipients", "clients", "first_seen", "last_seen"]
METADATA_KEYS = ["maillog_report.schema_version", "maillog_report.tool_version"]

# The `rejects` report in SQL: rows of kind 'reject' grouped by recipient
# domain, code, enhanced code, restriction and reason. count(DISTINCT x)
# ignores nulls, as the report does. Times as microseconds since the epoch,
# so that nothing depends on the session's time zone.
REJECTS_SQL = """
SELECT to_domain, code, enhanced, restriction, reason,
       count(*)                  AS count,
       count(DISTINCT "to")      AS recipients,
       count(DISTINCT client_ip) AS clients,
       epoch_us(min(ts))         AS first_seen,
       epoch_us(max(ts))         AS last_seen
FROM {source}
WHERE kind = 'reject'
GROUP BY to_domain, code, enhanced, restriction, reason
ORDER BY count DESC, to_domain, code, enhanced, restriction, reason
"""

# Rows per UTC day and host: the partitioning the dataset promises.
PARTITIONS_FILE_SQL = """
SELECT strftime(make_timestamp(epoch_us(ts)), '%Y-%m-%d') AS day, host, count(*) AS n
FROM {source} GROUP BY ALL ORDER BY ALL
"""
PARTITIONS_DATASET_SQL = """
SELECT CAST(day AS VARCHAR) AS day, host, count(*) AS n
FROM {source} GROUP BY ALL ORDER BY ALL
"""

STRING_TYPES = (pa.string(), pa.large_string(), pa.string_view())
INTEGERS = {
    "u8": (pa.uint8(), 8, False),
    "u16": (pa.uint16(), 16, False),
    "u32": (pa.uint32(), 32, False),
    "u64": (pa.uint64(), 64, False),
    "i8": (pa.int8(), 8, True),
    "i16": (pa.int16(), 16, True),
    "i32": (pa.int32(), 32, True),
    "i64": (pa.int64(), 64, True),
}
FLOATS = {"f32": (pa.float32(), "FLOAT"), "f64": (pa.float64(), "DOUBLE")}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


def sql_string(path):
    return "'" + str(path).replace("'", "''") + "'"


# --- types -----------------------------------------------------------------


def check_arrow_type(doc_type, categorical, arrow_type):
    """None if `arrow_type` is what the documented type promises, else why not."""
    if doc_type == "str":
        if categorical:
            if not pa.types.is_dictionary(arrow_type):
                return f"categorical column: expected dictionary<string>, got {arrow_type}"
            if arrow_type.value_type not in STRING_TYPES:
                return f"dictionary values must be strings, got {arrow_type.value_type}"
            return None
        if arrow_type not in STRING_TYPES:
            return f"expected string, large_string or string_view, got {arrow_type}"
        return None
    if categorical:
        return f"documented as categorical but typed {doc_type}"
    if doc_type.startswith("datetime["):
        unit = {"μs": "us", "us": "us", "ms": "ms", "ns": "ns"}[
            doc_type[len("datetime[") :].split(",")[0].strip()
        ]
        tz = doc_type.rstrip("]").split(",")[1].strip() if "," in doc_type else None
        expected = pa.timestamp(unit, tz=tz)
    elif doc_type in INTEGERS:
        expected = INTEGERS[doc_type][0]
    elif doc_type in FLOATS:
        expected = FLOATS[doc_type][0]
    elif doc_type == "bool":
        expected = pa.bool_()
    else:
        return f"no Arrow mapping for the documented type {doc_type!r} (extend check_analysts.py)"
    if arrow_type != expected:
        return f"expected {expected}, got {arrow_type}"
    return None


def check_parquet_type(doc_type, column):
    """The Parquet logical type: what readers without the Arrow schema see."""
    logical = json.loads(column.logical_type.to_json())
    got = f"{column.physical_type} {column.logical_type.to_json()}"
    if doc_type == "str":
        ok = column.physical_type == "BYTE_ARRAY" and logical.get("Type") == "String"
        return None if ok else f"expected BYTE_ARRAY String, got {got}"
    if doc_type.startswith("datetime["):
        unit = {"μs": "microseconds", "us": "microseconds", "ms": "milliseconds", "ns": "nanoseconds"}[
            doc_type[len("datetime[") :].split(",")[0].strip()
        ]
        utc = "," in doc_type
        ok = (
            column.physical_type == "INT64"
            and logical.get("Type") == "Timestamp"
            and logical.get("timeUnit") == unit
            and logical.get("isAdjustedToUTC") == utc
        )
        return None if ok else f"expected INT64 Timestamp({unit}, isAdjustedToUTC={utc}), got {got}"
    if doc_type in INTEGERS:
        _, bits, signed = INTEGERS[doc_type]
        physical = "INT64" if bits == 64 else "INT32"
        ok = (
            column.physical_type == physical
            and logical.get("Type") == "Int"
            and logical.get("bitWidth") == bits
            and logical.get("isSigned") == signed
        )
        return None if ok else f"expected {physical} Int({bits}, signed={signed}), got {got}"
    if doc_type in FLOATS:
        ok = column.physical_type == FLOATS[doc_type][1]
        return None if ok else f"expected {FLOATS[doc_type][1]}, got {got}"
    if doc_type == "bool":
        return None if column.physical_type == "BOOLEAN" else f"expected BOOLEAN, got {got}"
    return f"no Parquet mapping for the documented type {doc_type!r}"


def check_file(path, schema, expected_metadata, without, problems):
    """Types, compression, statistics and metadata of one Parquet file.
    `without`: documented columns that must not be in the file (partition
    columns of the dataset)."""
    where = str(path)
    pf = pq.ParquetFile(path)
    arrow = pf.schema_arrow
    documented = [c for c in schema if c["name"] not in without]
    names = [c["name"] for c in documented]
    if arrow.names != names:
        problems.add(where, f"columns {arrow.names}, documented (in order) {names}")
    for c in documented:
        if c["name"] not in arrow.names:
            continue
        why = check_arrow_type(c["type"], c["categorical"], arrow.field(c["name"]).type)
        if why:
            problems.add(where, f"column {c['name']!r} ({c['type']}): Arrow type: {why}")
        column = pf.schema.column(pf.schema.names.index(c["name"]))
        why = check_parquet_type(c["type"], column)
        if why:
            problems.add(where, f"column {c['name']!r} ({c['type']}): Parquet type: {why}")
    for name in without:
        if name in arrow.names:
            problems.add(where, f"partition column {name!r} is inside the file; it belongs in the path")

    kv = {k.decode(): v.decode() for k, v in (pf.metadata.metadata or {}).items()}
    for key, value in expected_metadata.items():
        if key not in kv:
            problems.add(where, f"file metadata key {key!r} missing (keys: {sorted(kv)})")
        elif kv[key] != value:
            problems.add(where, f"file metadata {key!r} = {kv[key]!r}, expected {value!r}")

    md = pf.metadata
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        for i in range(rg.num_columns):
            chunk = rg.column(i)
            if chunk.compression != "ZSTD":
                problems.add(where, f"row group {g} column {chunk.path_in_schema!r}: compression {chunk.compression}, expected ZSTD")
            if not chunk.is_stats_set or chunk.statistics.null_count is None:
                problems.add(where, f"row group {g} column {chunk.path_in_schema!r}: no statistics")
    return md.num_rows


# --- the rejects report --------------------------------------------------


def report_rows(cli_json, where, problems):
    with open(cli_json, encoding="utf-8") as f:
        doc = json.load(f)
    if "rejects" not in doc:
        problems.add(where, f"no 'rejects' key in the CLI output (keys: {sorted(doc)})")
        return {}
    rows = {}
    for row in doc["rejects"]:
        missing = [k for k in KEYS + VALUES if k not in row]
        if missing:
            problems.add(where, f"CLI row without {missing}: {row}")
            continue
        key = tuple(row[k] for k in KEYS)
        if key in rows:
            problems.add(where, f"CLI has two rows for {key}")
        rows[key] = {k: row[k] for k in VALUES}
    return rows


def sql_rows(con, source):
    result = con.sql(REJECTS_SQL.format(source=source))
    names = result.columns
    rows = {}
    duplicates = []
    for values in result.fetchall():
        row = dict(zip(names, values))
        key = tuple(row[k] for k in KEYS)
        if key in rows:
            duplicates.append(key)
        rows[key] = {
            "count": row["count"],
            "recipients": row["recipients"],
            "clients": row["clients"],
            "first_seen": recipes.micros_to_cli(row["first_seen"]),
            "last_seen": recipes.micros_to_cli(row["last_seen"]),
        }
    return rows, duplicates


def compare(where, cli, sql, duplicates, problems):
    for key in duplicates:
        problems.add(where, f"SQL gave two rows for {key}")
    for key in sorted(cli.keys() - sql.keys(), key=repr):
        problems.add(where, f"row {dict(zip(KEYS, key))} is in the CLI report ({cli[key]}) but not in SQL")
    for key in sorted(sql.keys() - cli.keys(), key=repr):
        problems.add(where, f"row {dict(zip(KEYS, key))} is in SQL ({sql[key]}) but not in the CLI report")
    for key in sorted(cli.keys() & sql.keys(), key=repr):
        for k in VALUES:
            if cli[key][k] != sql[key][k]:
                problems.add(
                    where,
                    f"{dict(zip(KEYS, key))}: {k} is {cli[key][k]!r} in the CLI report, {sql[key][k]!r} in SQL",
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", required=True, help="JSON: the documented schema and metadata")
    parser.add_argument(
        "--case",
        nargs=4,
        action="append",
        required=True,
        metavar=("NAME", "REJECTS_JSON", "PARQUET_FILE", "DATASET_DIR"),
    )
    args = parser.parse_args()

    with open(args.schema, encoding="utf-8") as f:
        documented = json.load(f)
    schema = documented["columns"]
    expected_metadata = documented["metadata"]
    partition_columns = documented["partition_columns"]

    print(f"pyarrow {pa.__version__}, duckdb {duckdb.__version__}")
    problems = Problems()
    con = duckdb.connect()
    con.sql("SET threads TO 2")
    summary = []
    for name, cli_json, parquet_file, dataset_dir in args.case:
        dataset_dir = pathlib.Path(dataset_dir)
        # (i) types and metadata, the single file and every dataset file.
        rows_file = check_file(parquet_file, schema, expected_metadata, [], problems)
        files = sorted(dataset_dir.rglob("*.parquet"))
        if not files:
            problems.add(str(dataset_dir), "the dataset has no Parquet files")
        rows_dataset = 0
        for path in files:
            rel = path.relative_to(dataset_dir).parts
            if len(rel) != 3 or not rel[0].startswith("day=") or not rel[1].startswith("host=") or not (rel[2].startswith("events-") and rel[2].endswith(".parquet")):
                problems.add(str(path), "not of the form day=YYYY-MM-DD/host=H/events-<run>.parquet")
            rows_dataset += check_file(path, schema, expected_metadata, partition_columns, problems)
        if rows_file != rows_dataset:
            problems.add(name, f"the file has {rows_file} rows, the dataset {rows_dataset}")

        # (ii) the rejects report, over the file and over the dataset.
        cli = report_rows(cli_json, f"{name}: {cli_json}", problems)
        file_source = f"read_parquet({sql_string(parquet_file)})"
        glob = str(dataset_dir / "**" / "*.parquet")
        dataset_source = f"read_parquet({sql_string(glob)}, hive_partitioning = true)"
        for label, source in (("file", file_source), ("dataset", dataset_source)):
            sql, duplicates = sql_rows(con, source)
            compare(f"{name}: DuckDB over the {label}", cli, sql, duplicates, problems)
        by_file = con.sql(PARTITIONS_FILE_SQL.format(source=file_source)).fetchall()
        by_dataset = con.sql(PARTITIONS_DATASET_SQL.format(source=dataset_source)).fetchall()
        if by_file != by_dataset:
            problems.add(name, f"rows per (day, host): file {by_file}, dataset {by_dataset}")
        setup, query = recipes.duckdb_statements(glob)
        for statement in setup:
            con.execute(statement)
        recipe_problems, recipe_rows = recipes.compare_with_report(con.sql(query).fetchall(), cli)
        for p in recipe_problems:
            problems.add(f"{name}: README.md DuckDB", p)
        summary.append(
            f"{name}: {rows_file} events; {len(files)} partition(s) "
            f"{', '.join(f'{d}/{h}: {n}' for d, h, n in by_dataset)}; "
            f"rejects: {len(cli)} groups, {sum(r['count'] for r in cli.values())} rejects; "
            f"erg.school recipe: {recipe_rows} rows"
        )

    for line in summary:
        print(line)
    if problems.items:
        print(f"\n{len(problems.items)} difference(s):", file=sys.stderr)
        for p in problems.items:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(
        f"OK: {len(args.case)} case(s): types, metadata, the rejects report in DuckDB over the file "
        "and the Hive dataset, and the DuckDB recipe agree with the CLI"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
