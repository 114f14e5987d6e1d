"""Project conventions: committed notebooks carry no outputs; outputs/ and data/ hold only .gitkeep."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tracked(*patterns: str) -> list[str]:
    """Files git tracks; outside a git checkout this fails rather than letting every test pass on nothing."""
    out = subprocess.run(["git", "ls-files", "--error-unmatch", "README.md"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, f"these tests read git's index: run them in a git checkout ({out.stderr.strip()})"
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [l for l in out.stdout.splitlines() if l]


def test_the_tracked_files_are_found():
    assert {"README.md", "notebooks/01_period_brief.ipynb", "params/monitoring.yaml"} <= set(_tracked())


def test_notebooks_are_stripped():
    for nb in _tracked("*.ipynb"):
        cells = json.loads((ROOT / nb).read_text(encoding="utf-8"))["cells"]
        for c in cells:
            if c["cell_type"] == "code":
                assert not c.get("outputs") and not c.get("execution_count"), f"{nb}: strip outputs (nbstripout)"


def test_no_generated_files_committed():
    tracked = [f for f in _tracked("outputs", "data") if not f.endswith(".gitkeep")]
    assert tracked == []


def _policy() -> tuple[set[float], set[str]]:
    """The numbers and words a policy or a banner sets, as params state them: the commencement targets (rates
    and dates), the due days, the lights' thresholds, the forecast interval's level, the banner and its office."""
    import yaml
    load = lambda name: yaml.safe_load((ROOT / "params" / f"{name}.yaml").read_text(encoding="utf-8"))  # noqa: E731
    monitoring, forecast, banner = load("monitoring"), load("forecast"), load("banner")
    targets = monitoring["commencement_targets"]
    numbers = {t["rate"] for t in targets if t["rate"] != 1.0} | {
        monitoring["lights"][k] for k in ("red_overdue_days", "red_spi", "yellow_spi")} | {forecast["interval"]}
    words = ({t["date"] for t in targets} | {f"{int(t['date'][:2])}月{int(t['date'][3:])}日" for t in targets}
             | {f"{d}日" for d in monitoring["due_days"]} | {f"{forecast['interval'] * 100:.0f}%"}
             | {banner["name"], banner["issuer"], *banner["short_names"]})
    return numbers, words


def test_scoring_weights_add_up():
    import yaml
    scoring = yaml.safe_load((ROOT / "params" / "scoring.yaml").read_text(encoding="utf-8"))
    for cls, weights in scoring["weights"].items():
        assert sum(weights.values()) == 100, cls


def test_policy_numbers_live_in_params():
    """No module that computes or words a figure types a number or a name that params sets: the figures, the
    checks, the report content and the calendar read them (docstrings and comments may quote them). The 公文's
    typesetting (reports/official) has its own numbers in params/document.yaml; the sample writes a story."""
    import ast
    numbers, words = _policy()
    assert {0.7, 0.9, 60, 0.8} <= numbers and {"06-30", "14日", "80%", "阿拉善左旗"} <= words  # the detector sees them
    found = []
    paths = [*(ROOT / "alxa_lib").glob("figures/*.py"), *(ROOT / "alxa_lib").glob("checks/*.py"),
             *(ROOT / "alxa_lib" / "reports").glob("content/*.py"), *(ROOT / "alxa_lib" / "reports").glob("running/*.py"),
             ROOT / "alxa_lib" / "periods.py"]  # (cli.py: its help shows sample dates as examples)
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or id(node) in docs or isinstance(node.value, bool):
                continue
            if isinstance(node.value, (int, float)) and node.value in numbers:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
            elif isinstance(node.value, str) and any(w in node.value for w in words):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
    assert found == []


def _parameters(cells: list[dict]) -> dict:
    import ast
    cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse("".join(cell["source"])).body
            if isinstance(n, ast.Assign)}


def test_a_notebook_run_by_hand_writes_to_a_scratch_folder():
    """Run from JupyterLab with its defaults, a notebook must not overwrite the deliverables in outputs/<key>/;
    the report runner passes the real folder. Lab's checkpoints are never committed."""
    notebooks = _tracked("notebooks/*.ipynb")
    assert len(notebooks) == 5
    for nb in notebooks:
        defaults = _parameters(json.loads((ROOT / nb).read_text(encoding="utf-8"))["cells"])
        assert defaults["out_dir"] == "outputs/scratch", nb
        assert not any(defaults.get(k) for k in ("xlsx_path", "docx_path", "gwpdf_path")), nb
    assert ".ipynb_checkpoints/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_notebooks_own_help_is_tagged_to_stay_out_of_the_report():
    """Commands, module names and documentation paths are for the analyst in JupyterLab: they live in markdown
    cells tagged ``help``, which the report page leaves out (rendering/exporters.py)."""
    import re
    developer = re.compile(r"alxa report|alxa_lib|docs/|params/|\.ipynb|papermill")
    for nb in _tracked("notebooks/*.ipynb"):
        for c in json.loads((ROOT / nb).read_text(encoding="utf-8"))["cells"]:
            if c["cell_type"] == "markdown" and "help" not in c.get("metadata", {}).get("tags", []):
                assert not developer.search("".join(c["source"])), f"{nb}: {''.join(c['source'])[:60]}"


def test_notebook_cell_ids_are_unique():
    for nb in _tracked("*.ipynb"):
        ids = [c.get("id") for c in json.loads((ROOT / nb).read_text(encoding="utf-8"))["cells"]]
        assert None not in ids and len(ids) == len(set(ids)), f"{nb}: duplicate or missing cell ids"


def _bound_names(source: str) -> set[str]:
    import ast
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def test_notebooks_never_rebind_a_parameter():
    """A later cell that rebinds a parameter silently overrides what papermill injected: the
    ``from … import write_xlsx`` that once made every report write its workbook, asked for or not."""
    for nb in _tracked("notebooks/*.ipynb"):
        cells = json.loads((ROOT / nb).read_text(encoding="utf-8"))["cells"]
        params = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
        names = _bound_names("".join(params["source"]))
        assert names, nb
        for c in cells[cells.index(params) + 1:]:
            if c["cell_type"] == "code":
                rebound = names & _bound_names("".join(c["source"]))
                assert not rebound, f"{nb}: a cell rebinds the parameter(s) {sorted(rebound)}"
