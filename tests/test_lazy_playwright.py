"""Without Playwright the test modules still import, so the rest of the suite is collected:
only the browser tests, when they run, need it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Import the modules named on the command line, with `playwright` made unimportable.
SCRIPT = r"""
import importlib, sys

class NoPlaywright:
    def find_spec(self, name, path=None, target=None):
        if name == "playwright" or name.startswith("playwright."):
            raise ImportError("playwright is not installed here")
        return None

sys.path.insert(0, ".")
sys.meta_path.insert(0, NoPlaywright())
failed = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _import_without_playwright(cwd: Path, names: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *names], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_every_test_module_imports_without_playwright():
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts)
             for p in sorted((ROOT / "tests").rglob("*.py"))
             if p.name == "conftest.py" or p.name.startswith("test_")]
    assert any(n.endswith("test_browser") for n in names)
    done = _import_without_playwright(ROOT, names)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_module_level_playwright_import_is_caught(tmp_path):
    """The check above can fail: a module importing Playwright at the top is reported."""
    (tmp_path / "eager_browser_test.py").write_text("from playwright.sync_api import expect\n")
    done = _import_without_playwright(tmp_path, ["eager_browser_test"])
    assert done.returncode == 1
    assert "eager_browser_test: playwright is not installed here" in done.stdout
