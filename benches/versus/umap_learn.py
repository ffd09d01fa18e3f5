#!/usr/bin/env python3
"""UMAP (chapter 9) against umap-learn, side by side on this machine.

    cargo build --release
    python3 benches/versus/umap_learn.py [--seeds 0 1 2] [--data digits mnist]

For each data set and seed it runs the crate's `unsupervised umap` and umap-learn's
`UMAP(n_neighbors=15, min_dist=0.1, random_state=seed)` alternately, on the same data (the
crate's embedded copy, exported with `unsupervised datasets --out`), and scores both maps
with the same scorer: scikit-learn's trustworthiness (k = 5) and the 5-fold accuracy of a
1-nearest-neighbour classifier (folds shuffled with seed 0). Times are in-process: the
crate's `"seconds"` (the fit, without reading or writing) and the time of umap-learn's
`fit_transform` after its numba compilation was warmed on a small fit. The crate and its
tests never need Python; this script says so and stops when umap-learn is missing.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "release", "unsupervised")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load(name, workdir, np):
    """The crate's copy of a data set and its labels."""
    out = os.path.join(workdir, name)
    subprocess.run([BINARY, "datasets", "--data", name, "--out", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x = np.load(os.path.join(out, f"{name}.npy"))
    data = os.path.join(ROOT, "src", "datasets", "data")
    if name == "digits":
        y = np.loadtxt(os.path.join(data, "digits8x8.csv"), delimiter=",", skiprows=1)[:, -1]
    else:
        raw = open(os.path.join(data, "mnist10k-labels.idx"), "rb").read()
        y = np.frombuffer(raw[8:], dtype=np.uint8)
    return x, y.astype(int)


def scores(x, y, labels):
    from sklearn.manifold import trustworthiness
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    t = trustworthiness(x, y, n_neighbors=5)
    folds = KFold(5, shuffle=True, random_state=0)
    acc = cross_val_score(KNeighborsClassifier(1), y, labels, cv=folds).mean()
    return t, acc


def ours(name, seed, workdir, np):
    out = os.path.join(workdir, f"ours-{name}-{seed}")
    run = subprocess.run([BINARY, "umap", "--data", name, "--seed", str(seed), "--json",
                          "--out", out], check=True, capture_output=True, text=True)
    return json.loads(run.stdout)["seconds"], np.load(os.path.join(out, "embedding.npy"))


def theirs(x, seed, umap):
    start = time.perf_counter()
    y = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed).fit_transform(x)
    return time.perf_counter() - start, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", nargs="+", default=["digits", "mnist"])
    args = parser.parse_args()
    try:
        import warnings
        warnings.filterwarnings("ignore")
        import numpy as np
        import umap
        import sklearn  # noqa: F401
    except ImportError as missing:
        print(f"umap-learn comparison skipped: {missing.name} is not installed "
              "(pip install umap-learn scikit-learn)")
        return 0
    if not os.path.exists(BINARY):
        print(f"{BINARY} is missing: run `cargo build --release` first")
        return 1
    print(f"# UMAP against umap-learn {umap.__version__}")
    print(f"{cpu_model()}, {os.cpu_count()} threads, "
          f"{datetime.date.today().isoformat()}; Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as workdir:
        umap.UMAP(random_state=0).fit(np.random.default_rng(0).normal(size=(300, 8)))
        print("| data | seed | ours (s) | umap-learn (s) | ours / umap-learn "
              "| T(5) ours | T(5) umap-learn | 1-NN ours | 1-NN umap-learn |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name in args.data:
            x, labels = load(name, workdir, np)
            ratios, ts, accs = [], ([], []), ([], [])
            for seed in args.seeds:
                a_time, a_map = ours(name, seed, workdir, np)
                b_time, b_map = theirs(x, seed, umap)
                (ta, aa), (tb, ab) = scores(x, a_map, labels), scores(x, b_map, labels)
                ratios.append(a_time / b_time)
                ts[0].append(ta), ts[1].append(tb), accs[0].append(aa), accs[1].append(ab)
                print(f"| {name} | {seed} | {a_time:.2f} | {b_time:.2f} | "
                      f"{a_time / b_time:.2f} | {ta:.4f} | {tb:.4f} | {aa:.4f} | {ab:.4f} |",
                      flush=True)
            mean = statistics.mean
            print(f"| {name} | mean | | | {min(ratios):.2f}–{statistics.median(ratios):.2f}–"
                  f"{max(ratios):.2f} | {mean(ts[0]):.4f} | {mean(ts[1]):.4f} | "
                  f"{mean(accs[0]):.4f} | {mean(accs[1]):.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
