"""The queries of README.md, as the checks run them.

`check_analysts.py` runs the DuckDB recipe and `check_spark.py` the Spark SQL
recipe over the dataset; both compare the result, summed up per reply, with
the erg.school rows of the CLI's `rejects` report. So the recipes cannot drift
from the data without a test failing.
"""

import datetime
import pathlib
import re

RECIPES = pathlib.Path(__file__).resolve().parents[2] / "README.md"
DOMAIN = "erg.school"

# The columns every recipe returns, times as microseconds since the epoch.
COLUMNS = ["recipient", "code", "enhanced", "restriction", "reason", "rejects", "since", "last"]
REPLY = ["code", "enhanced", "restriction", "reason"]


def block(marker):
    """The fenced code block that follows `<!-- recipe: MARKER ... -->`."""
    text = RECIPES.read_text(encoding="utf-8")
    m = re.search(r"<!-- recipe: " + re.escape(marker) + r"\b[^>]*-->\s*```\w*\n(.*?)```", text, re.S)
    if not m:
        raise SystemExit(f"{RECIPES}: no code block after '<!-- recipe: {marker} -->'")
    return m.group(1)


def duckdb_statements(glob):
    """The DuckDB recipe: its setup statements, and its query wrapped to
    return COLUMNS; the recipe's dataset path replaced by `glob`."""
    sql = block("duckdb")
    path = "'dataset/**/*.parquet'"
    if path not in sql:
        raise SystemExit(f"{RECIPES}: the DuckDB recipe does not read {path}")
    sql = sql.replace(path, "'" + glob.replace("'", "''") + "'")
    # Statements with code, not only comments (a `;` ends none inside a string here).
    statements = [s.strip() for s in sql.split(";") if re.sub(r"--[^\n]*", "", s).strip()]
    *setup, query = statements
    wrapped = (
        "SELECT recipient, code, enhanced, restriction, reason, rejects, "
        f"epoch_us(since) AS since, epoch_us(last) AS last FROM (\n{query}\n) AS recipe"
    )
    return setup, wrapped


def spark_query():
    """The Spark SQL of the PySpark recipe (over the view `events`), wrapped
    to return COLUMNS."""
    code = block("spark")
    m = re.search(r'spark\.sql\("""(.*?)"""\)', code, re.S)
    if not m:
        raise SystemExit(f'{RECIPES}: no spark.sql("""...""") in the Spark recipe')
    return (
        "SELECT recipient, code, enhanced, restriction, reason, rejects, "
        f"unix_micros(since) AS since, unix_micros(last) AS last FROM (\n{m.group(1)}\n) AS recipe"
    )


def micros_to_cli(us):
    """Microseconds since the epoch as the CLI prints them in JSON."""
    if us is None:
        return None
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    t += datetime.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compare_with_report(rows, cli):
    """`rows`: the recipe's result (tuples in COLUMNS order). `cli`: the
    CLI's rejects rows, {(to_domain, code, enhanced, restriction, reason):
    {count, recipients, clients, first_seen, last_seen}}. Returns the
    differences, as sentences."""
    problems = []
    summed = {}
    for row in rows:
        r = dict(zip(COLUMNS, row))
        key = tuple(r[k] for k in REPLY)
        s = summed.setdefault(key, {"count": 0, "recipients": set(), "first_seen": None, "last_seen": None})
        s["count"] += r["rejects"]
        if r["recipient"] is not None:
            s["recipients"].add(r["recipient"])
        s["first_seen"] = r["since"] if s["first_seen"] is None else min(s["first_seen"], r["since"])
        s["last_seen"] = r["last"] if s["last_seen"] is None else max(s["last_seen"], r["last"])
    got = {
        key: {
            "count": s["count"],
            "recipients": len(s["recipients"]),
            "first_seen": micros_to_cli(s["first_seen"]),
            "last_seen": micros_to_cli(s["last_seen"]),
        }
        for key, s in summed.items()
    }
    expected = {
        key[1:]: {k: v[k] for k in ("count", "recipients", "first_seen", "last_seen")}
        for key, v in cli.items()
        if key[0] == DOMAIN
    }
    if not expected:
        problems.append(f"the CLI report has no {DOMAIN} rows: the recipe is not tested")
    for key in sorted(expected.keys() - got.keys(), key=repr):
        problems.append(f"{DOMAIN} recipe: reply {dict(zip(REPLY, key))} is in the CLI report but not in the recipe's result")
    for key in sorted(got.keys() - expected.keys(), key=repr):
        problems.append(f"{DOMAIN} recipe: reply {dict(zip(REPLY, key))} is in the recipe's result but not in the CLI report")
    for key in sorted(got.keys() & expected.keys(), key=repr):
        for k, v in expected[key].items():
            if got[key][k] != v:
                problems.append(
                    f"{DOMAIN} recipe: {dict(zip(REPLY, key))}: {k} is {v!r} in the CLI report, {got[key][k]!r} from the recipe"
                )
    return problems, len(rows)
