"""The package as published: the stub matches the module, the doc examples run."""

import ast
import doctest
import importlib
import pathlib

import srhm
import srhm._core

STUB = pathlib.Path(srhm.__file__).with_name("_core.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            top.add(node.target.id)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return top, members


def test_the_stub_declares_exactly_what_the_extension_defines():
    top, members = stub_names()
    runtime = {name for name in dir(srhm._core) if not name.startswith("_")} | {"__version__"}
    assert top - {"Sampling", "IntArray"} == runtime
    for name, declared in members.items():
        cls = getattr(srhm._core, name)
        public = {n for n in vars(cls) if not n.startswith("_")}
        assert public == {n for n in declared if not n.startswith("_")}, name


def test_the_documentation_examples_run():
    for module in ("srhm", "srhm.torch"):
        failed, attempted = doctest.testmod(importlib.import_module(module))
        assert attempted > 0 and failed == 0, module


def test_the_package_needs_neither_torch_nor_pyarrow_to_import():
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; sys.modules['pyarrow'] = None; "
            "import srhm; print(srhm.Rules(srhm.Params(levels=1, patch=2, vocab=2, synonyms=2, "
            "classes=2), seed=0).sample(2).train.tokens.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(2, 2)"
    assert srhm.__version__ and srhm.GENERATOR_VERSION and srhm.BLANK == -1


def test_the_readme_example_trains_a_network():
    """The README's "From Python / PyTorch" example, run as written."""
    readme = pathlib.Path(__file__).resolve().parents[3] / "README.md"
    text = readme.read_text()
    section = text[text.index("## From Python / PyTorch"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    assert len(code.strip().splitlines()) <= 14
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["error"] < 0.5  # well below chance (1 - 1/nc = 0.75) on unseen data


def test_the_bench_runs_without_references():
    import subprocess
    import sys

    bench = pathlib.Path(__file__).resolve().parents[1] / "bench" / "bench_generate.py"
    out = subprocess.run([sys.executable, str(bench), "--p", "300", "--repeats", "1"],
                         capture_output=True, text=True, check=True)
    import json

    rows = json.loads(out.stdout.strip().splitlines()[-1])["rows"]
    assert len(rows) == 4 and all(row["ours"] > 0 for row in rows)
