#!/usr/bin/python3
"""Evaluate an exported en->es Marian model directory on the held-out test set.

Greedy (and optionally beam) decoding with tools/torch_marian.py in batches; corpus chrF and
BLEU (sacreBLEU-default definitions, see metrics.py) against Apertium's translations.

usage: /usr/bin/python3 tools/default-model/evaluate.py [MODEL_DIR] [--beams 1 4] [--split test]
writes tools/default-model/work/eval/{results.json,<split>.greedy.es,<split>.beam4.es}
"""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import torch_marian as tm  # noqa: E402
from marian_tok import MarianTok  # noqa: E402
from metrics import corpus_bleu, corpus_chrf  # noqa: E402
from train import translate  # noqa: E402

DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.dirname(HERE)),
                             "streams-app", "src", "main", "resources", "models", "en-es")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    ap.add_argument("--corpus", default=os.path.join(HERE, "work", "corpus"))
    ap.add_argument("--split", default="test")
    ap.add_argument("--beams", type=int, nargs="+", default=[1])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(HERE, "work", "eval"))
    ap.add_argument("--examples", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    model = tm.load(a.model)
    tok = MarianTok(a.model)
    en = open(os.path.join(a.corpus, a.split + ".en"), encoding="utf-8").read().splitlines()
    es = open(os.path.join(a.corpus, a.split + ".es"), encoding="utf-8").read().splitlines()
    res = {"model": os.path.abspath(a.model), "split": a.split, "sentences": len(en),
           "baseline_copy_source": {"chrF": corpus_chrf(en, es), "BLEU": corpus_bleu(en, es)}}
    for nb in a.beams:
        t0 = time.time()
        hyps = translate(model, tok, en, batch_size=64, max_new_tokens=128, num_beams=nb)
        dt = time.time() - t0
        name = "greedy" if nb == 1 else f"beam{nb}"
        with open(os.path.join(a.out, f"{a.split}.{name}.es"), "w", encoding="utf-8") as f:
            f.write("\n".join(hyps) + "\n")
        res[name] = {"chrF": round(corpus_chrf(hyps, es), 2), "BLEU": round(corpus_bleu(hyps, es), 2),
                     "seconds": round(dt, 1), "sentences_per_second": round(len(en) / dt, 1)}
        print(f"{name}: chrF {res[name]['chrF']:.2f} BLEU {res[name]['BLEU']:.2f} ({dt:.0f}s)", flush=True)
        if nb == 1:
            step = max(1, len(en) // a.examples)
            res["examples"] = [{"en": en[i], "apertium": es[i], "model": hyps[i]}
                               for i in range(0, step * a.examples, step)]
    with open(os.path.join(a.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=2)
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
