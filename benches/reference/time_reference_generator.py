"""Times the paper authors' reference SRHM generator on given parameters.

Not the reference itself: it imports it from a checkout whose path is given on
the command line (UmbertoTomasini/sparse_hierarchy_model, never committed here)
and prints one JSON line: samples generated per second, one-hot encoded.

usage: python time_reference_generator.py REPO L s s0 v m nc P REPEATS [diffeo:LEVEL|synonym:LEVEL]

With an operator, it times the reference's way of making transformed data: its
`_MOD` generator regenerates the whole dataset with the random seeds of the
positions (diffeo) or of the features (synonym) reset from that level on.
"""
import contextlib
import io
import json
import sys
import time

repo, L, s, s0, v, m, nc, P, repeats = sys.argv[1], *map(int, sys.argv[2:10])
operator = sys.argv[10] if len(sys.argv) > 10 else None
sys.path[:0] = [repo, repo + "/dataset_creating"]
import torch  # noqa: E402

torch.set_num_threads(int(__import__("os").environ.get("SRHM_BENCH_THREADS", "2")))
extra = {}
if operator is None:
    from hierarchical_s0_bs_S import HierarchicalDataset  # noqa: E402
else:
    from hierarchical_s0_bs_S_MOD import HierarchicalDataset  # noqa: E402
    kind, level = operator.split(":")
    extra = {"seed_reset_layer_pos" if kind == "diffeo" else "seed_reset_layer_sem": int(level),
             "whitening": 0}

times, sizes = [], []
for r in range(repeats):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the reference prints progress
        data = HierarchicalDataset(
            num_features=v, m=m, num_layers=L, num_classes=nc, s=s, s0=s0,
            seed=r, train=True, testsize=0, memory_constraint=P // nc,
            input_format="onehot" if operator is None else "all0",
            unique_datapoints=1 if operator is None else 0, **extra,
        )
    times.append(time.perf_counter() - start)
    sizes.append(len(data))
times.sort()
median = times[len(times) // 2]
print(json.dumps({"generated": (P // nc) * nc, "kept_unique": sizes[0], "median_s": median,
                  "samples_per_s": (P // nc) * nc / median, "shape": list(data.x.shape)}))
