"""The shape of the package: imports run in one direction, the light commands stay light, module sizes.

Imports are read from the source (not by importing), every ``import`` counted wherever it stands — at module
level or inside a function (a lazy import is still an edge). Imports under ``if TYPE_CHECKING:`` are left
out: they exist for the type checker and never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "exam_audit"
MAX_LINES = 420


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, package) in modules.items():
        base = name.split(".") if package else name.split(".")[:-1]
        targets: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
                continue
            target = ".".join([*base[:len(base) - node.level + 1], node.module or ""]).strip(".") \
                if node.level else node.module or ""
            targets.add(target)
            targets.update(f"{target}.{a.name}" for a in node.names)
        edges = set()
        for target in targets:
            parts = target.split(".")
            # importing a.b.c runs a/__init__ and a/b/__init__ too
            edges.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {e for e in edges if e in modules and e != name and not name.startswith(e + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_the_package() -> None:
    graph = import_graph()
    assert "exam_audit.audit" in graph["exam_audit.cli.audit_commands"]  # lazy imports inside functions count
    assert cycles(graph) == []


def test_stages_never_import_the_orchestrator_or_the_store() -> None:
    graph = import_graph()
    upward = {"exam_audit.audit", "exam_audit.store", "exam_audit.cli"}
    for name, targets in graph.items():
        if name.startswith(("exam_audit.video", "exam_audit.records", "exam_audit.report")) \
                or name in ("exam_audit.checks", "exam_audit.schedule", "exam_audit.results"):
            assert not targets & upward, f"{name} imports {sorted(targets & upward)}"


def test_no_module_is_too_long_to_read() -> None:
    long = {p.relative_to(PACKAGE).as_posix(): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("code", [
    "import exam_audit.cli",
    "from exam_audit.cli import main\nfrom click.testing import CliRunner\nCliRunner().invoke(main, ['rules'])",
])
def test_light_commands_load_neither_opencv_nor_numpy(code: str) -> None:
    check = "\nimport sys\nassert 'cv2' not in sys.modules and 'numpy' not in sys.modules, " \
            "sorted(m for m in ('cv2', 'numpy') if m in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code + check], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_table_only_audit_loads_neither_opencv_nor_numpy(tmp_path: Path) -> None:
    """The answer-copying test needs numpy: it is loaded only for an archive with answer sheets."""
    archive, db = tmp_path / "archive", tmp_path / "store.db"
    made = subprocess.run([sys.executable, "-m", "exam_audit.cli", "fixtures", "make", str(archive), "--seed", "1"],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    (archive / "answers.csv").unlink(missing_ok=True)
    code = f"""
import sys
from exam_audit.audit import audit_archives
from exam_audit.profile import Profile
from exam_audit.results import AuditOptions
from exam_audit.store import Store
[result] = audit_archives([{str(archive)!r}], AuditOptions(), Profile.load(), store=Store({f"sqlite:///{db}"!r}))
assert result.audit_id and not result.error and result.checks
assert any(c.rule == 'stats.pass_rate_outlier' and c.status == 'run' for c in result.checks)
loaded = [m for m in ('cv2', 'numpy', 'scipy') if m in sys.modules]
assert not loaded, loaded
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
