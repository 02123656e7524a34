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
