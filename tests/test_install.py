"""A non-editable install carries everything a run needs (docs/architecture.md §2): ``pip install .`` into a
fresh venv, then ``alxa demo --out DIR`` from another folder; ``ALXA_PARAMS`` still chooses the parameters.

The fresh venv takes the dependencies from this one (a ``.pth`` line, not a second download), and the
package itself is built as a wheel and installed without its dependencies."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_lists_every_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "alxa_lib").rglob("__init__.py")}
    assert found <= listed and listed - found == {"alxa_lib._params", "alxa_lib._notebooks"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel of this checkout installed (not editable); returns its bin folder."""
    where = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(where / "wheel"), str(ROOT)],
                   check=True, capture_output=True)
    env_dir = where / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "deps_from_the_project_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    [wheel] = (where / "wheel").glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True)
    return env_dir / "bin"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ALXA_PARAMS", "PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "PYTHONWARNINGS": "ignore"}


def test_a_fresh_install_runs_the_demo_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(installed / "python"), "-c", "import alxa_lib, alxa_lib.params as p; "
                            "print(alxa_lib.__file__); print(p.PARAMS_DIR)"], cwd=elsewhere, env=_env(),
                           check=True, capture_output=True, text=True).stdout.split("\n")
    assert str(installed.parent) in where[0] and where[1].endswith("alxa_lib/_params")  # not this checkout's
    done = subprocess.run([str(installed / "alxa"), "demo", "--data", "data", "--out", "out"], cwd=elsewhere,
                          env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = elsewhere / "out"
    for name in ("2025-06-28/半月通报_2025-06-28.pdf", "2025-06-28/半月通报_2025-06-28_公文.pdf", "2025Q2/季度考评_2025Q2.html",
                 "2025Q2/季度考评_2025Q2.pdf", "2025/年终排名_2025.pdf", "2025-06/联席会议材料_2025-06.pdf"):
        assert (out / name).stat().st_size > 1000, name
    # the ranking's PDF says what its page says (the shared test reports render the ranking as HTML only)
    text = "".join("".join(p.extract_text() for p in PdfReader(str(out / "2025/年终排名_2025.pdf")).pages).split())
    assert "拟责任追究名单" in text and "年终分值排序靠后" in text


def test_alxa_params_still_chooses_the_parameters(installed, tmp_path):
    """A second banner is a parameters folder: its name and office reach the labels, no code changed."""
    folder = tmp_path / "other"
    shutil.copytree(ROOT / "params", folder)
    text = (folder / "banner.yaml").read_text("utf-8").replace("阿拉善左旗发展和改革委员会", "阿拉善右旗发展和改革委员会")
    (folder / "banner.yaml").write_text(text.replace("name: 阿拉善左旗", "name: 阿拉善右旗"), "utf-8")
    code = ("from alxa_lib.reports.content.labels import banner, issuer; from alxa_lib.reports.running import runner; "
            "print(banner(), issuer(), runner.REPORTS['brief'].title('2025-06-28'))")
    got = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path, env={**_env(), "ALXA_PARAMS": str(folder)},
                         check=True, capture_output=True, text=True).stdout.strip()
    assert got == "阿拉善右旗 阿拉善右旗发展和改革委员会 阿拉善右旗重点建设项目半月进展通报 2025-06-28"
