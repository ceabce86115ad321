#!/usr/bin/python3
"""What int8 (and 16-bit rounding) costs the bundled en-es model: the Java engine translates the held-out test set
with each --weights type (greedy, as the app decodes by default when asked for num_beams 1), and this prints corpus
chrF and BLEU against Apertium's references, and the share of translations identical to those of the model's own
weights (the file is f16: --weights auto keeps it so).

usage: /usr/bin/python3 tools/default-model/compare_weights.py [--weights auto int8 f32] [--split test] [--beams 1]
needs: tools/default-model/work/corpus/<split>.{en,es} (tools/default-model/build_corpus.py makes them)
writes tools/default-model/work/eval/weights-<split>.json and one .es file per weight type
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from metrics import corpus_bleu, corpus_chrf  # noqa: E402


def translate(weights, src_file, out_file, beams, batch_size, model):
    cmd = [os.path.join(ROOT, "streamformer"), "translate", "--model", model, "--input", src_file,
           "--weights", weights, "--beams", str(beams), "--max-new-tokens", "128", "--batch-size", str(batch_size)]
    t0 = time.time()
    with open(out_file, "w", encoding="utf-8") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=True)
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="en-es")
    ap.add_argument("--corpus", default=os.path.join(HERE, "work", "corpus"))
    ap.add_argument("--split", default="test")
    ap.add_argument("--weights", nargs="+", default=["auto", "int8"])
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--out", default=os.path.join(HERE, "work", "eval"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    src = os.path.join(a.corpus, a.split + ".en")
    refs = open(os.path.join(a.corpus, a.split + ".es"), encoding="utf-8").read().splitlines()
    outputs = {}
    report = {"model": a.model, "split": a.split, "sentences": len(refs), "beams": a.beams, "weights": {}}
    for w in a.weights:
        path = os.path.join(a.out, "%s.%s.beam%d.es" % (a.split, w, a.beams))
        seconds = translate(w, src, path, a.beams, a.batch_size, a.model)
        hyps = open(path, encoding="utf-8").read().splitlines()
        if len(hyps) != len(refs):
            sys.exit("%s: %d translations for %d sentences" % (w, len(hyps), len(refs)))
        outputs[w] = hyps
        report["weights"][w] = {"chrF": round(corpus_chrf(hyps, refs), 2), "BLEU": round(corpus_bleu(hyps, refs), 2),
                                "seconds": round(seconds, 1)}
    base = a.weights[0]
    for w in a.weights:
        same = sum(1 for x, y in zip(outputs[w], outputs[base]) if x == y)
        report["weights"][w]["identical_to_" + base] = round(100.0 * same / len(refs), 2)
        report["weights"][w]["chrF_change"] = round(report["weights"][w]["chrF"] - report["weights"][base]["chrF"], 2)
    path = os.path.join(a.out, "weights-%s.json" % a.split)
    with open(path, "w") as f:
        json.dump(report, f, indent=1)
    print("%-6s %8s %8s %10s %12s" % ("weights", "chrF", "BLEU", "chrF diff", "identical %"))
    for w, r in report["weights"].items():
        print("%-6s %8.2f %8.2f %10.2f %12.2f" % (w, r["chrF"], r["BLEU"], r["chrF_change"],
                                                 r["identical_to_" + base]))
    print("wrote", path)


if __name__ == "__main__":
    main()
