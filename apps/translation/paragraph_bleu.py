"""Paragraph lines against one sentence a line: how much a long line loses.

Joins every ``--group`` consecutive sentences of a Multi30k split into one paragraph line,
translates the paragraphs with ``zoo translate``'s code path (``model.translate``, which splits
lines longer than the model's window at sentence ends), and scores them with sacreBLEU against
the references joined the same way. The same sentences translated one per line, joined per
group afterwards, give the reference figure.

Usage:
    python3 apps/translation/paragraph_bleu.py --model rnnsearch-multi30k-en-de \\
        --split val --groups 40 --group 8
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rnnsearch-multi30k-en-de")
    parser.add_argument("--split", default="val")
    parser.add_argument("--groups", type=int, default=40, help="Paragraphs to translate.")
    parser.add_argument("--group", type=int, default=8, help="Sentences per paragraph.")
    parser.add_argument("--beam", type=int, default=5)
    args = parser.parse_args()

    import zoo
    from zoo.data.paths import dataset_dir
    from zoo.translation.bleu import corpus_scores
    from zoo.translation.data import read_parallel_folder

    model = zoo.load(args.model)
    src_lang, tgt_lang = model.languages
    sources, references = read_parallel_folder(
        dataset_dir("multi30k"), args.split, src_lang, tgt_lang
    )
    n = args.groups * args.group
    sources, references = sources[:n], references[:n]

    def grouped(lines: list[str]) -> list[str]:
        return [" ".join(lines[i : i + args.group]) for i in range(0, len(lines), args.group)]

    paragraphs, joined_refs = grouped(sources), grouped(references)
    window = model.tokenizer.max_tokens
    over = sum(model.tokenizer.count(p) > window - 2 for p in paragraphs)
    per_line = model.translate(sources, beam=args.beam)
    per_paragraph = model.translate(paragraphs, beam=args.beam)
    assert len(per_paragraph) == len(paragraphs)
    result = {
        "model": args.model,
        "split": args.split,
        "sentences": n,
        "paragraphs": len(paragraphs),
        "paragraphs_over_window": over,
        "window_tokens": window,
        "bleu_one_sentence_a_line": round(corpus_scores(per_line, references)["bleu"], 2),
        "bleu_one_per_line_joined": round(corpus_scores(grouped(per_line), joined_refs)["bleu"], 2),
        "bleu_paragraph_lines": round(corpus_scores(per_paragraph, joined_refs)["bleu"], 2),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
