"""The ledger shared with notebooks, checked, rebuilt from its archive; outputs that appear whole or not at all
(issue "Hardening")."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers import report_row, write_report

from alxa_lib import cli, ledger
from alxa_lib import periods as cal

ROOT = Path(__file__).resolve().parents[1]


def alxa(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alxa_lib.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def hold(db: Path, read_only: bool = True) -> subprocess.Popen:
    """A notebook-like process: opens the ledger, says 'ready', keeps the connection until told (a line on
    its stdin) or killed."""
    code = (f"import duckdb, sys\ncon = duckdb.connect({str(db)!r}, read_only={read_only})\n"
            f"con.execute('SELECT count(*) FROM files').fetchone()\nprint('ready', flush=True)\n"
            f"sys.stdin.readline()\ncon.close()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def release(holder: subprocess.Popen) -> None:
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(timeout=30)


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "alxa_lib.cli", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def small(tmp_path):
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    db = tmp_path / "l.duckdb"
    from alxa_lib.ledger.ingest import ingest
    ingest([good], db, progress=False)
    more = write_report(tmp_path / "in2" / "2025-06-28" / "交通运输局.xlsx", [report_row(pid="2025-ZD-009")],
                        meta="填报单位：交通运输局  主要领导签字：是  填报日期：2025年6月27日")
    return db, more


def test_ingest_waits_for_a_notebooks_read_only_connection(small):
    """While a notebook holds a read-only connection, ingest says it waits (naming the process), then
    succeeds once the notebook lets go."""
    db, more = small
    holder = hold(db)
    proc = start("ingest", more, "--db", db, "--wait", 60)
    notice = proc.stderr.readline()
    assert f"PID {holder.pid}" in notice and "waiting" in notice, notice
    release(holder)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "已导入 ingested: 1" in out


def test_ingest_gives_up_after_wait_naming_the_holder(small):
    db, more = small
    before = db.read_bytes()
    holder = hold(db)
    try:
        proc = alxa("ingest", more, "--db", db, "--wait", 1)
    finally:
        release(holder)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert lines[-1].startswith("错误 / error") and f"PID {holder.pid}" in lines[-1] and "--wait" in lines[-1]
    assert len(lines) == 2  # the waiting notice, then the one-line error
    assert db.read_bytes() == before


def test_readers_wait_for_a_writer_and_succeed(small):
    """A report or `alxa check` started while a writer holds the ledger waits, then reads."""
    db, more = small
    writer = hold(db, read_only=False)
    proc = start("check", "--db", db, "--json")
    notice = proc.stderr.readline()
    assert f"PID {writer.pid}" in notice and "waiting" in notice, notice
    release(writer)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert '"problems": []' in out


def test_reader_during_a_real_ingest(small, tmp_path):
    """`alxa ingest` of several files while a reader polls the ledger: every read and the ingest succeed."""
    db, _ = small
    inbox = tmp_path / "in3" / "2025-07-14"
    for i, dept in enumerate(["水务局", "农牧局", "教育局", "民政局", "商务局", "财政局"]):
        write_report(inbox / f"{dept}.xlsx", [report_row(pid=f"2025-ZD-1{i:02d}")],
                     meta=f"填报单位：{dept}  主要领导签字：是  填报日期：2025年7月13日")
    writer = start("ingest", inbox, "--db", db)
    reads = 0
    while writer.poll() is None or reads == 0:
        r = alxa("check", "--db", db)
        assert r.returncode == 0, r.stderr
        reads += 1
    assert writer.wait() == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 7
    con.close()


def test_truncated_ledger_is_refused_in_one_line_and_left_as_is(small, capsys):
    db, more = small
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 5)
    before = db.read_bytes()
    for argv in (["ingest", str(more)], ["metrics", "--as-of", "2025-06-28"], ["check"]):
        code = cli.main([*argv, "--db", str(db)])
        out, err = capsys.readouterr()
        assert code == 2 and len(err.strip().splitlines()) == 1 and str(db) in err and "Traceback" not in err, err
    assert db.read_bytes() == before


def test_transaction_shows_the_original_error():
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (a INTEGER)")
    with pytest.raises(ZeroDivisionError):
        with ledger.transaction(con):
            con.execute("INSERT INTO t VALUES (1)")
            raise ZeroDivisionError
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


# ---------------------------------------------------------------- check and rebuild
def _figures(db: Path) -> dict:
    from alxa_lib.figures.metrics import metrics
    from alxa_lib.figures.scoring import rank_json, score_json
    from alxa_lib.reports.running.sources import year_with_findings
    data, provider = year_with_findings(db, 2025)
    con = ledger.connect(db, read_only=True)
    try:
        out = {"metrics": {p.isoformat(): metrics(data, p) for p in cal.periods(2025)},
               "scores": {q: score_json(data, q, provider) for q in (1, 2, 3, 4)},
               "rank": rank_json(data, provider)}
        cols = "file_id, stage, rule, severity, department, period, project_id, field, sheet, cell, message"
        out["findings"] = con.execute(f"SELECT {cols} FROM findings ORDER BY ALL").fetchall()
        out["files"] = con.execute("SELECT file_id, sha256, original_name, source_path, kind, department, period, "
                                   "received, version, version_label, n_rows FROM files ORDER BY file_id").fetchall()
    finally:
        con.close()
    return out


def test_check_finds_damage_and_rebuild_restores_the_year(ledger_db, tmp_path, capsys):
    db, _ = ledger_db
    assert cli.main(["check", "--db", str(db)]) == 0
    assert "whole" in capsys.readouterr().out
    # a damaged copy beside the same archive: check says so (exit 1 with the cause, or 2 when it cannot open)
    damaged = db.parent / "damaged.duckdb"
    shutil.copyfile(db, damaged)
    size = damaged.stat().st_size
    with open(damaged, "r+b") as fh:
        fh.truncate(size // 3)
    code = cli.main(["check", "--db", str(damaged)])
    out, err = capsys.readouterr()
    assert code in (1, 2) and "Traceback" not in err
    assert ("✗" in out) if code == 1 else (len(err.strip().splitlines()) == 1 and str(damaged) in err)
    # the archive alone rebuilds the year: identical figures, findings and scores
    new = tmp_path / "rebuilt.duckdb"
    assert cli.main(["rebuild", "--from", str(ledger.archive_dir(db)), "--db", str(new), "--json"]) == 0
    capsys.readouterr()
    expected, got = _figures(db), _figures(new)
    assert got["files"] == expected["files"]
    assert got["findings"] == expected["findings"]
    assert got["metrics"] == expected["metrics"]
    assert got["scores"] == expected["scores"] and got["rank"] == expected["rank"]
    assert cli.main(["check", "--db", str(new)]) == 0
    capsys.readouterr()
    # rebuild never overwrites, and refuses a folder that is no archive
    assert cli.main(["rebuild", "--from", str(ledger.archive_dir(db)), "--db", str(new)]) == 2
    assert cli.main(["rebuild", "--from", str(tmp_path / "nothing"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert not (tmp_path / "x.duckdb").exists()
    damaged.unlink()


def test_check_notices_an_archive_copy_that_changed(tmp_path, capsys):
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    db = tmp_path / "l.duckdb"
    from alxa_lib.ledger.ingest import ingest
    ingest([good], db, progress=False)
    (copy,) = [p for p in ledger.archive_dir(db).iterdir() if p.suffix == ".xlsx"]
    copy.write_bytes(copy.read_bytes() + b"x")
    assert cli.main(["check", "--db", str(db)]) == 1
    assert "SHA-256" in capsys.readouterr().out


# ---------------------------------------------------------------- atomic outputs
def test_kill_during_pdf_writing_leaves_no_file_at_the_final_path(tmp_path):
    html_path = tmp_path / "big.html"
    rows = "".join(f"<tr><td>{i}</td><td>第{i}行的说明文字</td><td>{i * 3.5:.2f}</td></tr>" for i in range(6000))
    html_path.write_text(f"<html><body><table>{rows}</table></body></html>", encoding="utf-8")
    final = tmp_path / "out" / "报告.pdf"
    code = ("import sys\nfrom pathlib import Path\nfrom alxa_lib.reports.rendering.render import to_pdf\n"
            f"to_pdf(Path({str(html_path)!r}), Path({str(final)!r}), 'title')\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list(final.parent.glob(".~*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert list(final.parent.glob(".~*")), "the PDF was not started"
    time.sleep(0.5)
    assert proc.poll() is None, "the PDF finished before it could be killed: make the input bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not final.exists()


def test_a_huge_cell_is_cut_in_reports_not_in_the_ledger():
    from alxa_lib import params
    from alxa_lib.reports.rendering.render import table_html
    limit = params.load("render")["max_cell_chars"]
    text = "很长的问题描述" * 5000  # 35,000 characters, no break opportunity for a renderer to find
    out = table_html(pd.DataFrame({"问题": [text]}))
    assert text[:limit] in out and text[:limit + 1] not in out and "35000" in out and "已截断" in out
