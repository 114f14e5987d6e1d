"""Finding a table by its headers, and telling the five workbook kinds apart (docs/workbooks.md §6)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from alxa_lib.errors import RejectedFile  # noqa: F401 - re-exported for callers
from alxa_lib.vocab import (
    PLAN_FIELDS,
    REGISTER_SHEET_NAMES,
    REGISTER_SHEETS,
    REPORT_FIELDS,
    SCHEDULE_FIELDS,
    START_FIELDS,
)
from alxa_lib.workbooks.cells import EMPTY_MARKS, UNIT_SCALE, a1, fold, header_unit, norm_header

KINDS = ("plan", "schedule", "report", "start_report", "registers", "inspection")
KIND_CN = {"plan": "年度计划", "schedule": "倒排工期计划", "report": "重点建设项目表", "start_report": "开复工报送表",
           "registers": "登记簿", "inspection": "实地督查记录表"}


_LOOKUPS: dict[int, tuple[dict[str, str], dict[str, str]]] = {}


@dataclass
class Table:
    """One table found in a sheet."""
    sheet: str
    header_row: int  # 0-based row of the (first) header row
    data_start: int
    columns: dict[str, int]  # field -> 0-based column
    units: dict[str, float]  # field -> scale to 万元
    extra: list[tuple[int, str]] = field(default_factory=list)

    def cell(self, field_name: str, row: int) -> str | None:
        return a1(self.columns[field_name], row) if field_name in self.columns else None

    def letters(self) -> dict[str, str]:
        """Field → column letter, stored with the rows so later findings can name their cell."""
        return {f: a1(c, 0)[:-1] for f, c in self.columns.items()}  # the reference of row 1 without its "1"


def _lookup(fields: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, str]]:
    if id(fields) in _LOOKUPS:
        return _LOOKUPS[id(fields)]
    exact, loose = {}, {}
    for f, names in fields.items():
        for n in names:
            h = norm_header(n)
            exact.setdefault(h, f)
            loose.setdefault(re.sub(r"\(.*?\)", "", h), f)
    _LOOKUPS[id(fields)] = (exact, loose)
    return exact, loose


_LOOSE: dict[str, str] = {}
_BRACKETED = re.compile(r"\(.*?\)")


def _loose(h: str) -> str:
    """A normalised header without its bracketed parts (memoised: headers repeat across files)."""
    if h not in _LOOSE:
        if len(_LOOSE) > 65536:
            _LOOSE.clear()
        _LOOSE[h] = _BRACKETED.sub("", h)
    return _LOOSE[h]


@dataclass
class _Label:
    """One candidate header cell of a header layout (a row, or a row and the one under it)."""
    col: int
    norm: str  # the label as compared ('' matches nothing), and without its bracketed parts
    loose: str
    combo: str | None  # group + sub-header, as compared (two-row layouts), and without brackets
    combo_loose: str | None
    extra: bool  # an unmatched label counts as an extra column
    folded: str
    label: Any
    group: Any


def _field_of(lab: _Label, exact: dict[str, str], loose: dict[str, str]) -> str | None:
    """The field whose spelling a label is, exactly, or without bracketed parts, or as group + sub-header."""
    f = (exact.get(lab.norm) or loose.get(lab.loose)) if lab.norm else None
    if f is None and lab.combo is not None:
        f = exact.get(lab.combo) or loose.get(lab.combo_loose)
    return f


class _Labels:
    """The labels of one header layout, and what each field table finds in them (worked out once: the
    same template's header rows recur in every file, so sheets with equal rows share one of these).
    Only the labels that spell some field of the grid's kinds are made at once; all of them (for the
    extra columns and units of the chosen table) when first asked for."""
    __slots__ = ("_rows", "_all", "matchable", "_found")

    def __init__(self, top: tuple, below: tuple, two: bool, vocab: _Spellings | None):
        self._rows = (top, below, two)
        self._all: list[_Label] | None = None
        self.matchable = self.labels if vocab is None else [] if _spells_none(top, below, two, vocab) \
            else _labels(top, below, two, vocab)
        self._found: dict[int, tuple[dict, dict[str, int], tuple | None]] = {}

    @property
    def labels(self) -> list[_Label]:
        if self._all is None:
            self._all = _labels(*self._rows)
        return self._all

    def columns(self, fields: dict, exact: dict[str, str], loose: dict[str, str], use_matchable: bool
                ) -> dict[str, int]:
        """Field → the column of the first label spelling it. The matchable labels hold every label that
        matches some field of the grid's kinds, in order, so they give the same answer as all labels."""
        got = self._found.get(id(fields))
        if got is not None and got[0] is fields:
            return got[1]
        cols: dict[str, int] = {}
        for lab in (self.matchable if use_matchable else self.labels):
            f = _field_of(lab, exact, loose)
            if f is not None and f not in cols:
                cols[f] = lab.col
        self._found[id(fields)] = (fields, cols, None)
        return cols

    def units_extra(self, fields: dict, exact: dict[str, str], loose: dict[str, str]
                    ) -> tuple[dict[str, float], list[tuple[int, str]]]:
        """The units of the matched columns, and the labels that match nothing (extra columns)."""
        got = self._found[id(fields)]
        if got[2] is None:
            cols, units, extra = got[1], {}, []
            for lab in self.labels:
                f = _field_of(lab, exact, loose)
                if f is None:
                    if lab.extra:
                        extra.append((lab.col, lab.folded))
                elif cols[f] == lab.col and f not in units:
                    unit = header_unit(lab.label) or (header_unit(lab.group) if lab.group is not None else None)
                    units[f] = UNIT_SCALE.get(unit or "万元", 1.0)
            got = self._found[id(fields)] = (fields, cols, (units, extra))
        return got[2]


class _Spellings(NamedTuple):
    """The spellings of some field tables (exact and without brackets), and the characters they are made of
    (None when one of those characters could be composed from others: then nothing is ruled out by it)."""
    entries: frozenset
    alphabet: frozenset | None


_BRACKET_CHARS = frozenset("()【】")


def _spells_nothing(folded: str, norm: str, alphabet: frozenset | None) -> bool:
    """True when no text starting with this group cell can spell an entry: it has no bracket (so none of its
    characters can be dropped) and a character no spelling has."""
    return alphabet is not None and not _BRACKET_CHARS.intersection(folded) and not alphabet.issuperset(norm)


def _spells_none(top: tuple, below: tuple, two: bool, vocab: _Spellings) -> bool:
    """True when :func:`_labels` with ``vocab`` is certainly empty, decided with set operations: no cell's
    header form is an entry, none has a bracket (so none spells one without its brackets), and, in a
    two-row layout, every group cell spells nothing (so no group + sub-header does). Most layouts of a
    sheet's first rows are data rows: this spares each of their cells the label work."""
    (_, t_empty, t_fold, t_norm), (_, _, _, s_norm) = top, below
    entries, alphabet = vocab
    norms = t_norm + s_norm if two else t_norm
    if not entries.isdisjoint(norms) or "(" in "".join(norms):
        return False
    if two:
        if alphabet is None:
            return False
        return all(e or _spells_nothing(f, n, alphabet) for e, f, n in zip(t_empty, t_fold, t_norm))
    return True


def _labels(top: tuple, below: tuple, two: bool, vocab: _Spellings | None = None) -> list[_Label]:
    """The labels of a layout: each column's header text (the lower row's where it has one), with its
    group (the upper row's merged cell) in a two-row layout. With ``vocab``, only the labels that spell
    one of its entries (as they are, without brackets, or as group + sub-header)."""
    (t_vals, t_empty, t_fold, t_norm), (s_vals, s_empty, s_fold, s_norm) = top, below
    entries, alphabet = vocab if vocab is not None else (None, None)
    out, group = [], None
    for c in range(max(len(t_vals), len(s_vals) if two else 0)):
        te = c >= len(t_vals) or t_empty[c]
        se = not two or c >= len(s_vals) or s_empty[c]
        if not te:
            group = c
        elif se:
            group = None
        if te and se:
            continue
        norm = t_norm[c] if se else s_norm[c]
        loose = _loose(norm)
        combo = None
        if not se and group is not None and not (entries is not None
                                                 and _spells_nothing(t_fold[group], t_norm[group], alphabet)):
            combo = norm_header(f"{t_fold[group]}{s_fold[c]}")
        combo_loose = _loose(combo) if combo else None
        if entries is not None and not (norm in entries or loose in entries
                                        or (combo and (combo in entries or combo_loose in entries))):
            continue
        extra = not (two and not te and c + 1 < len(s_vals) and not s_empty[c])
        out.append(_Label(c, norm, loose, combo or None, combo_loose, extra, t_fold[c] if se else s_fold[c],
                          (t_vals if se else s_vals)[c], t_vals[group] if two and group is not None else None))
    return out


@dataclass
class _Layout:
    row: int
    two: bool
    found: _Labels


_MEMO_ENTRIES = 1024  # rows and layouts remembered across sheets (then forgotten all at once)
_MEMO_CHARS = 2048  # a row holding more text than this is never remembered: memory stays bounded
_ROWS: dict[tuple, tuple[list[bool], list[str], list[str], int]] = {}
_PAIRS: dict[tuple, _Labels] = {}
_VOCABS: dict[tuple[int, ...], tuple[tuple, Any]] = {}
_NO_ROW: tuple[list, list, list, list] = ([], [], [], [])


def _remember(memo: dict, key: tuple, value: Any) -> None:
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()
    memo[key] = value


def _row_cells(row: list[Any]) -> tuple[tuple | None, tuple[list[bool], list[str], list[str], int]]:
    """Each cell's emptiness, folded text and header form, and the count of non-empty cells; with the key
    the row is remembered under (its cells and their types: 1, 1.0 and True are equal but read
    differently), or None when it holds too much text to remember or an unhashable cell."""
    key = (tuple(row), tuple(map(type, row)))
    try:
        got = _ROWS.get(key)
    except TypeError:
        key, got = None, None
    if got is None:
        folds = [fold(v) for v in row]
        # is_empty, from the folded text already at hand
        empty = [v is None or (isinstance(v, str) and (v == "" or f in EMPTY_MARKS)) for v, f in zip(row, folds)]
        norms = [norm_header(v) if not e else "" for v, e in zip(row, empty)]
        got = (empty, folds, norms, len(empty) - sum(empty))
        if key is not None and sum(map(len, folds)) > _MEMO_CHARS:
            key = None
        if key is not None:
            _remember(_ROWS, key, got)
    return key, got


def _vocab(kinds: tuple[dict, ...]) -> _Spellings | None:
    """Every spelling (exact and without brackets) of the given field tables; None without tables."""
    if not kinds:
        return None
    key = tuple(map(id, kinds))
    got = _VOCABS.get(key)
    if got is None or any(a is not b for a, b in zip(got[0], kinds)):
        entries = frozenset().union(*(set(d) for k in kinds for d in _lookup(k)))
        alphabet = frozenset("".join(entries))
        composable = any(unicodedata.decomposition(ch) for ch in alphabet)  # NFKC could make one of them
        got = _VOCABS[key] = (kinds, _Spellings(entries, None if composable else alphabet))
    return got[1]


class HeaderGrid:
    """The candidate header layouts of one sheet's first ``scan`` rows, every cell folded once, so that the
    search for each workbook kind is only look-ups (docs/workbooks.md §6). With ``kinds`` (field tables),
    labels that match none of their spellings are set aside once, not looked up for every kind. Rows and
    layouts seen in an earlier sheet (the same template's headers) are not worked out again."""

    def __init__(self, rows: list[list[Any]], scan: int, kinds: tuple[dict, ...] = ()):
        self.kinds = {id(k) for k in kinds}
        vocab = _vocab(kinds)
        vocab_key = tuple(sorted(self.kinds))
        self.layouts: list[_Layout] = []
        n = min(scan, len(rows))
        keys, cells = zip(*map(_row_cells, rows[:n + 1])) if n else ((), ())
        for i in range(n):
            if cells[i][3] < 2:
                continue
            below_key = keys[i + 1] if i + 1 < len(rows) else ()
            below = (rows[i + 1], *cells[i + 1][:3]) if i + 1 < len(rows) else _NO_ROW
            top = (rows[i], *cells[i][:3])
            for two in (False, True):
                if two and all(below[1]):
                    continue
                key = (keys[i], below_key, two, vocab_key) if two else (keys[i], (), two, vocab_key)
                known = keys[i] is not None and key[1] is not None
                found = _PAIRS.get(key) if known else None
                if found is None:
                    found = _Labels(top, below if two else _NO_ROW, two, vocab)  # a remembered layout keeps only its rows
                    if known and found.matchable:  # a layout of data rows spells nothing and never recurs
                        _remember(_PAIRS, key, found)
                self.layouts.append(_Layout(i, two, found))
        # a layout without a label spelling some field of the grid's kinds scores nothing for them
        self.candidates = [layout for layout in self.layouts if layout.found.matchable]


def find_table(rows: list[list[Any]], fields: dict[str, list[str]], sheet: str, scan: int,
               min_fields: int = 3, grid: HeaderGrid | None = None) -> Table | None:
    """Find the header (one or two rows, merged group cells) by its spellings, never by position.
    ``grid``: the sheet's :class:`HeaderGrid` when several kinds are searched in one sheet."""
    exact, loose = _lookup(fields)
    grid = grid or HeaderGrid(rows, scan)
    best: tuple[int, int, bool, dict[str, int], _Labels] | None = None
    use_matchable = id(fields) in grid.kinds
    for layout in grid.candidates if use_matchable else grid.layouts:
        cols = layout.found.columns(fields, exact, loose, use_matchable)
        score = len(cols)
        if score >= min_fields and ("name" in cols or "project_id" in cols or "unit" in cols
                                    or "meeting_date" in cols or "date" in cols):
            if best is None or score > best[0]:
                best = (score, layout.row, layout.two, cols, layout.found)
    if best is None:
        return None
    _, i, two, cols, found = best
    units, extra = found.units_extra(fields, exact, loose)
    return Table(sheet, i, i + (2 if two else 1), dict(cols), dict(units), list(extra))


# ------------------------------------------------------------------ workbook access


_KIND_FIELDS = {"plan": PLAN_FIELDS, "schedule": SCHEDULE_FIELDS, "report": REPORT_FIELDS, "start_report": START_FIELDS}
_GRID_KINDS = (*_KIND_FIELDS.values(), *REGISTER_SHEETS.values())


def register_tables(sheets: dict[str, list[list[Any]]], scan: int, grids: dict | None = None,
                    skip: frozenset = frozenset()) -> dict[str, Table]:
    """The DRC registers a workbook holds, recognised by content (docs/workbooks.md §5): register key → the
    table of the first sheet (a sheet named for the register first) whose headers hold that register's
    full header set. A sheet name alone never makes a register."""
    out: dict[str, Table] = {}
    for key, fields in REGISTER_SHEETS.items():
        names = sorted((n for n in sheets if n not in skip), key=lambda n: REGISTER_SHEET_NAMES[key] not in fold(n))
        for name in names:
            grid = grids.get(name) if grids else None
            t = find_table(sheets[name], fields, name, scan, min_fields=len(fields), grid=grid)
            if t is not None:
                out[key] = t
                break
    return out


def detect_kind(sheets: dict[str, list[list[Any]]], scan: int, hidden: set[str] = frozenset()
                ) -> tuple[str, dict[str, Table], tuple[str, str] | None, dict[str, Table]]:
    """The workbook's kind, its table(s), when two visible sheets hold a table of that kind the (chosen,
    other) sheet names, and the DRC register tables it holds (:func:`register_tables`). A workbook with
    registers and a table of another kind is returned as that kind, with its registers: the reader decides
    from the sender (docs/workbooks.md §5). A hidden or very hidden sheet is never the table when a visible
    sheet holds one (docs/workbooks.md §6)."""
    found: dict[str, list[tuple[int, str, Table]]] = {}
    grids = {name: HeaderGrid(rows, scan, _GRID_KINDS) for name, rows in sheets.items()}
    for name, rows in sheets.items():
        for kind, fields in _KIND_FIELDS.items():
            t = find_table(rows, fields, name, scan, grid=grids[name])
            if t is None:
                continue
            cols = set(t.columns)
            if kind == "schedule" and not any(c.startswith("q") for c in cols):
                continue
            if kind == "report" and not cols & {"status", "annual_completed", "cumulative_completed"}:
                continue
            if kind == "start_report" and ("start_type" not in cols or cols & {"status", "annual_completed"}):
                continue
            if kind == "plan" and ("department" not in cols or cols & {"status", "annual_completed"}):
                continue
            found.setdefault(kind, []).append((len(cols), name, t))
    skip = frozenset()
    if any(name not in hidden for cands in found.values() for _, name, _ in cands):
        skip = frozenset(hidden)
        found = {k: v for k, v in ((k, [c for c in cands if c[1] not in skip]) for k, cands in found.items()) if v}
    registers = register_tables(sheets, scan, grids)
    for kind in ("schedule", "start_report", "report", "plan"):
        if kind not in found:
            continue
        cands = sorted(found[kind], key=lambda c: -c[0])  # stable: equal scores keep the sheet order
        if kind == "plan":
            return kind, {n: t for n, rows in sheets.items()
                          if n not in skip and (t := find_table(rows, PLAN_FIELDS, n, scan, grid=grids[n]))}, \
                None, registers
        second = (cands[0][1], cands[1][1]) if len(cands) > 1 else None
        return kind, {cands[0][1]: cands[0][2]}, second, registers
    if registers:
        return "registers", {}, None, registers
    raise RejectedFile("no_table", "未找到可识别的报表（表头与模板不符），请使用发改委下发的模板 / "
                                   "no recognisable table: the headers match no known template; use the DRC template")


# ------------------------------------------------------------------ row conversion
