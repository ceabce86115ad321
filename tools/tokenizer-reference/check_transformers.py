#!/usr/bin/python3
"""Check the MarianTokenizer reference files against transformers' own MarianTokenizer.

make_reference.py restates MarianTokenizer's rules because transformers is not part of this
machine's Python; where a transformers install is at hand (with sentencepiece), this script confirms
that the restatement and the real thing agree on every line of marian-encode.jsonl and
marian-decode.jsonl. It only reads; it prints the differences and exits 1 if there are any.

One difference is deliberate and is only counted, not reported: transformers turns special-token
strings written inside the text ("</s>", "<unk>", "<pad>") into their ids; StreamFormer's tokenizer
reads them as plain text, so that user text cannot inject control tokens.

Checked so far: transformers 4.57.6 agrees on every other line. transformers 5.18.0 agrees too, except
that it raises IndexError for ids that vocab.json lacks (4.x drops them).

usage: python tools/tokenizer-reference/check_transformers.py [--dir DIR]
"""
import argparse
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "accelerator/src/test/resources/tokenizer/en-es"))
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    import transformers
    from transformers import MarianTokenizer

    tok = MarianTokenizer.from_pretrained(a.dir)
    specials = [str(t) for t in tok.all_special_tokens]
    bad, deliberate = [], 0
    encode_rows = rows(os.path.join(a.dir, "marian-encode.jsonl"))
    for r in encode_rows:
        got = tok(r["text"]).input_ids
        if got != r["input_ids"]:
            if any(s in r["text"] for s in specials):
                deliberate += 1
            else:
                bad.append(f"encode {r['text']!r}:\n  reference    {r['input_ids']}\n  transformers {got}")
    decode_rows = rows(os.path.join(a.dir, "marian-decode.jsonl"))
    for r in decode_rows:
        try:
            got = tok.decode(r["ids"], skip_special_tokens=True)
        except Exception as e:  # noqa: BLE001 - report whatever transformers raises
            got = f"<{type(e).__name__}: {e}>"
        if got != r["text"]:
            bad.append(f"decode {r['ids']}:\n  reference    {r['text']!r}\n  transformers {got!r}")
    for line in bad[:10]:
        print(line)
    print(f"transformers {transformers.__version__}: {len(encode_rows)} encodings, {len(decode_rows)} decodings, "
          f"{len(bad)} differ ({deliberate} more differ by design: special-token strings inside the text)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
