"""De-identification benchmark (issue 18): recall, precision and speed of confide.consultation.deid.

Scores the engine on the fictional corpus of `deid_corpus.py` (dev and held-out splits, gold
spans by construction). Scoring is type-free: a redaction is a redaction, whatever kind the
engine gave it. For each split and mode (with the record's known identifiers, and generic):

- span recall (any overlap): gold spans touched by at least one replacement;
- span recall (full cover): gold spans whose every non-space character is replaced;
- character precision: replaced non-space characters that lie inside a gold span;
- notes per second on one core (NER batch included; the model is loaded before timing).

Uncertain spans (marked for the clinician's second look, not replaced) are not redactions and
count for nothing here.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/bench_deid.py            # 300 + 300 notes
    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/bench_deid.py --notes 40  # quick
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from deid_corpus import Note, generate

from confide.consultation import deid

BATCH = 10


def score(notes: list[Note], predictions: list[list[deid.Span]]) -> dict[str, float]:
    gold_total = any_hit = full_hit = 0
    predicted_chars = correct_chars = 0
    misses: list[str] = []
    false_hits: list[str] = []
    for note, spans in zip(notes, predictions, strict=True):
        covered = bytearray(len(note.text))
        for span in spans:
            if not span.uncertain:
                for i in range(span.start, span.end):
                    covered[i] = 1
        in_gold = bytearray(len(note.text))
        for start, end in note.gold:
            gold_total += 1
            chars = [i for i in range(start, end) if not note.text[i].isspace()]
            hits = sum(covered[i] for i in chars)
            any_hit += hits > 0
            full_hit += hits == len(chars)
            if hits == 0:
                misses.append(note.text[start:end])
            for i in range(start, end):
                in_gold[i] = 1
        for span in spans:
            if not span.uncertain and not any(in_gold[span.start:span.end]):
                false_hits.append(note.text[span.start:span.end])
        for i, ch in enumerate(note.text):
            if covered[i] and not ch.isspace():
                predicted_chars += 1
                correct_chars += in_gold[i]
    return {"recall_any": any_hit / gold_total, "recall_full": full_hit / gold_total,
            "precision": correct_chars / predicted_chars if predicted_chars else 0.0,
            "gold": gold_total, "misses": misses, "false": false_hits}  # type: ignore[dict-item]


def run(notes: list[Note], detector: deid.Detector, known: bool) -> tuple[list[list[deid.Span]], float]:
    started = time.process_time()
    predictions: list[list[deid.Span]] = []
    # Ten notes at a time, as a consultation that selects several notes runs them.
    for i in range(0, len(notes), BATCH):
        predictions += detector.detect_batch([(n.text, n.known if known else None) for n in notes[i:i + BATCH]])
    return predictions, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Score confide.consultation.deid on the fictional corpus.")
    parser.add_argument("--notes", type=int, default=300, help="notes per split (default 300)")
    parser.add_argument("--show-misses", type=int, default=0, help="print this many missed gold spans per row")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    detector = deid.Detector()
    load_started = time.perf_counter()
    detector.detect("Warm-up: Alex met Sam in Leeds on 3 May 2020.")
    load_seconds = time.perf_counter() - load_started
    print(f"model loaded and warmed in {load_seconds:.1f} s; {args.notes} notes per split; one core (CPU time)\n")
    print("| split | mode | gold spans | span recall (any overlap) | span recall (full cover) "
          "| character precision | notes/s |")
    print("|---|---|---|---|---|---|---|")
    for split in ("dev", "heldout"):
        notes = generate(split, args.notes)
        for known in (True, False):
            predictions, seconds = run(notes, detector, known)
            result = score(notes, predictions)
            mode = "known identifiers" if known else "generic"
            print(f"| {split} | {mode} | {result['gold']} | {result['recall_any']:.4f} | {result['recall_full']:.4f} "
                  f"| {result['precision']:.4f} | {len(notes) / seconds:.0f} |")
            if args.show_misses:
                misses = result["misses"]
                print("  missed:", misses[:args.show_misses], file=sys.stderr)  # type: ignore[index]
                print("  false:", result["false"][:args.show_misses], file=sys.stderr)  # type: ignore[index]


if __name__ == "__main__":
    main()
