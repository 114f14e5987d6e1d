"""Every misuse of the command line ends in one bilingual line on stderr and exit 2, never a traceback,
and writes nothing."""
from __future__ import annotations

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
])
def test_misuse_is_one_line_and_exit_2(argv, says, db, capsys, tmp_path):
    code, out, err = run([*argv, "--db", db] if argv[0] != "report" else [*argv, "--db", db, "--out", str(tmp_path)],
                         capsys)
    line = one_bilingual_line(err)
    assert code == 2
    for word in says:
        assert word in line, line
    assert list(tmp_path.iterdir()) == []  # nothing written


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
