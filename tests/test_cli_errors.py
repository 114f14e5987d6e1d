"""Every misuse of the command line ends in one bilingual line on stderr and exit 2, never a traceback,
and writes nothing."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from alxa_lib import cli


def run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_bilingual_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and " / " in lines[0], err
    return lines[0]


@pytest.fixture
def db(ledger_db):
    return str(ledger_db[0])


@pytest.mark.parametrize("argv, says", [
    (["report", "brief", "--period", "2025-06-27"], ["2025-06-28", "not a reporting date"]),
    (["validate", "--period", "2025-06-27"], ["2025-06-28", "not a reporting date"]),
    (["report", "brief", "--period", "2025-13-01"], ["YYYY-MM-DD"]),
    (["score", "--quarter", "2025Q5"], ["2025Q2"]),
    (["report", "quarter", "--quarter", "Q2-2025"], ["2025Q2"]),
    (["report", "meeting", "--month", "June"], ["2025-06"]),
    (["report", "investigate", "--as-of", "2025-09-28", "--project", "2025-ZD-999"], ["2025-ZD-999", "not in the plan"]),
    (["report", "investigate", "--as-of", "2025-09-28", "--department", "宣传部"], ["宣传部", "no department"]),
    (["report", "investigate", "--as-of", "2025-09-28"], ["--red"]),
    (["report", "brief", "--period", "2025-06-28", "--format", "docz"], ["docz", "html"]),
    (["rank", "--year", "2024"], ["2024", "no data"]),
    (["metrics", "--as-of", "2024-06-30"], ["2024", "no data"]),
    (["forecast", "--as-of", "2024-06-30"], ["2024", "no data"]),
    (["report", "annual", "--year", "2024"], ["2024年", "no data"]),
    (["validate", "--period", "2024-06-28"], ["2024", "no data"]),
    (["score", "--quarter", "2024Q2"], ["2024", "no data"]),
    (["report", "quarter", "--quarter", "2024Q2"], ["2024", "no data"]),
    (["report", "meeting", "--month", "2024-06"], ["2024", "no data"]),
    (["status", "--period", "2025-06-27"], ["2025-06-28", "not a reporting date"]),
    (["diff", "--period", "2025-06-27"], ["2025-06-28", "not a reporting date"]),
    (["summary", "--period", "2024-06-28"], ["2024", "no data"]),
    (["report", "investigate", "--as-of", "2025-09-28", "--department", "交通运输厅"], ["交通运输局", "did you mean"]),
    (["report", "investigate", "--as-of", "2025-09-28", "--project", "2025-ZD-0O1"], ["2025-ZD-001", "not in the plan"]),
])
def test_misuse_is_one_line_and_exit_2(argv, says, db, capsys, tmp_path):
    before = _digest(db)
    code, out, err = run([*argv, "--db", db] if argv[0] != "report" else [*argv, "--db", db, "--out", str(tmp_path)],
                         capsys)
    line = one_bilingual_line(err)
    assert code == 2
    for word in says:
        assert word in line, line
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert _digest(db) == before  # the ledger unchanged, byte for byte


def _digest(path) -> str:
    import hashlib
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_a_listed_alias_finds_the_department(db, monkeypatch):
    """--department 交通局 (an alias in params/ingest.yaml) resolves to 交通运输局 before any kernel starts."""
    from alxa_lib.reports.running import preflight
    import datetime as dt
    assert preflight.department(db, "交通局", dt.date(2025, 9, 28)) == "交通运输局"


def test_validate_xlsx_pointing_at_a_file_stores_nothing(db, tmp_path, capsys):
    a_file = tmp_path / "清单.xlsx"
    a_file.write_bytes(b"not a folder")
    before = _digest(db)
    code, _, err = run(["validate", "--period", "2025-06-28", "--db", db, "--xlsx", str(a_file)], capsys)
    assert code == 2 and "is a file" in one_bilingual_line(err)
    assert _digest(db) == before and a_file.read_bytes() == b"not a folder"


def test_template_of_a_file_that_is_not_a_plan(sample_dir, tmp_path, capsys):
    report = sample_dir / "reports" / "2025-06-28" / "住建局.xlsx"
    code, _, err = run(["template", "--plan", str(report), "--period", "2025-06-28", "--out", str(tmp_path / "t"),
                        "--no-registers"], capsys)
    line = one_bilingual_line(err)
    assert code == 2 and "not a plan" in line and "住建局.xlsx" in line
    assert not (tmp_path / "t").exists()


@pytest.fixture(scope="module")
def plan_only_db(sample_dir, tmp_path_factory):
    """A ledger that holds the 2025 plan and no report at all."""
    from alxa_lib.ledger.ingest import ingest
    db = tmp_path_factory.mktemp("plan_only") / "alxa.duckdb"
    (o,) = ingest([next((sample_dir / "plan").glob("*.xls*"))], db, progress=False)
    assert o.kind == "plan" and o.status == "ingested"
    return str(db)


@pytest.mark.parametrize("argv, says", [
    (["score", "--quarter", "2025Q1"], ["2025Q1", "no report"]),
    (["report", "quarter", "--quarter", "2025Q2"], ["2025Q2", "no report"]),
    (["report", "meeting", "--month", "2025-06"], ["2025-06", "no report"]),
    (["report", "brief", "--period", "2025-06-28"], ["2025-06-28", "no report"]),
    (["diff", "--period", "2025-06-28"], ["2025-06-28", "no report"]),
    (["summary", "--period", "2025-06-28"], ["2025-06-28", "no report"]),
])
def test_a_quarter_month_or_period_without_reports_is_refused(argv, says, plan_only_db, capsys, tmp_path):
    before = _digest(plan_only_db)
    code, _, err = run([*argv, "--db", plan_only_db] + (["--out", str(tmp_path)] if argv[0] == "report" else []),
                       capsys)
    line = one_bilingual_line(err)
    assert code == 2 and all(w in line for w in says), line
    assert list(tmp_path.iterdir()) == [] and _digest(plan_only_db) == before


def test_no_ledger_is_one_line_and_creates_none(tmp_path, capsys):
    missing = tmp_path / "none.duckdb"
    for argv in (["metrics", "--as-of", "2025-06-28"], ["rank", "--year", "2025"],
                 ["report", "brief", "--period", "2025-06-28", "--out", str(tmp_path / "o")]):
        code, _, err = run([*argv, "--db", str(missing)], capsys)
        assert code == 2 and "ingest" in one_bilingual_line(err)
        assert not missing.exists()


def test_missing_file_is_one_line(tmp_path, capsys):
    code, _, err = run(["ingest", str(tmp_path / "nothing-here.xlsx"), "--db", str(tmp_path / "l.duckdb")], capsys)
    assert code == 2 and "nothing-here.xlsx" in one_bilingual_line(err)
    assert not (tmp_path / "l.duckdb").exists()
    code, _, err = run(["template", "--plan", str(tmp_path / "计划.xlsx"), "--period", "2025-06-28",
                        "--out", str(tmp_path / "t")], capsys)
    assert code == 2 and "计划.xlsx" in one_bilingual_line(err)


def test_unknown_command_and_option_are_one_line(capsys):
    for argv in (["frobnicate"], ["metrics", "--as-of", "2025-06-28", "--colour"], ["report", "weekly"]):
        code, _, err = run(argv, capsys)
        assert code == 2
        one_bilingual_line(err)


def test_an_unexpected_error_is_one_line_without_debug(monkeypatch, capsys):
    from alxa_lib import commands

    def boom(a):
        raise KeyError("surprise")
    monkeypatch.setattr(commands, "cmd_rank", boom)
    code, _, err = run(["rank", "--year", "2025"], capsys)
    assert code == 2 and "KeyError" in one_bilingual_line(err) and "--debug" in err
    with pytest.raises(KeyError):
        cli.main(["--debug", "rank", "--year", "2025"])


def test_a_real_process_prints_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "report", "brief", "--period", "2025-06-27",
                           "--db", str(tmp_path / "x.duckdb")], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "2025-06-28" in proc.stderr


def _all_parsers(parser, path=("alxa",)):
    import argparse
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _all_parsers(sub, (*path, name))


def test_every_option_has_a_help_line_with_an_example():
    import argparse
    seen = 0
    for path, parser in _all_parsers(cli.build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            where = f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and "/" in action.help and re.search(r"[\u4e00-\u9fff]", action.help), where
            if action.nargs != 0:  # an option that takes a value shows one
                assert "e.g." in action.help, where
            seen += 1
    assert seen > 40


def test_new_commands_are_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("status", "diff", "withdraw", "summary"):
        assert command in out


@pytest.mark.parametrize("kind", ["a file", "under a file"])
def test_report_out_that_cannot_be_a_folder_is_refused(kind, db, tmp_path, capsys):
    """--out pointing at a file, or at a folder that cannot be created (its parent is a file)."""
    blocker = tmp_path / "占位.txt"
    blocker.write_text("x", encoding="utf-8")
    out = blocker if kind == "a file" else blocker / "reports"
    before = _digest(db)
    code, _, err = run(["report", "brief", "--period", "2025-06-28", "--db", db, "--out", str(out)], capsys)
    line = one_bilingual_line(err)
    assert code == 2 and ("is a file" in line or "cannot write" in line), line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["占位.txt"] and blocker.read_text(encoding="utf-8") == "x"
    assert _digest(db) == before


def test_output_cut_short_by_a_pipe_is_not_an_error(ledger_db):
    """`alxa metrics --json | head -1`: the reader stops early; the command ends quietly with 0."""
    proc = subprocess.Popen([sys.executable, "-m", "alxa_lib.cli", "metrics", "--as-of", "2025-06-28", "--json",
                             "--db", str(ledger_db[0])], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the command writes anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err and "error" not in err


def test_a_file_name_cannot_act_on_the_analysts_terminal(tmp_path, capsys):
    """A name (or a department's text in a message) holding an escape sequence or a bidi override is printed
    with those characters written out: a rejected file cannot recolour, retitle or reorder the screen."""
    name = "住建局\x1b]0;pwned\x07\x1b[31m\u202egsm.xlsx"
    bad = tmp_path / "2025-06-28" / name
    bad.parent.mkdir()
    bad.write_bytes(b"not a workbook at all" * 10)
    code, out, err = run(["ingest", str(bad), "--db", str(tmp_path / "l.duckdb")], capsys)
    assert code == 2
    assert "\x1b" not in out + err and "\u202e" not in out + err and "\x07" not in out + err
    assert "住建局\\x1b]0;pwned\\x07\\x1b[31m\\u202egsm.xlsx" in out
    code, out, err = run(["ingest", str(tmp_path / "无此\x1b[2J文件.xlsx"), "--db", str(tmp_path / "l.duckdb")], capsys)
    assert code == 2 and "\x1b" not in err and "无此\\x1b[2J文件.xlsx" in one_bilingual_line(err)
