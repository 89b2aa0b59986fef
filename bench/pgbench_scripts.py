#!/usr/bin/env python3
"""Writes the pgbench scripts that bench/run sets against renod, from renod's own SQL.

The baseline must do the same database work as renod, so no statement is copied by hand:

  pgbench_scripts.py push SQL_C OUTDIR PROJECTS
      OUTDIR/push.sql: one PushProgress, the push_progress statement of server/sql.c
      (the one place renod keeps it) with a fresh random 16-byte key per run of the
      script and a random project (PROJECTS is "id:households,...") and random figures,
      as reno_loadgen sends.

  pgbench_scripts.py status LOG REQUESTS PAST TODAY OUTDIR
      OUTDIR/status.sql and OUTDIR/status-{past,today}.args: the statements renod ran
      for one GetStatus as of PAST, read from a PostgreSQL log (log_statement = all)
      taken while renod answered REQUESTS of them, and the values of their parameters;
      for "today" every parameter equal to PAST becomes TODAY.

  pgbench_scripts.py check-push LOG REQUESTS SQL_C
      Fails unless the log, taken while renod answered REQUESTS pushes, shows exactly
      one statement per push: push.sql's.

Statements per request are told from the rest of the log (logging in, the roll-up's own
refreshes) by count: a statement run m times per request appears about m x REQUESTS
times, the others a few times in all. Anything that cannot be told apart, or cannot be
written for pgbench, stops the script rather than measure something else.
"""
import re
import sys

ENTRY = re.compile(r'\[SQL_\w+\]\s*=\s*\{\s*"(\w+)",((?:\s*"(?:[^"\\]|\\.)*")+)\s*,\s*(\d+)\s*\}')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
# "2026-11-28 07:28:26.661 UTC [20725] LOG:  execute <unnamed>: SELECT ..."
LOG_LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (LOG|DETAIL):  (.*)$")
PARAM = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')")


def fail(message):
    sys.exit(f"pgbench_scripts: {message}")


def sql_c_statements(path):
    """name -> (SQL text, number of parameters), from the C table in server/sql.c."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = {}
    for m in ENTRY.finditer(text):
        sql = "".join(LITERAL.findall(m.group(2)))
        if "\\" in sql:
            fail(f"statement {m.group(1)} has a C escape; extend the reader")
        found[m.group(1)] = (sql, int(m.group(3)))
    return found


def logged_executions(path):
    """(SQL text, {n: value or None}) for every extended-protocol execute in the log."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    # A message's continuation lines start with a tab; join them to their first line.
    messages = []
    for line in lines:
        if line.startswith("\t") and messages:
            messages[-1] += "\n" + line[1:]
        elif line:
            messages.append(line)
    executions = []
    pending = {}  # pid -> index into executions of its execute awaiting parameters
    for message in messages:
        m = LOG_LINE.match(message.split("\n", 1)[0])
        if not m:
            continue
        pid, kind = m.group(1), m.group(2)
        body = m.group(3) + ("\n" + message.split("\n", 1)[1] if "\n" in message else "")
        if kind == "LOG":
            pending.pop(pid, None)
            e = re.match(r"execute [^:]*: (.*)$", body, re.S)
            if e:
                executions.append((e.group(1), {}))
                pending[pid] = len(executions) - 1
        elif kind == "DETAIL" and pid in pending and body.startswith("parameters: "):
            params = executions[pending.pop(pid)][1]
            for p in PARAM.finditer(body):
                params[int(p.group(1))] = None if p.group(2) == "NULL" else p.group(3).replace("''", "'")
    return executions


def per_request(executions, requests):
    """[(text, times per request, parameters of its last run)], in the order of each
    statement's last run (the last request has no setup statements after it)."""
    counts, last = {}, {}
    for i, (text, params) in enumerate(executions):
        counts[text] = counts.get(text, 0) + 1
        last[text] = (i, params)
    found = []
    for text, count in counts.items():
        times = round(count / requests)
        if abs(count - times * requests) > requests // 4:
            fail(f"a statement ran {count} times for {requests} requests, not a whole number "
                 f"of times per request: {text[:100]}")
        if times > 0:
            found.append((last[text][0], text, times, last[text][1]))
    if not found:
        fail(f"no statement ran once per request in the log ({len(executions)} executions)")
    return [(text, times, params) for _, text, times, params in sorted(found)]


def replace_params(text, names):
    """$n -> names[n] (a pgbench :variable, or a literal), highest n first ($10 before $1)."""
    for n in sorted(names, reverse=True):
        text = re.sub(rf"\${n}(?!\d)", names[n], text)
    left = re.findall(r"\$\d+", text)
    if left:
        fail(f"parameters {left} have no value: {text[:100]}")
    return text


def check_pgbench_safe(text, variables):
    """pgbench reads ':name' anywhere as a variable; refuse text with one of its own."""
    for m in re.finditer(r"(?<!:):([A-Za-z0-9_]+)", text):
        if m.group(1) not in variables:
            fail(f"':{m.group(1)}' in a statement would read as a pgbench variable: {text[:100]}")


def write_push(sql_c, outdir, projects_arg):
    projects = []
    for item in projects_arg.split(","):
        pid, households = item.split(":")
        projects.append((int(pid), int(households)))
    if not projects:
        fail("no projects")
    table = sql_c_statements(sql_c)
    if "push_progress" not in table:
        fail(f"no statement push_progress in {sql_c}")
    sql, _ = table["push_progress"]
    # renod sends the key and the request digest as hex and decodes them in SQL; here the
    # database draws them (gen_random_uuid is core PostgreSQL), a fresh key per push.
    for old, new in (("decode($2, 'hex')", "uuid_send(gen_random_uuid())"),
                     ("decode($3, 'hex')",
                      "(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))")):
        if old not in sql:
            fail(f"push_progress no longer takes '{old}': {sql}")
        sql = sql.replace(old, new)
    names = {1: ":account", 4: ":project", 5: ":report_date", 6: ":started", 7: ":completed",
             8: ":note"}
    push = replace_params(sql, names)
    pick = " ".join(f"WHEN :pick = {i} THEN {pid}" for i, (pid, _) in enumerate(projects))
    size = " ".join(f"WHEN :pick = {i} THEN {h}" for i, (_, h) in enumerate(projects))
    with open(f"{outdir}/push.sql", "w", encoding="utf-8") as f:
        f.write("-- One PushProgress as renod runs it (server/sql.c: push_progress), written by\n"
                "-- bench/pgbench_scripts.py. A random project; random cumulative figures.\n")
        f.write(f"\\set pick random(0, {len(projects) - 1})\n")
        f.write(f"\\set project CASE {pick} ELSE 0 END\n")
        f.write(f"\\set households CASE {size} ELSE 0 END\n")
        f.write("\\set started random(0, :households)\n")
        f.write("\\set completed random(0, :started)\n")
        f.write(push + ";\n")


def write_status(log, requests, past, today, outdir):
    statements = per_request(logged_executions(log), requests)
    script, past_args, today_args = [], [], []
    for i, (text, times, params) in enumerate(statements, start=1):
        names, variables = {}, []
        for n, value in params.items():
            if value is None:
                names[n] = "NULL"
                continue
            var = f"s{i}p{n}"
            names[n] = f":{var}"
            variables.append(var)
            past_args.append(f"{var}={value}")
            today_args.append(f"{var}={today if value == past else value}")
        line = replace_params(text, names)
        check_pgbench_safe(line, variables)
        script.extend([line + ";"] * times)
    with open(f"{outdir}/status.sql", "w", encoding="utf-8") as f:
        f.write("-- One GetStatus computed from the database: the statements renod ran for one,\n"
                "-- as recorded by bench/run and written by bench/pgbench_scripts.py.\n")
        f.write("\n".join(script) + "\n")
    for name, args in (("past", past_args), ("today", today_args)):
        with open(f"{outdir}/status-{name}.args", "w", encoding="utf-8") as f:
            f.write("".join(a + "\n" for a in args))
    # For bench/run's report: how many statements, and which.
    print(f"{len(script)} statements:",
          ", ".join(describe(text) + (f" x{times}" if times > 1 else "")
                    for text, times, _ in statements))


def describe(text):
    """A short name for a statement: the function it calls, or its first table."""
    m = re.search(r"FROM (\w+)\(", text) or re.search(r"FROM (\w+)", text)
    return m.group(1) if m else text[:30]


def check_push(log, requests, sql_c):
    statements = per_request(logged_executions(log), requests)
    table = sql_c_statements(sql_c)
    expected = table.get("push_progress", ("", 0))[0]
    if len(statements) != 1 or statements[0][0] != expected or statements[0][1] != 1:
        fail("renod no longer runs one push_progress statement per push, so push.sql is not "
             "the same work; it ran: " + "; ".join(f"{t[:80]} x{m}" for t, m, _ in statements))
    print("1 statement: push_progress")


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "push":
        write_push(*args[1:])
    elif len(args) == 6 and args[0] == "status":
        write_status(args[1], int(args[2]), args[3], args[4], args[5])
    elif len(args) == 4 and args[0] == "check-push":
        check_push(args[1], int(args[2]), args[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
