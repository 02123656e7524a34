"""Times the paper authors' reference SRHM generator on given parameters.

Not the reference itself: it imports it from a checkout whose path is given on
the command line (UmbertoTomasini/sparse_hierarchy_model, never committed here)
and prints one JSON line: samples generated per second, one-hot encoded.

usage: python time_reference_generator.py REPO L s s0 v m nc P REPEATS
"""
import contextlib
import io
import json
import sys
import time

repo, L, s, s0, v, m, nc, P, repeats = sys.argv[1], *map(int, sys.argv[2:10])
sys.path[:0] = [repo, repo + "/dataset_creating"]
import torch  # noqa: E402

torch.set_num_threads(int(__import__("os").environ.get("SRHM_BENCH_THREADS", "2")))
from hierarchical_s0_bs_S import HierarchicalDataset  # noqa: E402

times, sizes = [], []
for r in range(repeats):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the reference prints progress
        data = HierarchicalDataset(
            num_features=v, m=m, num_layers=L, num_classes=nc, s=s, s0=s0,
            seed=r, train=True, testsize=0, memory_constraint=P // nc,
            input_format="onehot", unique_datapoints=1,
        )
    times.append(time.perf_counter() - start)
    sizes.append(len(data))
times.sort()
median = times[len(times) // 2]
print(json.dumps({"generated": (P // nc) * nc, "kept_unique": sizes[0], "median_s": median,
                  "samples_per_s": (P // nc) * nc / median, "shape": list(data.x.shape)}))
