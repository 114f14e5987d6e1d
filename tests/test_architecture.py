"""The house rules (docs/architecture.md): stages import only downwards, SQL lives in the ledger,
modules stay small, every cited document and section exists, nothing points outside the repository."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "alxa_lib"
# Rank of each top-level name under alxa_lib: a module may import its own package and lower ranks only.
RANK = {"errors": 0, "params": 0, "vocab": 0, "periods": 0, "rules": 0, "values": 0, "files": 0, "console": 0,
        "workbooks": 1, "ledger": 2, "sample": 2, "checks": 3, "figures": 4, "reports": 5,
        "commands": 6, "cli": 6, "demo": 6, "daily": 6}
SQL = re.compile(r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+(TABLE|SEQUENCE))\b")
CITATION = re.compile(r"((docs/)?\b(\w+)\.md)|§(\d+(?:\.\d+)?)")


def _modules() -> list[Path]:
    return sorted(p for p in LIB.rglob("*.py"))


def _top(path: Path) -> str:
    rel = path.relative_to(LIB).parts
    return rel[0] if len(rel) > 1 else path.stem


def _imports(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("alxa_lib"):
            parts = node.module.split(".")
            if len(parts) > 1:
                out.append(parts[1])
            else:
                out += [a.name for a in node.names if not a.name.startswith("__")]
        elif isinstance(node, ast.Import):
            out += [a.name.split(".")[1] for a in node.names if a.name.startswith("alxa_lib.")]
    return out


def test_every_module_has_a_stage():
    unknown = {_top(p) for p in _modules()} - set(RANK) - {"__init__"}
    assert not unknown, f"give these a rank in RANK (and docs/architecture.md): {unknown}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(LIB)))
def test_imports_point_down_the_stages(path):
    me = _top(path)
    if me == "__init__":
        return
    for target in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if target == me:
            continue
        assert RANK[target] < RANK[me] or RANK[target] == RANK[me] in (0, 6), \
            f"{path.relative_to(ROOT)} (stage {me}) imports alxa_lib.{target}, which is not below it"


# The rooms of alxa_lib/reports/ (docs/architecture.md §1): what a report says, how it is drawn, how it runs, the
# 公文. A room may import the rooms listed for it (and its own), never the others.
ROOMS = {"content": set(), "rendering": {"content"}, "official": {"content", "rendering"},
         "running": {"content", "rendering", "official"}}


def _room(path: Path) -> str | None:
    rel = path.relative_to(LIB).parts
    return rel[1] if rel[0] == "reports" and len(rel) > 2 else None


def test_reports_are_in_rooms():
    loose = [p.name for p in (LIB / "reports").glob("*.py") if p.name != "__init__.py"]
    assert loose == [] and {p.name for p in (LIB / "reports").iterdir() if p.is_dir() and p.name != "__pycache__"} == set(ROOMS)


@pytest.mark.parametrize("path", [p for p in _modules() if _room(p)], ids=lambda p: str(p.relative_to(LIB)))
def test_rooms_import_only_the_rooms_below(path):
    me = _room(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else []) + \
                ([a.name for a in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["alxa_lib", "reports"] and len(parts) > 2 and parts[2] != me:
                assert parts[2] in ROOMS[me], f"{path.relative_to(ROOT)} ({me}) imports reports.{parts[2]}"


def test_a_lower_stage_importing_a_higher_one_is_caught():
    tree = ast.parse("from alxa_lib.reports.rendering.render import show_table\n")
    assert "reports" in _imports(tree) and RANK["reports"] > RANK["figures"]


@pytest.mark.parametrize("path", [p for p in _modules() if _top(p) != "ledger"], ids=lambda p: str(p.relative_to(LIB)))
def test_sql_lives_only_in_the_ledger(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n and n.split(".")[0] == "duckdb" for n in names), f"{path}: duckdb outside the ledger"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.search(node.value), f"{path}:{node.lineno}: SQL outside alxa_lib/ledger: {node.value[:60]!r}"


def test_the_sql_detector_sees_sql():
    assert SQL.search("SELECT * FROM files") and SQL.search("DELETE FROM findings WHERE x")
    assert not SQL.search("选择 from the list")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(LIB)))
def test_no_module_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, f"{path} is over 400 lines: split it by job"


def _tracked_text_files() -> list[Path]:
    """The files git tracks; outside a git checkout this fails rather than letting the tests pass on nothing."""
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "README.md" in done.stdout.split(), f"run in a git checkout: {done.stderr.strip()}"
    out = done.stdout.split()
    keep = (".py", ".md", ".yaml", ".yml", ".ipynb", ".j2", ".css", ".sh", ".toml", ".txt", ".cfg")
    return [ROOT / f for f in out if f.endswith(keep) or f in ("Makefile", ".ci/run")]


def _headings(doc: Path) -> set[str]:
    return set(re.findall(r"^#{2,3} §(\d+(?:\.\d+)?)\b", doc.read_text(encoding="utf-8"), flags=re.M))


def test_nothing_points_outside_the_repository():
    needle = "shared" + "/"  # spelled apart so this file does not match itself
    offenders = [str(p.relative_to(ROOT)) for p in _tracked_text_files()
                 if p.exists() and (needle in p.read_text(encoding="utf-8", errors="replace")
                                    or "domain" + ".md" in p.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []


def test_every_cited_document_and_section_exists():
    """A line citing a document under docs/ sets the document for the § numbers after it; a bare § is docs/measures.md
    (inside docs/, the document itself)."""
    sections = {p.stem: _headings(p) for p in (ROOT / "docs").glob("*.md")}
    missing = []
    for path in _tracked_text_files():
        if not path.exists():
            continue
        own = path.stem if path.parent.name == "docs" and path.suffix == ".md" else "measures"
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            doc = own
            for m in CITATION.finditer(line):
                if m.group(1):
                    if m.group(3) in sections:
                        doc = m.group(3)
                    elif m.group(2):
                        missing.append(f"{path.relative_to(ROOT)}:{n}: docs/{m.group(3)}.md")
                elif doc in sections and m.group(4) not in sections[doc]:
                    missing.append(f"{path.relative_to(ROOT)}:{n}: docs/{doc}.md §{m.group(4)}")
    assert missing == []


def test_the_architecture_doc_names_every_stage():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for package in ("workbooks", "ledger", "checks", "figures", "reports", "sample"):
        assert f"alxa_lib/{package}/" in text, package


def test_paths_named_in_the_docs_exist():
    named = set()
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        named |= {(doc.name, m) for m in re.findall(r"alxa_lib/[\w/]+(?:\.py|\.j2|\.css|/)", doc.read_text("utf-8"))}
    missing = sorted(f"{doc}: {path}" for doc, path in named if not (ROOT / path).exists())
    assert missing == []
