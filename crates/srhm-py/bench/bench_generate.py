"""Samples per second from Python: sample + one-hot into an array, side by side in one run.

    python crates/srhm-py/bench/bench_generate.py [--authors DIR] [--pcsl DIR] [--p 10000]

For the two configurations of the Rust generator bench (benches/common: L = 2, s = 2,
v = m = nc = 10, sparsity A with s0 = 2; L = 3, s = 2, v = m = nc = 8, s0 = 1), and the
same two without sparsity, it times from scratch (rules drawn, P training data sampled
without duplicates, one-hot encoded):
- ours: `srhm.Rules(...).sample(P)` + `srhm.one_hot` (numpy float32 [P, v, d]);
- with --authors (a checkout of UmbertoTomasini/sparse_hierarchy_model, never
  committed here): their `HierarchicalDataset` on the sparse configurations;
- with --pcsl (a checkout of pcsl-epfl/hierarchy-learning): their
  `RandomHierarchyModel` on the configurations without sparsity.
Each time is the median of --repeats runs with different seeds; threads: --threads for
ours and for torch alike. Prints a table, then one JSON line with every number.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time

import srhm

CONFIGS = {
    "L2_s2_s0-2_v10": dict(levels=2, patch=2, vocab=10, synonyms=10, classes=10, s0=2),
    "L3_s2_s0-1_v8": dict(levels=3, patch=2, vocab=8, synonyms=8, classes=8, s0=1),
}


def median_rate(p: int, repeats: int, make) -> float:
    """P over the median wall time of `make(seed)`, seeds 0..repeats-1 (one warm-up)."""
    make(repeats)
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        make(seed)
        times.append(time.perf_counter() - start)
    return p / statistics.median(times)


def ours(config: dict, sparse: bool, p: int):
    kw = dict(config)
    s0 = kw.pop("s0")
    params = srhm.Params(**kw, sparsity="a", s0=s0) if sparse else srhm.Params(**kw)

    def make(seed: int):
        data = srhm.Rules(params, seed=seed).sample(p)
        return srhm.one_hot(data.train.tokens, params.vocab)

    return make


def authors(repo: str, config: dict, p: int):
    sys.path[:0] = [repo, os.path.join(repo, "dataset_creating")]
    from hierarchical_s0_bs_S import HierarchicalDataset

    def make(seed: int):
        with contextlib.redirect_stdout(io.StringIO()):  # it prints its progress
            return HierarchicalDataset(
                num_features=config["vocab"], m=config["synonyms"], num_layers=config["levels"],
                num_classes=config["classes"], s=config["patch"], s0=config["s0"], seed=seed,
                train=True, testsize=0, memory_constraint=p // config["classes"],
                input_format="onehot", unique_datapoints=1,
            ).x

    return make


def pcsl(repo: str, config: dict, p: int):
    sys.path[:0] = [repo]
    from datasets.hierarchical import RandomHierarchyModel

    def make(seed: int):
        return RandomHierarchyModel(
            num_features=config["vocab"], m=config["synonyms"], num_layers=config["levels"],
            num_classes=config["classes"], s=config["patch"], seed=seed,
            max_dataset_size=p, seed_traintest_split=seed, train=True, testsize=0,
            input_format="onehot",
        ).x

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authors", help="checkout of UmbertoTomasini/sparse_hierarchy_model")
    parser.add_argument("--pcsl", help="checkout of pcsl-epfl/hierarchy-learning")
    parser.add_argument("--p", type=int, default=10_000, help="training data per run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    srhm.set_num_threads(args.threads)
    if args.authors or args.pcsl:
        import torch

        torch.set_num_threads(args.threads)
    rows = []
    for name, config in CONFIGS.items():
        for sparse in (True, False):
            row = {"config": name if sparse else name.replace(f"_s0-{config['s0']}", "_rhm"),
                   "ours": median_rate(args.p, args.repeats, ours(config, sparse, args.p))}
            if sparse and args.authors:
                # The authors' generator is ~1000x slower: fewer repeats keep the run short.
                row["authors"] = median_rate(args.p, min(args.repeats, 3),
                                             authors(args.authors, config, args.p))
            if not sparse and args.pcsl:
                row["pcsl"] = median_rate(args.p, args.repeats, pcsl(args.pcsl, config, args.p))
            rows.append(row)
    print(f"one-hot samples per second from Python, P = {args.p}, {args.threads} threads")
    print(f"{'configuration':<18} {'ours':>12} {'reference':>12} {'ratio':>8}")
    for row in rows:
        name = "authors" if "authors" in row else "pcsl" if "pcsl" in row else None
        reference = row.get(name) if name else None
        ratio = f"{row['ours'] / reference:7.1f}x" if reference else "       -"
        shown = f"{reference:12.0f}" if reference else f"{'-':>12}"
        print(f"{row['config']:<18} {row['ours']:12.0f} {shown} {ratio} {name or ''}")
    print(json.dumps({"p": args.p, "threads": args.threads, "rows": rows}))


if __name__ == "__main__":
    main()
