"""Shared fixtures: the `srhm` CLI that the package must agree with, small parameters."""

import json
import os
import pathlib
import subprocess

import pytest

import srhm

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The `srhm` binary (`SRHM`, else the workspace's debug build): `cargo xtask test`
    builds it before running these tests; run `cargo build -p srhm-cli` otherwise."""
    path = pathlib.Path(os.environ.get("SRHM", ROOT / "target" / "debug" / "srhm"))
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `cargo build -p srhm-cli` or set SRHM")
    return path


def generate(cli, out, *flags) -> dict:
    """Runs `srhm generate FLAGS --out OUT` and returns its JSON summary."""
    done = subprocess.run(
        [str(cli), "generate", *map(str, flags), "--out", str(out)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def small() -> srhm.Params:
    """L = 2, s = 2, v = m = nc = 4, sparsity A with s0 = 1: 16 384 data, d = 16."""
    return srhm.Params(levels=2, patch=2, vocab=4, synonyms=4, classes=4, sparsity="a", s0=1)
