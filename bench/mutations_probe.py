"""Do the probe's tests catch what they promise to? Each mutation below breaks one behaviour of
`kebiokg probe`; applied alone, it must make at least one test of tests/test_probe.py fail.

    python bench/mutations_probe.py [--only NAME,NAME]

The tests run once unmutated (they must pass); then each mutation replaces one exact piece of
source (it must occur once), runs the tests, and puts the file back from a copy (on failure and
Ctrl-C too). Prints, per mutation, the tests that failed, or SURVIVED when none did, and the score
(mutations caught / mutations). About 2 minutes a mutation on 2 cores: not part of `make test`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class Mutation(NamedTuple):
    name: str
    path: str
    old: str
    new: str
    breaks: str


EVALUATE, CLI, FORMATS = "kebiokg/probe/evaluate.py", "kebiokg/cli/probe.py", "kebiokg/probe/formats.py"
MUTATIONS = [
    Mutation("left-to-right", EVALUATE, "        # confidence order:",
             "        open_ = open_ & (open_.cumsum(-1) == 1)\n        # confidence order:",
             "decoding fills the leftmost open mask instead of the most confident one"),
    Mutation("no-length-norm", EVALUATE, "score = logprob / length if options.length_norm else logprob",
             "score = logprob", "--length-norm is ignored: always the sum"),
    Mutation("mean-always", EVALUATE, "score = logprob / length if options.length_norm else logprob",
             "score = logprob / length", "ranking by the mean (kebiokg's old ranking) instead of BioLAMA's sum"),
    Mutation("cli-drops-length-norm", CLI, "DecodeOptions(budget, beam, 50, batch_size, length_norm)",
             "DecodeOptions(budget, beam, 50, batch_size)", "probe --length-norm does not reach the decoder"),
    Mutation("kebiolm-hit-is-hit50", EVALUATE, '"kebiolm_hit": bool(found.beams & gold)',
             '"kebiolm_hit": any(hits[:50])', "KeBioLM's hit computed as the ranked top 50"),
    Mutation("kebiolm-every-filling", EVALUATE, "if rank < options.beam:", "if True:",
             "KeBioLM's hit looks at every kept filling, not the beam's"),
    Mutation("budget-ignores-probe", EVALUATE, "    if recorded is not None:\n        return recorded, \"the probe\"\n",
             "", "the mask budget ignores the probe's max_answer_tokens"),
    Mutation("budget-capped", EVALUATE, 'return recorded, "the probe"', 'return min(recorded, 5), "the probe"',
             "the mask budget silently capped at 5 masks (the old default)"),
    Mutation("beyond-budget-uncounted", CLI, "answerable = [any(n <= budget for n in names) for names in lengths]",
             "answerable = [True for names in lengths]", "queries out of the mask budget are not counted"),
    Mutation("medlama-prompts-ignored", FORMATS, 'column = f"{prompts}_prompt"', 'column = "default_prompt"',
             "--prompts human reads MedLAMA's default templates"),
    Mutation("medlama-hard-twice", FORMATS, 'if fmt == "medlama" and split == "all":', "if False:",
             "--split all asks MedLAMA's hard queries twice"),
]


def run_tests() -> list[str]:
    """The tests of tests/test_probe.py that fail."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-q", "-rf", "-p", "no:cacheprovider",
                           "tests/test_probe.py"], cwd=ROOT, capture_output=True, text=True)
    return re.findall(r"^FAILED tests/test_probe\.py::(\w+)", done.stdout, re.MULTILINE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=None, help="comma-separated mutation names")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.only is None or m.name in args.only.split(",")]
    failing = run_tests()
    if failing:  # a failure now would count every mutation as caught
        raise SystemExit(f"the tests fail without any mutation: {', '.join(failing)}")
    caught = 0
    with tempfile.TemporaryDirectory(prefix="kebiokg-mutations-") as backups:
        for mutation in chosen:
            path, backup = ROOT / mutation.path, Path(backups) / Path(mutation.path).name
            source = path.read_text(encoding="utf-8")
            if source.count(mutation.old) != 1:
                raise SystemExit(f"{mutation.name}: the piece to mutate occurs {source.count(mutation.old)} times "
                                 f"in {mutation.path}")
            shutil.copy2(path, backup)
            try:
                path.write_text(source.replace(mutation.old, mutation.new), encoding="utf-8")
                failed = run_tests()
            finally:
                shutil.copy2(backup, path)
            caught += bool(failed)
            print(f"{mutation.name} ({mutation.breaks}): " + (", ".join(failed) if failed else "SURVIVED"), flush=True)
    print(f"mutation score: {caught}/{len(chosen)}")


if __name__ == "__main__":
    main()
