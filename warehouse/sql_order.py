"""The order the build applies sql/ in, read from the files themselves (no hand-kept list).

A file lives in a layer folder (sql/<layer>/NAME.sql) and creates one object, NAME. The layers are
applied in LAYERS order; inside a layer a file comes after the files of the objects it names (a
topological sort, ties by path). What a file names is every identifier in it (comments and string
literals left out, a string that is exactly an object's name counted, as in query_table('dim_period'))
that is the name of an object some file creates or the build makes in Python (PYTHON_OBJECTS).

The one cross-layer rule: a file may name objects of its own layer or of an earlier one, never of a
later one. DuckDB binds a macro when it is created, so a macro that reads a mart cannot be created
before the marts: it lives in the layer of what it reads (peer_ranking, periodic_report are kpi/).
A table or view read after `from` or `join` that no file creates, no CTE of the file defines and
Python does not make is an error too, raised before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
LAYERS = ("schema", "macros", "seeds", "staging", "marts", "kpi")

# objects warehouse.build.apply_sql makes in Python after the schema layer and before the macros one
# (they read the schema's tables, and files of the later layers read them): the layer they count as
PYTHON_LAYER = "python"
PYTHON_OBJECTS = {
    "ref_calendar_package": "warehouse.official_calendar.fill_package (the `holidays` package's days)",
    "dim_kpi": "warehouse.kpi_sql.registry_sql (the KPI registry of warehouse/metrics.py)",
    "kpi_long": "warehouse.kpi_sql.registry_sql",
    "target_tolerance": "warehouse.kpi_sql.registry_sql (metrics.TARGET_TOLERANCE)",
}
_RANK = {layer: i for i, layer in enumerate(("schema", PYTHON_LAYER) + LAYERS[1:])}


def python_call_reads() -> dict[str, frozenset[str]]:
    """What a Python-made macro reads when it is called, not when it is created: kpi_long takes the
    KPI summary tables as parameters with defaults (warehouse/kpi_sql.py), so a file that calls it
    comes after those tables' files as if it named them itself."""
    from warehouse import kpi_sql

    code, strings = _code(kpi_sql.kpi_long_sql())
    return {"kpi_long": frozenset({m.group(0) for m in _TOKENS.finditer(code)} | strings)}

_TOKENS = re.compile(r"--[^\n]*|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_]*")
_CREATE = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?(?:table|view|macro)\s+"
    r"(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)")
# not `is distinct from x`, `extract(year from d)`, a function call or a qualified column
_READ = re.compile(r"(?<!distinct )\b(?:from|join)\s+([a-z_][a-z0-9_]*)\b(?!\s*[(.])")
_EXTRACT = re.compile(r"\b(extract|trim|substring|position|overlay)\s*\(([^()]*?)\bfrom\b")
_CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s+(?:not\s+)?(?:materialized\s+)?\(")
# read after `from` without being a table: the unnest-style table functions and struct fields
_NOT_TABLES = {"values", "lateral", "unnest", "select", "information_schema", "duckdb_tables",
               "duckdb_columns", "duckdb_views", "duckdb_functions"}


class SqlOrderError(RuntimeError):
    """sql/ cannot be ordered: a cycle, a reference to an unknown or later object, two creators."""


@dataclass(frozen=True)
class SqlFile:
    path: Path
    layer: str
    creates: tuple[str, ...]      # every object a `create` statement names, in the file's order
    names: frozenset[str]         # every identifier (and exact-name string) of the file, lower case
    reads: frozenset[str]         # tables read after from / join that are not the file's own CTEs

    @property
    def rel(self) -> str:
        return self.path.relative_to(self.path.parents[1]).as_posix()


def _code(text: str) -> tuple[str, set[str]]:
    """The file's SQL with comments and strings blanked, and the string literals' contents."""
    strings: set[str] = set()
    parts = []
    last = 0
    for m in _TOKENS.finditer(text):
        token = m.group(0)
        if token.startswith("--") or token.startswith("'"):
            parts.append(text[last:m.start()] + " ")
            last = m.end()
            if token.startswith("'"):
                strings.add(token[1:-1].replace("''", "'").lower())
    parts.append(text[last:])
    return "".join(parts).lower(), strings


def scan_file(path: Path) -> SqlFile:
    code, strings = _code(path.read_text(encoding="utf-8"))
    code = _EXTRACT.sub(r"\1(\2,", re.sub(r"\s+", " ", code))
    names = {m.group(0) for m in _TOKENS.finditer(code)}
    ctes = set(_CTE.findall(code))
    reads = {name for name in _READ.findall(code) if name not in ctes and name not in _NOT_TABLES}
    return SqlFile(path=path, layer=path.parent.name, creates=tuple(_CREATE.findall(code)),
                   names=frozenset(names | strings), reads=frozenset(reads))


def scan(sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    """Every .sql file of the layer folders (sql/load, the loader's, is not part of the build)."""
    return [scan_file(path) for layer in LAYERS for path in sorted((sql_dir / layer).glob("*.sql"))]


def _creators(files: list[SqlFile]) -> dict[str, SqlFile]:
    owner: dict[str, SqlFile] = {}
    for f in files:
        for name in f.creates:
            if name in owner and owner[name] is not f:
                raise SqlOrderError(f"{name} is created by both {owner[name].rel} and {f.rel}")
            if name in PYTHON_OBJECTS:
                raise SqlOrderError(f"{f.rel} creates {name}, which the build makes in Python")
            owner[name] = f
    return owner


def dependencies(files: list[SqlFile]) -> dict[SqlFile, set[SqlFile]]:
    """For each file, the files whose objects it names; checks the layer rule and unknown reads."""
    owner = _creators(files)
    known = set(owner) | set(PYTHON_OBJECTS)
    call_reads = python_call_reads()
    deps: dict[SqlFile, set[SqlFile]] = {}
    for f in files:
        unknown = sorted(f.reads - known - set(f.creates))
        if unknown:
            raise SqlOrderError(f"{f.rel} reads {', '.join(unknown)}: no file in sql/ creates it")
        deps[f] = set()
        names = set(f.names).union(*(call_reads.get(name, ()) for name in f.names))
        for name in sorted((names & known) - set(f.creates)):
            layer = owner[name].layer if name in owner else PYTHON_LAYER
            if _RANK[layer] > _RANK[f.layer]:
                where = owner[name].rel if name in owner else PYTHON_OBJECTS[name]
                raise SqlOrderError(f"{f.rel} (layer {f.layer}) names {name} of the later layer {layer} "
                                    f"({where}): move the file to that layer or later")
            if name in owner and owner[name].layer == f.layer:
                deps[f].add(owner[name])
    return deps


def order(files: list[SqlFile]) -> list[SqlFile]:
    """Layer by layer; inside a layer each file after what it names, ties by path."""
    deps = dependencies(files)
    result: list[SqlFile] = []
    for layer in LAYERS:
        waiting = {f: set(deps[f]) for f in files if f.layer == layer}
        while waiting:
            ready = sorted((f for f, d in waiting.items() if not d), key=lambda f: f.rel)
            if not ready:
                raise SqlOrderError(f"dependency cycle in sql/{layer}: "
                                    + ", ".join(sorted(f.rel for f in waiting)))
            first = ready[0]
            result.append(first)
            del waiting[first]
            for d in waiting.values():
                d.discard(first)
    return result


def build_order(sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    return order(scan(sql_dir))


def with_dependencies(names, sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    """The files that create the named objects and, transitively, the macros (files of sql/macros)
    they name, in build order: what a caller runs to have a few rules without the whole build (the
    loader's parse_* macros, the demo's hand-over rules, a test). The tables they read are the
    caller's to provide."""
    files = scan(sql_dir)
    owner = _creators(files)
    missing = sorted(set(names) - set(owner))
    if missing:
        raise SqlOrderError(f"no file in sql/ creates {', '.join(missing)}")
    macros = {name for name, f in owner.items() if f.layer == "macros"}
    wanted: set[SqlFile] = set()
    todo = [owner[name] for name in names]
    while todo:
        f = todo.pop()
        if f not in wanted:
            wanted.add(f)
            todo.extend(owner[name] for name in (f.names & macros) - set(f.creates))
    return [f for f in order(files) if f in wanted]


def macros_named_in(folder: Path, sql_dir: Path = SQL_DIR) -> list[str]:
    """The macros of sql/macros that the .sql files of a folder name (sql/load: the loader's)."""
    macros = {name for f in scan(sql_dir) if f.layer == "macros" for name in f.creates}
    named = set().union(*(scan_file(path).names for path in sorted(folder.glob("*.sql"))))
    return sorted(named & macros)
