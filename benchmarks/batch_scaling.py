"""Batch throughput, local engine against Ray, at 1 and 2 workers, over the real labelled pairs (samples/real:
dev and heldout, 100 pairs). Run from the repository root:

    .venv/bin/python benchmarks/batch_scaling.py              # the real model when it loads, else the fake one
    .venv/bin/python benchmarks/batch_scaling.py --fake --runs 1

Each run is `factcheck batch <manifest> --out <new folder> --engine E --workers N [--address A]` in a new
process, as a user runs it, with an empty vector cache (FACTCHECK_CACHE=<new folder>, the exported ONNX model linked in) and a new
--out (so nothing is reused). Two figures per run, both in pairs per second: from process start to exit
(imports, starting the workers or the Ray instance, loading the model in each), and the batch alone, as the
command reports it ("N items in S s"). Prints a Markdown table (medians, with the range over the runs) and
writes benchmarks/batch_scaling.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "samples" / "real"
# (engine, workers, on a Ray cluster already running): the command starts its own Ray instance unless it is given
# the address of one (this script starts that one in-process, with 2 CPUs, and stops it at the end)
CONFIGS = [("local", 1, False), ("local", 2, False), ("ray", 1, False), ("ray", 2, False), ("ray", 1, True),
           ("ray", 2, True)]
REPORTED = re.compile(r"factcheck: (\d+) items in ([\d.]+) s")


def write_manifest(folder: Path) -> tuple[Path, int]:
    """A manifest of every real pair (dev and heldout), by absolute path; returns it and the number of pairs."""
    rows = [
        (str(pair / "release.txt"), str(pair / "source.txt"), f"{split}-{pair.name}")
        for split in ("dev", "heldout")
        for pair in sorted((REAL / split).iterdir())
        if (pair / "release.txt").is_file() and (pair / "source.txt").is_file()
    ]
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["release", "source", "name"])
        writer.writerows(rows)
    return manifest, len(rows)


def real_model_loads() -> bool:
    """Whether the packaged model loads here (in a throwaway process, so this one stays free of it)."""
    probe = "from factcheck.config import load_settings\nfrom factcheck.embed import default_embedder\n" \
            "default_embedder(load_settings().embedding).encode(['The model loads.'])\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, check=False, timeout=300)
    return done.returncode == 0


def fresh_cache(folder: Path) -> Path:
    from factcheck.embed import onnx_model_path

    folder.mkdir()
    onnx = onnx_model_path().parent
    if onnx.exists():
        (folder / "onnx").symlink_to(onnx)
    return folder


def one_run(
    manifest: Path, work: Path, engine: str, workers: int, fake: bool, address: str | None
) -> tuple[float, float, int]:
    """(seconds from process start to exit, seconds the batch itself took, pairs) of one `factcheck batch`."""
    out = work / f"out-{engine}-{workers}-{time.monotonic_ns()}"
    entry = ["-m", "tests.launch"] if fake else ["-m", "factcheck.cli"]  # tests.launch: the fake embedder
    command = [sys.executable, *entry, "batch", str(manifest), "--out", str(out), "--engine", engine,
               "--workers", str(workers), "--format", "html,json,md", *(["--address", address] if address else [])]
    env = {**os.environ, "FACTCHECK_CACHE": str(fresh_cache(work / f"cache-{out.name}")), "HF_HUB_OFFLINE": "1"}
    env.pop("RAY_ADDRESS", None)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=1800)
    wall = time.perf_counter() - started
    index = json.loads((out / "index.json").read_text(encoding="utf-8")) if (out / "index.json").exists() else {}
    reported = REPORTED.search(done.stderr)
    if done.returncode not in (0, 1) or not reported or not index:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    if index["totals"]["failed"]:
        raise SystemExit(f"{index['totals']['failed']} items failed: {done.stderr}")
    return wall, float(reported.group(2)), int(reported.group(1))


def start_cluster() -> str:
    """A Ray instance in this process, with 2 CPUs, for the runs given its address; returns the address."""
    import logging

    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    return str(ray.get_runtime_context().gcs_address)


def label(result: dict[str, Any]) -> str:
    where = " on a running cluster" if result["running_cluster"] else ""
    return f"{result['engine']} x{result['workers']}{where}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each configuration (default 3)")
    parser.add_argument("--fake", action="store_true", help="the fake embedder (tests/fakes.py), not the model")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "batch_scaling.json")
    args = parser.parse_args()
    fake = args.fake or not real_model_loads()
    embedder = "fake (HashingEmbedder, tests/fakes.py)" if fake else "the real model (ONNX int8)"
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="factcheck-batch-scaling-") as tmp:
        work = Path(tmp)
        manifest, pairs = write_manifest(work)
        print(f"{pairs} real pairs, {embedder}, {os.cpu_count()} cores, {args.runs} runs each", flush=True)
        cluster = None
        try:
            for engine, workers, running in CONFIGS:
                if running and cluster is None:
                    cluster = start_cluster()
                walls, batches = [], []
                for _ in range(args.runs):
                    wall, batch, count = one_run(manifest, work, engine, workers, fake, cluster if running else None)
                    walls.append(count / wall)
                    batches.append(count / batch)
                results.append({
                    "engine": engine, "workers": workers, "running_cluster": running, "pairs": pairs,
                    "wall_pairs_per_s": [round(v, 2) for v in walls],
                    "batch_pairs_per_s": [round(v, 2) for v in batches],
                })
                shown = results[-1]
                print(f"  {label(shown)}: {statistics.median(shown['wall_pairs_per_s']):.1f} pairs/s start to exit, "
                      f"{statistics.median(shown['batch_pairs_per_s']):.1f} pairs/s batch only", flush=True)
        finally:
            if cluster is not None:
                import ray

                ray.shutdown()
    print()
    print("| engine | workers | pairs/s, process start to exit | pairs/s, the batch alone |")
    print("| --- | --- | --- | --- |")
    for r in results:
        wall, batch = r["wall_pairs_per_s"], r["batch_pairs_per_s"]
        engine = "ray, a running cluster (`--address`)" if r["running_cluster"] else r["engine"]
        print(f"| {engine} | {r['workers']} | {statistics.median(wall):.1f} ({min(wall):.1f}-{max(wall):.1f}) "
              f"| {statistics.median(batch):.1f} ({min(batch):.1f}-{max(batch):.1f}) |")
    args.json.write_text(json.dumps({
        "embedder": embedder, "cores": os.cpu_count(), "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None, "runs": args.runs,
        "results": results,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
