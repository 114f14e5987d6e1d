"""The ledger's life (issue "The ledger's life"): each ledger owns its archive, the sample is the same bytes for
one seed, real data is never deleted by a convenience, figures do not depend on the order files arrive,
reporting dates everywhere, versions re-sent and withdrawals undone, interruption, messages."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import report_row, write_report
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alxa_lib import cli, ledger
from alxa_lib.ledger.ingest import ingest
from alxa_lib.ledger.integrity import check
from alxa_lib.ledger.rebuild import rebuild

ROOT = Path(__file__).resolve().parents[1]
PERIOD = dt.date(2025, 6, 28)


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def _plan(sample_dir: Path) -> Path:
    return next((sample_dir / "plan").glob("*.xlsx"))


def _registers(sample_dir: Path) -> Path:
    return next((sample_dir / "registers").glob("*.xlsx"))


def _report(sample_dir: Path, name: str = "住建局.xlsx", period: str = "2025-06-28") -> Path:
    return sample_dir / "reports" / period / name


def _files(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT original_name, kind FROM files ORDER BY file_id").fetchall()
    finally:
        con.close()


def alxa(*args, timeout=120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alxa_lib.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, **kw)


# ---------------------------------------------------------------- 1. each ledger owns its archive
def test_the_sample_is_the_same_bytes_for_one_seed(sample_dir, tmp_path):
    """Written again with seed 7, every file of the sample year is byte for byte the session's, its workbooks
    and truth.json alike (on main the zip entries and core properties carried the time of writing: 597 of 626
    files differed)."""
    from alxa_lib.sample import write_sample
    again = tmp_path / "again"
    write_sample(again, 2025, 7)
    got = _digests(again)
    assert got == _digests(sample_dir)
    assert "truth.json" in got and sum(name.endswith((".xlsx", ".xls")) for name in got) > 550


def test_two_ledgers_in_one_folder_keep_their_own_archives(sample_dir, tmp_path, capsys):
    """A demo ledger beside the real one never pours its files into the real one's archive: check stays
    whole and a rebuild replays the real ledger's files only."""
    real, demo = tmp_path / "data" / "alxa.duckdb", tmp_path / "data" / "demo.duckdb"
    ingest([_plan(sample_dir), _report(sample_dir)], real, progress=False)
    ingest([_plan(sample_dir), _report(sample_dir, "水务局.xlsx"), _report(sample_dir, "教育局.xlsx")], demo,
           progress=False)
    assert ledger.archive_dir(real) != ledger.archive_dir(demo)
    real_copies = [p for p in ledger.archive_dir(real).iterdir() if p.suffix != ".json"]
    assert len(real_copies) == 2
    assert check(real)["problems"] == [] and check(demo)["problems"] == []
    new = tmp_path / "rebuilt" / "alxa.duckdb"
    rebuild(ledger.archive_dir(real), new)
    assert sorted(_files(new)) == sorted(_files(real))


def test_check_names_another_ledgers_files_in_the_archive(sample_dir, tmp_path):
    """An archive holding another ledger's files (an archive shared before) is a problem check names, and a
    rebuild refuses to mix two ledgers."""
    a, b = tmp_path / "a" / "alxa.duckdb", tmp_path / "b" / "alxa.duckdb"
    ingest([_plan(sample_dir)], a, progress=False)
    ingest([_report(sample_dir)], b, progress=False)
    for p in ledger.archive_dir(b).iterdir():
        shutil.copy(p, ledger.archive_dir(a) / p.name)
    problems = check(a)["problems"]
    assert [p["what"] for p in problems] == ["archive_foreign"] and "1" in problems[0]["message"]
    code = cli.main(["rebuild", "--from", str(ledger.archive_dir(a)), "--db", str(tmp_path / "r.duckdb")])
    assert code == 2


def test_a_rebuilt_ledger_keeps_withdrawals_in_its_own_archive(sample_dir, tmp_path, capsys):
    """Rebuilt from the archive, then rebuilt again from the rebuilt ledger's archive: still withdrawn."""
    db = tmp_path / "one" / "alxa.duckdb"
    report = _report(sample_dir)
    ingest([_plan(sample_dir), report], db, progress=False)
    assert cli.main(["withdraw", str(report), "--db", str(db), "--by", "张三"]) == 0
    two, three = tmp_path / "two" / "alxa.duckdb", tmp_path / "three" / "alxa.duckdb"
    rebuild(ledger.archive_dir(db), two)
    rebuild(ledger.archive_dir(two), three)
    capsys.readouterr()
    con = duckdb.connect(str(three), read_only=True)
    try:
        assert con.execute("SELECT withdrawn_by FROM withdrawals").fetchall() == [("张三",)]
    finally:
        con.close()


# ---------------------------------------------------------------- 2. real data never deleted by a convenience
def test_a_sample_ledger_that_receives_a_real_file_is_no_sample_any_more(sample_dir, tmp_path, capsys):
    from alxa_lib.demo import demo_ledger
    data = tmp_path / "data"
    db = data / "alxa.duckdb"
    ledger.mark_origin(db, ledger.SAMPLE)
    ingest([_plan(sample_dir)], db, progress=False, sample=True)
    assert ledger.origin(db) == "sample" and demo_ledger(data) == db
    p = write_report(tmp_path / "inbox" / "2025-06-28" / "住建局.xlsx", [report_row()])
    ingest([p], db, progress=False)
    assert ledger.origin(db) is None
    assert "no longer marked as sample" in capsys.readouterr().err
    assert demo_ledger(data) == data / "demo.duckdb"  # the demo goes elsewhere: this ledger is never deleted


def test_the_demo_never_overwrites_two_real_ledgers(tmp_path, sample_dir):
    from alxa_lib.demo import demo_ledger
    from alxa_lib.errors import BadParameter
    data = tmp_path / "data"
    for name in ("alxa.duckdb", "demo.duckdb"):
        ingest([_plan(sample_dir)], data / name, progress=False)
    with pytest.raises(BadParameter, match="real data"):
        demo_ledger(data)


def test_make_clean_leaves_data_alone_and_clean_demo_removes_the_sample_ledger_only(sample_dir, tmp_path, capsys):
    recipe = re.search(r"^clean:\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)[1]
    assert "data" not in recipe and "outputs" not in recipe
    assert re.search(r"^clean-demo:.*\n\t.*alxa demo --remove", (ROOT / "Makefile").read_text(), re.M)
    data = tmp_path / "data"
    real, demo = data / "alxa.duckdb", data / "demo.duckdb"
    ingest([_plan(sample_dir)], real, progress=False)
    ledger.mark_origin(demo, ledger.SAMPLE)
    ingest([_report(sample_dir)], demo, progress=False, sample=True)
    (data / "sample").mkdir()
    assert cli.main(["demo", "--remove", "--data", str(data)]) == 2  # not a terminal, not confirmed: nothing removed
    assert demo.exists()
    assert cli.main(["demo", "--remove", "--yes", "--data", str(data)]) == 0
    assert not demo.exists() and not (data / "sample").exists() and not ledger.archive_dir(demo).exists()
    assert real.exists() and len(list(ledger.archive_dir(real).glob("*.xlsx"))) == 1


# ---------------------------------------------------------------- 3. order does not matter
def _state(db: Path) -> dict:
    """What the order of arrival must not change: each report row's project, the ingest and validation
    findings of the period, the figures and the quarter's scores."""
    from alxa_lib.checks.validate import validate_period
    from alxa_lib.figures.metrics import metrics
    from alxa_lib.figures.scoring import score_json
    from alxa_lib.figures.state import load_year
    con = ledger.connect(db)
    try:
        found = validate_period(con, PERIOD)
        ledger.store_findings(con, PERIOD, found)
        rows = con.execute("SELECT f.sha256, r.row_no, r.project_id, r.matched_by FROM report_rows r "
                           "JOIN files f USING (file_id) ORDER BY ALL").fetchall()
        ingest_found = con.execute("SELECT f.sha256, rule, project_id, cell FROM findings JOIN files f "
                                   "USING (file_id) WHERE stage = 'ingest' ORDER BY ALL").fetchall()
        data = load_year(con, 2025)
    finally:
        con.close()
    validated = sorted(map(tuple, found[["rule", "department", "project_id", "cell"]].astype(str).values.tolist()))
    by_period = {PERIOD: found}
    scores = score_json(data, 2, lambda p: by_period.get(p, found.iloc[0:0]))
    return {"rows": rows, "ingest": ingest_found, "validate": validated,
            "metrics": json.dumps(metrics(data, PERIOD), sort_keys=True, default=str),
            "scores": json.dumps(scores, sort_keys=True, default=str)}


_FIRST: dict = {}


def _order_files(sample_dir: Path) -> list[Path]:
    """The plan, the registers, and the period's reports of a few departments: one with its 更正, one whose
    rows carry names only (乌斯太镇: matched by name), one with a project adjusted into the plan (住建局)."""
    names = ("交通运输局.xlsx", "交通运输局_更正.xlsx", "住建局.xlsx", "乌斯太镇.xlsx", "教育局.xlsx", "能源局.xlsx")
    return [_plan(sample_dir), _registers(sample_dir)] + [_report(sample_dir, n) for n in names]


@settings(max_examples=2, deadline=None)
@example(order=list(range(8))[::-1])  # the reports first, the plan last (the order that went wrong)
@example(order=[0, 2, 3, 4, 5, 6, 7, 1])  # the plan first, the registers (the adjustment) last
@given(order=st.permutations(range(8)))
def test_the_order_files_arrive_in_changes_nothing(sample_dir, tmp_path_factory, order):
    """The sample's files ingested one at a time in any order (a correction still after its original) give
    the same matches, findings, figures and scores as the plan first."""
    files = _order_files(sample_dir)
    if "ref" not in _FIRST:
        ref = tmp_path_factory.mktemp("ref") / "alxa.duckdb"
        for f in files:
            ingest([f], ref, progress=False)
        _FIRST["ref"] = _state(ref)
    order = list(order)
    a, b = order.index(2), order.index(3)  # 交通运输局 before its 更正
    if a > b:
        order[a], order[b] = order[b], order[a]
    db = tmp_path_factory.mktemp("order") / "alxa.duckdb"
    for i in order:
        ingest([files[i]], db, progress=False)
    got = _state(db)
    for key, want in _FIRST["ref"].items():
        assert got[key] == want, key


def test_a_report_before_its_plan_is_stored_and_every_figure_refuses(sample_dir, tmp_path, capsys):
    db = tmp_path / "alxa.duckdb"
    (o,) = ingest([_report(sample_dir)], db, progress=False)
    assert o.status == "ingested" and "2025年计划未入库" in o.note
    for argv in (["metrics", "--as-of", "2025-06-28"], ["status", "--period", "2025-06-28"],
                 ["report", "brief", "--period", "2025-06-28", "--out", str(tmp_path / "out")],
                 ["score", "--quarter", "2025Q2"], ["validate", "--period", "2025-06-28"]):
        code = cli.main([*argv, "--db", str(db)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "2025年计划未入库" in err, (argv, err)
    assert not (tmp_path / "out").exists()
    ingest([_plan(sample_dir)], db, progress=False)
    assert cli.main(["metrics", "--as-of", "2025-06-28", "--db", str(db)]) == 0
    first = tmp_path / "first.duckdb"  # the plan first: the rows and their findings must come out the same
    ingest([_plan(sample_dir), _report(sample_dir)], first, progress=False)
    q = ("SELECT r.row_no, r.project_id, r.matched_by, (SELECT count(*) FROM findings f WHERE f.stage = 'ingest' "
         "AND f.rule = 'PROJECT_UNKNOWN') FROM report_rows r ORDER BY r.row_no")
    got = []
    for d in (db, first):
        con = duckdb.connect(str(d), read_only=True)
        try:
            got.append(con.execute(q).fetchall())
        finally:
            con.close()
    assert got[0] == got[1] and sum(1 for r in got[0] if r[1] is not None) >= 5


def test_a_year_without_a_plan_is_stored_flagged(tmp_path, sample_dir):
    """A 2024 report beside the 2025 plan is stored (nothing lost) and flagged; 2024 figures refuse."""
    db = tmp_path / "l.duckdb"
    ingest([_plan(sample_dir)], db, progress=False)
    p = write_report(tmp_path / "misc" / "住建局.xlsx", [report_row()],
                     title="阿拉善左旗重点建设项目进展情况表（截至2024年6月28日）")
    (o,) = ingest([p], db, progress=False)
    assert o.status == "ingested" and "2024年计划未入库" in o.note and " / " in o.note
    assert cli.main(["metrics", "--as-of", "2024-06-28", "--db", str(db)]) == 2


# ---------------------------------------------------------------- 4. reporting dates everywhere
@pytest.mark.parametrize("argv", [["template", "--plan", "{plan}", "--period", "2025-07-15", "--out", "{out}"],
                                  ["ingest", "{report}", "--period", "2025-06-29", "--db", "{db}"]])
def test_a_date_that_is_no_reporting_date_is_refused(sample_dir, tmp_path, capsys, argv):
    values = {"plan": _plan(sample_dir), "out": tmp_path / "t", "report": _report(sample_dir), "db": tmp_path / "x.duckdb"}
    code = cli.main([a.format(**values) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "不是报送日期" in err and "nearest" in err
    assert not (tmp_path / "t").exists() and not (tmp_path / "x.duckdb").exists()


def test_a_title_date_that_is_no_reporting_date_is_refused(tmp_path):
    p = write_report(tmp_path / "inbox" / "住建局.xlsx", [report_row()],
                     title="阿拉善左旗2025年重点建设项目进展情况表（截至2025年7月15日）")
    (o,) = ingest([p], tmp_path / "l.duckdb", progress=False)
    assert (o.status, o.reason) == ("rejected", "not_reporting_date")
    assert "2025-07-15" in o.error and "2025-07-14" in o.error and " / " in o.error


# ---------------------------------------------------------------- 6. versions re-sent, withdrawals undone
def _resaved(src: Path, dst: Path) -> Path:
    """A re-saved copy: the same content, other bytes (as Excel makes when a file is opened and saved)."""
    import openpyxl
    wb = openpyxl.load_workbook(src)
    wb.properties.creator = "另存"
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _latest_live(db: Path, department: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT version FROM files WHERE department = ? AND kind = 'report' AND file_id NOT IN "
                           "(SELECT file_id FROM withdrawals) ORDER BY version DESC LIMIT 1", [department]).fetchall()
    finally:
        con.close()


def test_a_resent_older_version_is_recorded_but_not_made_the_latest(tmp_path, capsys):
    inbox = tmp_path / "inbox" / "2025-06-28"
    v1 = write_report(inbox / "住建局.xlsx", [report_row(annual=100)])
    v2 = write_report(tmp_path / "fix" / "2025-06-28" / "住建局_更正.xlsx", [report_row(annual=200)])
    again = _resaved(v1, tmp_path / "again" / "2025-06-28" / "住建局.xlsx")
    db = tmp_path / "l.duckdb"
    ingest([v1], db, progress=False)
    ingest([v2], db, progress=False)
    (o,) = ingest([again], db, progress=False)
    assert (o.status, o.version) == ("new_version", 3) and "与第1版相同，未作为最新版本" in o.note
    assert _latest_live(db, "住建局") == [(2,)]
    # restore undoes it (logged), and withdraw undoes that
    sha = hashlib.sha256(again.read_bytes()).hexdigest()
    assert cli.main(["restore", sha[:12], "--by", "李四", "--db", str(db)]) == 0
    assert _latest_live(db, "住建局") == [(3,)]
    assert cli.main(["withdraw", sha[:12], "--by", "王五", "--db", str(db)]) == 0
    assert _latest_live(db, "住建局") == [(2,)]
    capsys.readouterr()
    con = duckdb.connect(str(db), read_only=True)
    try:
        log = con.execute("SELECT action, done_by FROM withdrawal_log ORDER BY done_at, action DESC").fetchall()
    finally:
        con.close()
    assert log == [("withdraw", "alxa ingest"), ("restore", "李四"), ("withdraw", "王五")]


def test_ingest_restore_makes_a_resent_older_version_the_latest(tmp_path):
    v1 = write_report(tmp_path / "a" / "2025-06-28" / "住建局.xlsx", [report_row(annual=100)])
    v2 = write_report(tmp_path / "b" / "2025-06-28" / "住建局.xlsx", [report_row(annual=200)])
    again = _resaved(v1, tmp_path / "c" / "2025-06-28" / "住建局.xlsx")
    db = tmp_path / "l.duckdb"
    ingest([v1], db, progress=False)
    ingest([v2], db, progress=False)
    (o,) = ingest([again], db, progress=False, restore=True)
    assert o.version == 3 and "与第1版相同" not in (o.note or "") and _latest_live(db, "住建局") == [(3,)]


def test_restore_undoes_a_withdrawal_and_survives_a_rebuild(sample_dir, tmp_path, capsys):
    db = tmp_path / "one" / "alxa.duckdb"
    report = _report(sample_dir)
    ingest([_plan(sample_dir), report], db, progress=False)
    assert cli.main(["withdraw", str(report), "--db", str(db)]) == 0
    assert cli.main(["restore", str(report), "--db", str(db), "--by", "李四", "--why", "撤回有误"]) == 0
    assert "已恢复 restored" in capsys.readouterr().out
    assert cli.main(["restore", str(report), "--db", str(db)]) == 2  # not withdrawn now
    new = tmp_path / "two" / "alxa.duckdb"
    rebuild(ledger.archive_dir(db), new)
    con = duckdb.connect(str(new), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM withdrawals").fetchone()[0] == 0
    finally:
        con.close()


# ---------------------------------------------------------------- 7. interruption
def test_ctrl_c_exits_2_with_one_line_and_no_half_sample(tmp_path):
    target = tmp_path / "sample"
    proc = subprocess.Popen([sys.executable, "-m", "alxa_lib.cli", "sample", str(target)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(tmp_path.glob(".~sample*/reports")):
        time.sleep(0.05)  # interrupted while it writes
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip() == "已中断 / interrupted"
    assert not target.exists() and not list(tmp_path.iterdir())


# ---------------------------------------------------------------- 8. messages
def test_outputs_follow_the_umask(tmp_path):
    from alxa_lib.files import write_text
    old = os.umask(0o022)
    try:
        p = write_text(tmp_path / "x.txt", "x")
    finally:
        os.umask(old)
    assert p.stat().st_mode & 0o777 == 0o644


def test_no_ledger_names_the_absolute_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["metrics", "--as-of", "2025-06-28", "--db", "nowhere/alxa.duckdb"]) == 2
    assert str(tmp_path / "nowhere" / "alxa.duckdb") in capsys.readouterr().err


def test_format_names_in_any_case(tmp_path, capsys):
    code = cli.main(["report", "brief", "--period", "2025-06-28", "--format", "PDF,Html",
                     "--db", str(tmp_path / "none.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "no ledger" in err  # the formats were accepted; the missing ledger is what stops it


def test_the_lock_message_names_the_holder_by_what_it_is(tmp_path):
    from alxa_lib.ledger.store import lock_holder
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "-m", "ipykernel_launcher",
                               "-f", "kernel.json"])
    ingest_ = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "alxa_lib.cli", "ingest", "x"])
    try:
        time.sleep(0.3)
        said = {p.pid: lock_holder(Exception(f"Could not set lock on file: Conflicting lock is held in "
                                              f"/usr/bin/python3.11 (PID {p.pid})")) for p in (kernel, ingest_)}
    finally:
        for p in (kernel, ingest_):
            p.kill()
            p.wait()
    assert "notebook kernel" in said[kernel.pid] and f"PID {kernel.pid}" in said[kernel.pid]
    assert "alxa ingest" in said[ingest_.pid] and "python3.11" not in said[ingest_.pid]


def test_the_lock_advice_is_one_the_command_accepts(sample_dir, tmp_path):
    """A reading command has no --wait: its message never advises one."""
    db = tmp_path / "alxa.duckdb"
    ingest([_plan(sample_dir)], db, progress=False)
    code = f"import duckdb, sys, time\ncon = duckdb.connect({str(db)!r})\nprint('ready', flush=True)\ntime.sleep(30)\n"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        proc = alxa("check", "--db", db, env={**os.environ, "ALXA_PARAMS": str(_fast_params(tmp_path))})
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2 and "--wait" not in proc.stderr and f"PID {holder.pid}" in proc.stderr


def _fast_params(tmp_path: Path) -> Path:
    """The shipped parameters with a one-second wait for a reader (the only change)."""
    import yaml
    folder = tmp_path / "params"
    shutil.copytree(ROOT / "params", folder)
    cfg = yaml.safe_load((folder / "ingest.yaml").read_text(encoding="utf-8"))
    cfg["ledger"]["read_wait_seconds"] = 1
    (folder / "ingest.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- 9. smaller points
def test_an_unknown_department_loses_its_stamp_and_gets_a_suggestion(tmp_path):
    p = write_report(tmp_path / "2025-06-28" / "报表.xlsx", [report_row()],
                     meta="填报单位：往建局(盖章)  主要领导签字：是  填报日期：2025年6月27日")
    (o,) = ingest([p], tmp_path / "l.duckdb", progress=False)
    assert o.reason == "unknown_department"
    assert "“往建局”" in o.error and "盖章" not in o.error and "住建局" in o.error


def test_metrics_says_a_met_target_is_met(ledger_db, capsys, monkeypatch):
    """A met target (nothing needed) is said to be met, never "尚差0个"."""
    from alxa_lib.figures import metrics as m
    real = m.next_target
    monkeypatch.setattr(m, "next_target", lambda day, started, total: {**real(day, started, total), "needed": 0})
    assert cli.main(["metrics", "--as-of", "2025-06-28", "--db", str(ledger_db[0])]) == 0
    out = capsys.readouterr().out
    assert "尚差0个" not in out and "已达到2025-06-30目标70%" in out


def test_status_as_of_a_day_does_not_count_files_received_later(ledger_db, capsys):
    """As of 06-27 a report received on 06-28 had not arrived: pending, not on time."""
    con = duckdb.connect(str(ledger_db[0]), read_only=True)
    try:
        later = {r[0] for r in con.execute("SELECT department FROM files WHERE kind = 'report' AND period = ? AND "
                                           "version = 1 AND received = ?", [PERIOD, PERIOD]).fetchall()}
    finally:
        con.close()
    assert later, "the sample has reports received on the due date"
    code = cli.main(["status", "--period", "2025-06-28", "--today", "2025-06-27", "--db", str(ledger_db[0]), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    state = {d["department"]: d["state"] for d in result["departments"]}
    assert all(state[d] == "pending" for d in later)


# ---------------------------------------------------------------- 5. templates carry the plan in force
def test_a_template_without_registers_takes_the_ledgers_or_refuses(sample_dir, tmp_path, capsys):
    import openpyxl
    plan, regs = _plan(sample_dir), _registers(sample_dir)
    empty = tmp_path / "none.duckdb"
    code = cli.main(["template", "--plan", str(plan), "--period", "2025-09-28", "--out", str(tmp_path / "t0"),
                     "--db", str(empty)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--registers" in err and not (tmp_path / "t0").exists()
    db = tmp_path / "alxa.duckdb"
    ingest([plan, regs], db, progress=False)
    assert cli.main(["template", "--plan", str(plan), "--period", "2025-09-28", "--out", str(tmp_path / "t1"),
                     "--db", str(db)]) == 0
    assert "registers from the ledger" in capsys.readouterr().out
    assert cli.main(["template", "--plan", str(plan), "--period", "2025-09-28", "--out", str(tmp_path / "t2"),
                     "--registers", str(regs)]) == 0

    def cells(folder):
        return {p.name: [[c.value for c in row] for row in openpyxl.load_workbook(p).active.iter_rows()]
                for p in sorted(folder.glob("*.xlsx"))}
    assert cells(tmp_path / "t1") == cells(tmp_path / "t2")


def test_withdrawing_a_plan_version_matches_the_rows_again(sample_dir, tmp_path, capsys):
    """乌斯太镇 writes names only. A new plan version renames its projects: the rows no longer match; the new
    version withdrawn, they match the plan in force again."""
    import openpyxl
    wb = openpyxl.load_workbook(_plan(sample_dir))
    renamed = 0
    for ws in wb.worksheets:
        for r in range(3, ws.max_row + 1):
            cell = ws.cell(r, 3)  # 项目名称 (row 2 holds the headers)
            if isinstance(cell.value, str) and cell.value.strip():
                cell.value = cell.value + "（更名）"
                renamed += 1
    assert renamed > 10
    v2 = tmp_path / "plan2" / "2025年重点建设项目计划.xlsx"
    v2.parent.mkdir()
    wb.save(v2)
    db = tmp_path / "alxa.duckdb"
    ingest([_plan(sample_dir), _report(sample_dir, "乌斯太镇.xlsx")], db, progress=False)

    def matched() -> int:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("SELECT count(*) FROM report_rows WHERE project_id IS NOT NULL").fetchone()[0]
        finally:
            con.close()
    before = matched()
    assert before >= 5
    (o,) = ingest([v2], db, progress=False)
    assert o.version == 2 and matched() < before
    assert cli.main(["withdraw", str(v2), "--db", str(db)]) == 0
    assert matched() == before


def test_an_interruption_swallowed_by_a_destructor_still_ends_as_interrupted(tmp_path, capsys, monkeypatch):
    """Ctrl-C landing in a destructor (as in FontConfiguration.__del__ during a PDF) is swallowed by Python;
    the command still ends with the one line and exit 2, not with success, and no "Exception ignored" text."""
    import alxa_lib.ledger.integrity as integrity

    class Font:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # the handler runs here, inside the destructor

    def check(db):
        Font()
        return {"db": str(db), "schema_version": "4", "files": 0, "problems": []}

    monkeypatch.setattr(integrity, "check", check)
    previous = signal.getsignal(signal.SIGINT)
    try:
        code = cli.main(["check", "--db", str(tmp_path / "x.duckdb")])
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = sys.__unraisablehook__
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == "已中断 / interrupted"
