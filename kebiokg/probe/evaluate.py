"""`kebiokg probe`: fill a probe's slot with 1..L masks, decode, rank, and score against gold names.

Decoding as BioLAMA and KeBioLM decode, in confidence order with a beam: for each answer length L
the slot becomes L mask tokens; at each of L rounds every beam proposes its `beam` most probable
(open position, token) pairs and the `beam` best partial fillings (by summed log-probability)
survive; the last round keeps `max_candidates` fillings, so that hit@50 looks at 50. Special tokens
([MASK], [PAD], ...) are never filled in; a filling reached in two orders is not merged (as KeBioLM).
Candidates of all lengths are pooled, cleaned like the answers (candidates of punctuation alone are
dropped) and ranked by summed log-probability, as BioLAMA ranks them (its length-normalisation
exponent is 0), or by the mean with `length_norm`; the first `max_candidates` distinct strings are
kept. Any masked LM works: a kebiokg model (`KebioForMaskedLM`, its own detection head finding
mentions) or any Hugging Face masked LM.

Metrics, each a share of queries: Acc@1 and Acc@5 (BioLAMA's: a gold name among the first 1 or 5
ranked candidates), hit@50 (among the first 50 ranked), KeBioLM's hit (among the `beam` final
fillings of every length, unranked: KeBioLM's metric is this with 5 beams and 1..10 masks); micro
over queries and macro over relations; for non-trivial queries (the headline: no gold name in the
query), all queries and trivial ones; per relation. A query none of whose gold names fits in the
masks tried cannot be answered: it counts as a miss and is counted (`beyond_budget`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import torch

from ..progress import NullProgress, Progress
from .build import clean_name

_WORDLIKE = re.compile(r"[a-z0-9]")
METRICS = (("acc1", "Acc@1"), ("acc5", "Acc@5"), ("hit50", "hit@50"), ("kebiolm_hit", "KeBioLM hit"))


@dataclass(frozen=True)
class DecodeOptions:
    max_tokens: int = 10
    beam: int = 5
    max_candidates: int = 50
    batch_size: int = 64
    length_norm: bool = False


@dataclass(frozen=True)
class Decoded:
    """One query's candidates: `ranked`, pooled over lengths, best first, with their scores; `beams`,
    the `beam` best fillings of each length, unranked (what KeBioLM's hit looks at)."""
    ranked: list[tuple[str, float]]
    beams: frozenset[str]


def answer_lengths(queries: list[dict], tokenizer) -> list[list[int]]:
    """Per query, the word pieces of each gold name: the masks it takes to spell that name."""
    names = sorted({n for q in queries for obj in q["objects"] for n in obj["names"]})
    pieces = dict(zip(names, (len(ids) for ids in tokenizer(names, add_special_tokens=False)["input_ids"]),
                      strict=True)) if names else {}
    return [[pieces[n] for obj in q["objects"] for n in obj["names"]] for q in queries]


def mask_budget(requested: int | None, recorded: int | None, lengths: list[list[int]]) -> tuple[int, str]:
    """Masks to try and why: `--max-tokens` when given, else what the probe was made for, else its
    longest gold name, so that the budget is never silently short of an answer."""
    if requested is not None:
        return requested, "--max-tokens"
    if recorded is not None:
        return recorded, "the probe"
    return max((n for names in lengths for n in names), default=1), "the longest answer"


def _slot_text(query: dict) -> tuple[str, str]:
    text = query["query"]
    slot = "[Y]" if "[Y]" in text else "[X]"
    before, _, after = text.partition(slot)
    return before, after


@torch.no_grad()
def decode_queries(model, tokenizer, queries: list[dict], options: DecodeOptions, device: str,
                   progress: Progress | None = None) -> list[Decoded]:
    """Each query's ranked candidates and KeBioLM's beams."""
    progress = progress or NullProgress()
    pooled: list[dict[str, float]] = [{} for _ in queries]
    beams: list[set[str]] = [set() for _ in queries]
    encoded = []
    for query in queries:
        before, after = _slot_text(query)
        encoded.append((tokenizer(before.strip(), add_special_tokens=False)["input_ids"],
                        tokenizer(after.strip(), add_special_tokens=False)["input_ids"]))
    with progress.task("probe", total=len(queries) * options.max_tokens, unit="queries") as task:
        done = 0
        for length in range(1, options.max_tokens + 1):
            for start in range(0, len(queries), options.batch_size):
                chunk = range(start, min(start + options.batch_size, len(queries)))
                fillings = _decode_length(model, tokenizer, [encoded[i] for i in chunk], length, options, device)
                for i, ranked in zip(chunk, fillings, strict=True):
                    for rank, (token_ids, logprob) in enumerate(ranked):
                        text = clean_name(tokenizer.decode(token_ids, skip_special_tokens=True))
                        if rank < options.beam:
                            beams[i].add(text)
                        if not _WORDLIKE.search(text):  # punctuation alone is never a concept name
                            continue
                        score = logprob / length if options.length_norm else logprob
                        if pooled[i].get(text, -float("inf")) < score:
                            pooled[i][text] = score
                done += len(chunk)
                task.update(done)
    return [Decoded(sorted(p.items(), key=lambda item: -item[1])[:options.max_candidates], frozenset(b))
            for p, b in zip(pooled, beams, strict=True)]


@torch.no_grad()
def _decode_length(model, tokenizer, encoded: list[tuple[list[int], list[int]]], length: int,
                   options: DecodeOptions, device: str) -> list[list[tuple[list[int], float]]]:
    """For each query, its best fillings of `length` masks, best first: (token ids, summed log-probability)."""
    mask_id, beam = tokenizer.mask_token_id, options.beam
    special = torch.tensor(sorted(set(tokenizer.all_special_ids)), dtype=torch.long)
    limit = getattr(model.config, "max_position_embeddings", 512)
    rows, slots = [], []
    for before, after in encoded:
        after = after[:max(0, limit - 2 - length)]
        before = before[max(0, len(before) - (limit - 2 - length - len(after))):]  # cut from the far end
        rows.append([tokenizer.cls_token_id, *before, *([mask_id] * length), *after, tokenizer.sep_token_id])
        slots.append(1 + len(before))
    n, width = len(rows), max(len(r) for r in rows)
    ids = torch.full((n, 1, width), tokenizer.pad_token_id, dtype=torch.long)
    attention = torch.zeros((n, width), dtype=torch.long)
    for row, tokens in enumerate(rows):
        ids[row, 0, :len(tokens)] = torch.tensor(tokens)
        attention[row, :len(tokens)] = 1
    positions = torch.tensor(slots).unsqueeze(1) + torch.arange(length)  # [n, length]
    scores = torch.zeros((n, 1))  # summed log-probabilities of each beam
    for round_ in range(length):
        b = ids.shape[1]
        width_k = max(beam, options.max_candidates) if round_ == length - 1 else beam
        logits = model(input_ids=ids.view(n * b, width).to(device),
                       attention_mask=attention.repeat_interleave(b, 0).to(device)).logits
        where = positions.repeat_interleave(b, 0).to(device)  # [n*b, length]
        slot_logits = logits.gather(1, where[..., None].expand(-1, -1, logits.shape[-1]))
        logprobs = slot_logits.float().log_softmax(-1).cpu().view(n, b, length, -1)
        vocab = logprobs.shape[-1]
        logprobs[..., special] = -float("inf")
        open_ = ids.gather(2, positions[:, None, :].expand(n, b, length)) == mask_id
        # confidence order: a beam's candidates are its most probable (open position, token) pairs
        flat = logprobs.masked_fill_(~open_[..., None], -float("inf")).view(n, b, length * vocab)
        per_beam = min(width_k, flat.shape[-1])
        top_lp, top_pick = flat.topk(per_beam, dim=-1)  # [n, b, per_beam]
        keep = (scores[..., None] + top_lp).view(n, -1).topk(min(width_k, b * per_beam), dim=-1)
        parent = keep.indices // per_beam
        pick = top_pick.view(n, -1).gather(1, keep.indices)
        ids = ids.gather(1, parent[..., None].expand(-1, -1, width)).clone()
        filled = positions.gather(1, pick // vocab)  # [n, kept]: absolute positions
        ids.scatter_(2, filled[..., None], (pick % vocab)[..., None])
        scores = keep.values
    return [[(ids[row, k, positions[row]].tolist(), float(scores[row, k])) for k in range(ids.shape[1])
             if torch.isfinite(scores[row, k])] for row in range(n)]  # a special token in a filling: none


def score_queries(queries: list[dict], decoded: list[Decoded], answerable: list[bool] | None = None) -> dict:
    """Acc@1, Acc@5, hit@50 and KeBioLM's hit, micro and macro over relations, for non-trivial, all
    and trivial queries and per relation; `answerable` (default: all) marks the queries some gold
    name of which fits in the masks tried."""
    answerable = answerable if answerable is not None else [True] * len(queries)
    per_query = []
    for query, found, fits in zip(queries, decoded, answerable, strict=True):
        gold = {name for obj in query["objects"] for name in obj["names"]}
        hits = [text in gold for text, _ in found.ranked]
        per_query.append({"relation": query["relation"], "trivial": bool(query.get("trivial")), "beyond": not fits,
                          "acc1": any(hits[:1]), "acc5": any(hits[:5]), "hit50": any(hits[:50]),
                          "kebiolm_hit": bool(found.beams & gold)})
    relations = defaultdict(list)
    for row in per_query:
        relations[row["relation"]].append(row)
    non_trivial = [r for r in per_query if not r["trivial"]]
    return {
        "non_trivial": _summary(non_trivial),
        "all": _summary(per_query),
        "trivial": _summary([r for r in per_query if r["trivial"]]),
        "relations": {name: {"non_trivial": _summary([r for r in rows if not r["trivial"]]), "all": _summary(rows)}
                      for name, rows in sorted(relations.items())},
    }


def _summary(rows: list[dict]) -> dict:
    out = {"queries": len(rows), "beyond_budget": sum(r["beyond"] for r in rows)}
    by_relation = defaultdict(list)
    for row in rows:
        by_relation[row["relation"]].append(row)
    for key, _ in METRICS:
        out[key] = sum(r[key] for r in rows) / len(rows) if rows else 0.0
        out[f"macro_{key}"] = (sum(sum(r[key] for r in group) / len(group) for group in by_relation.values())
                               / len(by_relation)) if rows else 0.0
    return out


def write_report(reports: dict[str, dict], out: Path) -> None:
    """report.json; report.md: non-trivial queries first (the headline), then all and trivial ones, then
    per relation; report.png: the models' bars, non-trivial beside all."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(reports, indent=1), encoding="utf-8")
    lines = []
    for group, title in (("non_trivial", "Non-trivial queries (no gold name in the query): the headline"),
                         ("all", "All queries (trivial included)"), ("trivial", "Trivial queries")):
        lines += [f"## {title}", "", "| model | queries | beyond budget | " + " | ".join(
            [label for _, label in METRICS] + [f"macro {label}" for _, label in METRICS]) + " |",
            "|---|" + "---:|" * (2 + 2 * len(METRICS))]
        for name, report in reports.items():
            s = report[group]
            lines.append(f"| {name} | {s['queries']} | {s['beyond_budget']} | " + " | ".join(
                f"{s[key]:.3f}" for key in [k for k, _ in METRICS] + [f"macro_{k}" for k, _ in METRICS]) + " |")
        lines.append("")
    lines += ["## Per relation (Acc@5)", "", "| relation | " + " | ".join(
        f"{m} non-trivial | {m} all" for m in reports) + " |", "|---|" + "---:|" * (2 * len(reports))]
    for relation in sorted({r for report in reports.values() for r in report["relations"]}):
        cells = [f"{reports[m]['relations'].get(relation, {}).get(group, {}).get('acc5', 0.0):.3f}"
                 for m in reports for group in ("non_trivial", "all")]
        lines.append(f"| {relation} | " + " | ".join(cells) + " |")
    lines += ["", "Settings: " + "; ".join(f"{name}: {describe(report['settings'])}"
                                           for name, report in reports.items())]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [*METRICS, ("macro_acc5", "macro Acc@5")]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    width = 0.8 / max(1, len(reports))
    for ax, (group, title) in zip(axes, (("non_trivial", "non-trivial queries (headline)"), ("all", "all queries")),
                                  strict=True):
        for i, (name, report) in enumerate(reports.items()):
            ax.bar([j + i * width for j in range(len(metrics))], [report[group][k] for k, _ in metrics], width,
                   label=name)
        ax.set_xticks([j + width * (len(reports) - 1) / 2 for j in range(len(metrics))],
                      [label for _, label in metrics])
        queries = next(iter(reports.values()))[group]["queries"]
        ax.set_title(f"Knowledge probe: {title}, {queries:,}")
    axes[0].set_ylabel("share of queries")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(out / "report.png", dpi=120)
    plt.close(fig)


def describe(settings: dict) -> str:
    """One line saying how a model was probed."""
    ranking = "mean (--length-norm)" if settings["ranking"] == "mean" else "sum (BioLAMA)"
    return (f"1..{settings['max_tokens']} masks (from {settings['max_tokens_from']}), beam {settings['beam']}, "
            f"ranked by {ranking} of log-probabilities")
