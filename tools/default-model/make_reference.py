#!/usr/bin/python3
"""Write streams-app/src/test/resources/models/en-es-reference.jsonl for the Java engine's tests.

For 20 held-out English sentences (test split, spread over the length range, deterministic):
  {"text", "input_ids" (source tokenizer + </s>), "greedy" (decoder ids from tools/torch_marian.py
   greedy decoding, starting with decoder_start_token_id, max_new_tokens 64, generation_config.json
   settings: bad_words_ids, forced_eos_token_id, eos), "greedy_text" (target tokenizer decode),
   "beam4" and "beam4_score" (4 beams, transformers' sequences_scores)}
Each sentence is decoded alone (batch 1); the script also checks that one padded batch of all 20
gives the same ids.

With --sentences FILE it decodes every line of FILE instead (the demo's sentences:
tools/default-model/demo-sentences.txt -> streams-app/src/test/resources/models/en-es-demo-reference.jsonl, which
DemoIT compares the demo's output with).

usage: /usr/bin/python3 tools/default-model/make_reference.py [MODEL_DIR] [--out FILE] [--sentences FILE]
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import torch_marian as tm  # noqa: E402
from marian_tok import MarianTok  # noqa: E402

MAX_NEW = 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=os.path.join(ROOT, "streams-app/src/main/resources/models/en-es"))
    ap.add_argument("--corpus", default=os.path.join(HERE, "work", "corpus"))
    ap.add_argument("--out", default=os.path.join(ROOT, "streams-app/src/test/resources/models/en-es-reference.jsonl"))
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--sentences", help="decode these lines instead of -n picked from the corpus' test split")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model = tm.load(a.model)
    tok = MarianTok(a.model)
    if a.sentences:
        en = [line for line in open(a.sentences, encoding="utf-8").read().splitlines() if line.strip()]
        pick = range(len(en))
    else:
        en = open(os.path.join(a.corpus, "test.en"), encoding="utf-8").read().splitlines()
        # spread over lengths: sort by word count and take evenly spaced ones
        order = sorted(range(len(en)), key=lambda i: (len(en[i].split()), i))
        pick = sorted(order[int(k * (len(order) - 1) / (a.n - 1))] for k in range(a.n))
    rows = []
    for i in pick:
        ids = tok.encode(en[i])
        x = torch.tensor([ids])
        seq = tm.generate(model, x, torch.ones_like(x), max_new_tokens=MAX_NEW, num_beams=1)[0].tolist()
        beam = tm.generate(model, x, torch.ones_like(x), max_new_tokens=MAX_NEW, num_beams=4)[0].tolist()
        beam_score = tm.generate.last_sequences_scores[0].item()
        rows.append({"text": en[i], "input_ids": ids, "greedy": seq, "greedy_text": tok.decode(seq),
                     "beam4": beam, "beam4_score": beam_score})
    # batched (right-padded) decoding must give the same ids
    L = max(len(r["input_ids"]) for r in rows)
    x = torch.full((len(rows), L), tok.pad_id, dtype=torch.long)
    for j, r in enumerate(rows):
        x[j, :len(r["input_ids"])] = torch.tensor(r["input_ids"])
    out = tm.generate(model, x, (x != tok.pad_id).long(), max_new_tokens=MAX_NEW, num_beams=1)
    for j, r in enumerate(rows):
        got = out[j].tolist()[:len(r["greedy"])]
        if got != r["greedy"]:
            raise SystemExit(f"batched greedy differs for {r['text']!r}: {got} vs {r['greedy']}")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {a.out}")
    for r in rows[:5]:
        print(f"  {r['text']!r} -> {r['greedy_text']!r}")


if __name__ == "__main__":
    main()
