#!/usr/bin/python3
"""Build the English->Spanish training corpus of the embedded default model.

English: glosses and quoted example sentences of WordNet 3.0 (Debian package wordnet-base,
/usr/share/wordnet/data.{noun,verb,adj,adv}).
Spanish: their machine translation by Apertium (Debian packages apertium + apertium-eng-spa,
direction eng-spa, unknown-word marks off).

Deterministic: same Debian packages -> byte-identical output.

Alignment: Apertium's text mode may move words across line breaks, so every sentence is
escaped into Apertium's stream format and sent as its own NUL-terminated block through the
pair's pipeline in null-flush mode (`apertium-wblank-mode -z`); each module resets at a NUL,
so block i of the output is the translation of sentence i. The block count is verified.

usage: /usr/bin/python3 tools/default-model/build_corpus.py [--out DIR] [--test 1000] [--dev 1000]
writes DIR/{train,dev,test}.{en,es} and DIR/stats.json   (DIR defaults to tools/default-model/work/corpus)
"""
import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time

WORDNET = "/usr/share/wordnet"
MODE = "/usr/share/apertium/modes/eng-spa.mode"
HERE = os.path.dirname(os.path.abspath(__file__))

MIN_WORDS, MAX_WORDS = 3, 30
SEED = 20240601
_ESC = set("\\[]{}^$/@<>")


def wordnet_sentences():
    """Yield candidate English segments in file order (noun, verb, adj, adv)."""
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(WORDNET, "data." + pos), encoding="utf-8", errors="strict") as f:
            for line in f:
                if line.startswith("  "):  # licence header
                    continue
                if " | " not in line:
                    continue
                gloss = line.split(" | ", 1)[1].strip()
                for seg in gloss.split(";"):
                    yield seg


def clean(seg):
    s = seg.replace('"', " ").replace("``", " ").replace("''", " ")
    s = re.sub(r"\s+", " ", s).strip()
    # drop attributions that follow an example, e.g.  ... - Shakespeare
    s = re.sub(r"\s+--?\s+[A-Z][\w. ]{0,40}$", "", s).strip()
    s = s.strip(" ,:-")
    return s


def keep(s):
    n = len(s.split())
    if n < MIN_WORDS or n > MAX_WORDS:
        return False
    if not re.search(r"[A-Za-z]", s):
        return False
    if sum(c.isalpha() for c in s) < 0.5 * len(s.replace(" ", "")):
        return False
    if "_" in s or "\t" in s:
        return False
    return True


def escape(s):
    return "".join("\\" + c if c in _ESC else c for c in s)


def unescape(s):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def reformat(block):
    """Undo the deformatting like `apertium-retxt`: drop the inserted '.[]' and the
    superblanks, unescape, normalise whitespace."""
    b = block
    b = re.sub(r"\.?\[\]\[\n\]\s*$", "", b)
    if "[" in b.replace("\\[", ""):
        raise RuntimeError(f"unexpected superblank in apertium output: {block!r}")
    return re.sub(r"\s+", " ", unescape(b)).strip()


def pipeline_script():
    script = subprocess.run(["apertium-wblank-mode", "-z", MODE], check=True,
                            capture_output=True, text=True).stdout
    return script


def translate(sents, chunk=4000, log=sys.stderr):
    """Translate a list of single-line English sentences; returns list of Spanish strings."""
    script = pipeline_script()
    out = []
    t0 = time.time()
    for start in range(0, len(sents), chunk):
        part = sents[start:start + chunk]
        # each block is what `apertium-destxt` makes of a one-line text: the escaped sentence, an
        # inserted end-of-text period and superblanks (".[][\n]"); the period helps the tagger
        data = "".join(escape(s) + ".[][\n]\0" for s in part).encode("utf-8")
        # $1 = generator option (-n: no unknown/generation marks, like `apertium -u`), $2 = tagger option
        r = subprocess.run(["bash", "-c", script, "apertium-pipe", "-n", ""], input=data,
                           capture_output=True, check=True)
        blocks = r.stdout.decode("utf-8").split("\0")
        while len(blocks) > len(part) and blocks[-1].strip() == "":
            blocks.pop()
        if len(blocks) != len(part):
            raise RuntimeError(f"apertium returned {len(blocks)} blocks for {len(part)} sentences "
                               f"(chunk at {start})")
        out.extend(reformat(b) for b in blocks)
        done = start + len(part)
        print(f"  translated {done}/{len(sents)}  ({done / (time.time() - t0):.0f} sent/s)",
              file=log, flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "work", "corpus"))
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--dev", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=0, help="debug: only the first N sentences")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    seen = set()
    en = []
    n_raw = 0
    for seg in wordnet_sentences():
        n_raw += 1
        s = clean(seg)
        if not keep(s):
            continue
        key = s.lower()
        if key in seen:
            continue
        seen.add(key)
        en.append(s)
    print(f"WordNet segments: {n_raw}, kept after filters+dedupe: {len(en)}", file=sys.stderr)
    if args.limit:
        en = en[:args.limit]

    es = translate(en)

    pairs = []
    dropped = 0
    for s, t in zip(en, es):
        bad = (not t or len(t.split()) > 2.5 * len(s.split()) + 5
               or ("#" in t and "#" not in s) or ("@" in t and "@" not in s) or ("*" in t and "*" not in s))
        if bad:
            dropped += 1
            continue
        pairs.append((s, t))
    print(f"pairs: {len(pairs)} (dropped {dropped} with empty/marked/overlong output)", file=sys.stderr)

    rng = random.Random(SEED)
    order = list(range(len(pairs)))
    rng.shuffle(order)
    test_idx = order[:args.test]
    dev_idx = order[args.test:args.test + args.dev]
    train_idx = sorted(order[args.test + args.dev:])
    held_src = {pairs[i][0].lower() for i in test_idx + dev_idx}
    # never train on a held-out source sentence (dedupe is case-insensitive already; belt and braces)
    train_idx = [i for i in train_idx if pairs[i][0].lower() not in held_src]

    stats = {"wordnet_segments": n_raw, "english_after_filter_dedupe": len(en),
             "pairs": len(pairs), "dropped_bad_translation": dropped}
    for name, idx in (("train", train_idx), ("dev", sorted(dev_idx)), ("test", sorted(test_idx))):
        with open(os.path.join(args.out, name + ".en"), "w", encoding="utf-8") as fe, \
                open(os.path.join(args.out, name + ".es"), "w", encoding="utf-8") as fs:
            for i in idx:
                fe.write(pairs[i][0] + "\n")
                fs.write(pairs[i][1] + "\n")
        stats[name] = len(idx)
        stats[name + "_en_words"] = sum(len(pairs[i][0].split()) for i in idx)
        stats[name + "_es_words"] = sum(len(pairs[i][1].split()) for i in idx)
    for name in ("train", "dev", "test"):
        for l in ("en", "es"):
            p = os.path.join(args.out, f"{name}.{l}")
            stats[f"sha256_{name}.{l}"] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=2)
    print(json.dumps(stats, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()
