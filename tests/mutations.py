"""Do the tests catch the regressions they are named after? A scripted list of mutations.

    python tests/mutations.py [--only NAME] [--list] [--jobs 2]

Each entry of `tests/mutations.toml` replaces one exact piece of one source file with a broken
version (a regression a reviewer found, or one a test is named after) and names the test files that
should catch it. Every mutation runs in its own copy of the tracked tree (the working tree is never
touched, even if the run is killed); a mutation is *killed* when those tests fail, *survives* when
they pass. Prints a table and the mutation score; exits 1 if any mutation survives or no longer
applies (its `find` text must occur exactly once, so a stale entry is an error, not a pass).

Not part of `make test`: each mutation costs a test run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tracked_tree(into: Path) -> None:
    """Copy every file git tracks (and every untracked, unignored one) into `into`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


def run_mutation(entry: dict, timeout: int) -> tuple[str, float, str]:
    """('killed' | 'survived' | 'stale' | 'timeout', seconds, the first failing test or a reason)."""
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kebiokg-mutant-") as name:
        tree = Path(name)
        tracked_tree(tree)
        target = tree / entry["file"]
        text = target.read_text(encoding="utf-8")
        count = text.count(entry["find"])
        if count != 1:
            return "stale", 0.0, f"`find` occurs {count} times in {entry['file']}"
        target.write_text(text.replace(entry["find"], entry["replace"]), encoding="utf-8")
        # the copy is not beside ../shared/data: without this, the tests on real data would skip and pass
        data = os.environ.get("KEBIOKG_DATA", str(ROOT.parent / "shared" / "data"))
        env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "KEBIOKG_DATA": data}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:cacheprovider",
                   *entry["tests"]]
        try:
            done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - began, f"tests ran past {timeout} s"
        failed = [line.split(" ", 1)[1].split(" - ")[0] for line in done.stdout.splitlines()
                  if line.startswith("FAILED ")]
        outcome = "killed" if done.returncode != 0 else "survived"
        return outcome, time.perf_counter() - began, (failed[0] if failed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the mutations whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("--jobs", type=int, default=1, help="mutations run at once")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per mutation's tests")
    args = parser.parse_args()
    entries = tomllib.loads((ROOT / "tests" / "mutations.toml").read_text(encoding="utf-8"))["mutation"]
    entries = [e for e in entries if not args.only or args.only in e["name"]]
    if args.list:
        for entry in entries:
            print(f"{entry['name']}: {entry['file']} -> {', '.join(entry['tests'])}")
        return
    began = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(lambda e: run_mutation(e, args.timeout), entries))
    print("| mutation | file | outcome | caught by | s |")
    print("|---|---|---|---|---:|")
    for entry, (outcome, seconds, detail) in zip(entries, outcomes, strict=True):
        print(f"| {entry['name']} | {entry['file']} | {outcome} | {detail} | {seconds:.0f} |")
    killed = sum(o[0] == "killed" for o in outcomes)
    print(f"\nmutation score: {killed}/{len(entries)} killed ({(time.perf_counter() - began) / 60:.1f} min)")
    sys.exit(0 if killed == len(entries) else 1)


if __name__ == "__main__":
    main()
