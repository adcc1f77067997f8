"""`kebiokg probe`: fill a probe's slot with 1..L masks, decode, rank, and score against gold names.

Decoding follows BioLAMA's confidence order with a beam: for each answer length L the slot becomes
L mask tokens; at each of L rounds every beam fills its most confident open position with its
`beam` best tokens and the `beam` best partial fillings (by summed log-probability) survive; the
last round keeps `max_candidates` fillings, so that hit@50 looks at 50. Special tokens ([MASK],
[PAD], ...) are never filled in.
Candidates of all lengths are pooled, cleaned like the answers (candidates of punctuation alone are
dropped) and ranked by length-normalised log-probability; the first `max_candidates` distinct
strings are kept. Any masked LM works: a kebiokg model
(`KebioForMaskedLM`, its own detection head finding mentions) or any Hugging Face masked LM.

Metrics: Acc@1 and Acc@5 (a top candidate equals, after cleaning, a name of a gold concept),
hit@50 (KeBioLM's: any of the first 50); micro over queries and macro over relations; for trivial
and non-trivial queries apart; per relation.
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


@dataclass(frozen=True)
class DecodeOptions:
    max_tokens: int = 5
    beam: int = 5
    max_candidates: int = 50
    batch_size: int = 64


def _slot_text(query: dict) -> tuple[str, str]:
    text = query["query"]
    slot = "[Y]" if "[Y]" in text else "[X]"
    before, _, after = text.partition(slot)
    return before, after


@torch.no_grad()
def decode_queries(model, tokenizer, queries: list[dict], options: DecodeOptions, device: str,
                   progress: Progress | None = None) -> list[list[tuple[str, float]]]:
    """Ranked (candidate, score) lists, one per query."""
    progress = progress or NullProgress()
    pooled: list[dict[str, float]] = [{} for _ in queries]
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
                    for token_ids, logprob in ranked:
                        text = clean_name(tokenizer.decode(token_ids, skip_special_tokens=True))
                        if not _WORDLIKE.search(text):  # punctuation alone is never a concept name
                            continue
                        if pooled[i].get(text, -float("inf")) < logprob:
                            pooled[i][text] = logprob
                done += len(chunk)
                task.update(done)
    return [sorted(p.items(), key=lambda item: -item[1])[:options.max_candidates] for p in pooled]


@torch.no_grad()
def _decode_length(model, tokenizer, encoded: list[tuple[list[int], list[int]]], length: int,
                   options: DecodeOptions, device: str) -> list[list[tuple[list[int], float]]]:
    """For each query, its best fillings of `length` masks: (token ids, mean log-probability)."""
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
        logprobs[..., special] = -float("inf")
        open_ = ids.gather(2, positions[:, None, :].expand(n, b, length)) == mask_id
        confidence = logprobs.max(-1).values.masked_fill(~open_, -float("inf"))
        chosen = confidence.argmax(-1)  # [n, b]: each beam's most confident open position
        choice = logprobs.gather(2, chosen[..., None, None].expand(n, b, 1, logprobs.shape[-1]))[:, :, 0]
        per_beam = min(width_k, choice.shape[-1])
        top_lp, top_tok = choice.topk(per_beam, dim=-1)  # [n, b, per_beam]
        keep = (scores[..., None] + top_lp).view(n, -1).topk(min(width_k, b * per_beam), dim=-1)
        parent = keep.indices // per_beam
        token = top_tok.view(n, -1).gather(1, keep.indices)
        ids = ids.gather(1, parent[..., None].expand(-1, -1, width)).clone()
        filled = positions.gather(1, chosen.gather(1, parent))  # [n, kept]: absolute positions
        ids.scatter_(2, filled[..., None], token[..., None])
        scores = keep.values
    return [[(ids[row, k, positions[row]].tolist(), float(scores[row, k]) / length) for k in range(ids.shape[1])
             if torch.isfinite(scores[row, k])] for row in range(n)]  # a special token in a filling: none


def score_queries(queries: list[dict], predictions: list[list[tuple[str, float]]]) -> dict:
    """Acc@1, Acc@5 and hit@50: micro, macro over relations, trivial/non-trivial, per relation."""
    per_query = []
    for query, ranked in zip(queries, predictions, strict=True):
        gold = {name for obj in query["objects"] for name in obj["names"]}
        hits = [text in gold for text, _ in ranked]
        per_query.append({"relation": query["relation"], "trivial": bool(query.get("trivial")),
                          "acc1": any(hits[:1]), "acc5": any(hits[:5]), "hit50": any(hits[:50])})

    def summary(rows: list[dict]) -> dict:
        if not rows:
            return {"queries": 0, "acc1": 0.0, "acc5": 0.0, "hit50": 0.0, "macro_acc1": 0.0, "macro_acc5": 0.0,
                    "macro_hit50": 0.0}
        by_relation = defaultdict(list)
        for row in rows:
            by_relation[row["relation"]].append(row)
        out = {"queries": len(rows)}
        for key in ("acc1", "acc5", "hit50"):
            out[key] = sum(r[key] for r in rows) / len(rows)
            out[f"macro_{key}"] = sum(sum(r[key] for r in group) / len(group)
                                      for group in by_relation.values()) / len(by_relation)
        return out

    relations = defaultdict(list)
    for row in per_query:
        relations[row["relation"]].append(row)
    return {
        "all": summary(per_query),
        "trivial": summary([r for r in per_query if r["trivial"]]),
        "non_trivial": summary([r for r in per_query if not r["trivial"]]),
        "relations": {name: summary(rows) for name, rows in sorted(relations.items())},
    }


def write_report(reports: dict[str, dict], out: Path) -> None:
    """report.json, report.md (a table per model and a per-relation table) and a bar chart."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(reports, indent=1), encoding="utf-8")
    lines = ["| model | queries | Acc@1 | Acc@5 | hit@50 | macro Acc@1 | macro Acc@5 | macro hit@50 | "
             "non-trivial Acc@1 | trivial Acc@1 |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, report in reports.items():
        a, nt, tr = report["all"], report["non_trivial"], report["trivial"]
        lines.append(f"| {name} | {a['queries']} | {a['acc1']:.3f} | {a['acc5']:.3f} | {a['hit50']:.3f} | "
                     f"{a['macro_acc1']:.3f} | {a['macro_acc5']:.3f} | {a['macro_hit50']:.3f} | {nt['acc1']:.3f} | "
                     f"{tr['acc1']:.3f} |")
    relations = sorted({r for report in reports.values() for r in report["relations"]})
    lines += ["", "| relation | " + " | ".join(f"{m} Acc@5" for m in reports) + " |",
              "|---|" + "---:|" * len(reports)]
    for relation in relations:
        cells = [f"{reports[m]['relations'].get(relation, {}).get('acc5', 0.0):.3f}" for m in reports]
        lines.append(f"| {relation} | " + " | ".join(cells) + " |")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("acc1", "Acc@1"), ("acc5", "Acc@5"), ("hit50", "hit@50"), ("macro_acc5", "macro Acc@5")]
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(1, len(reports))
    for i, (name, report) in enumerate(reports.items()):
        ax.bar([j + i * width for j in range(len(metrics))], [report["all"][k] for k, _ in metrics], width,
               label=name)
    ax.set_xticks([j + width * (len(reports) - 1) / 2 for j in range(len(metrics))], [label for _, label in metrics])
    ax.set_ylabel("share of queries")
    ax.set_title("Knowledge probe")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "report.png", dpi=120)
    plt.close(fig)
