#!/usr/bin/python3
"""Write the reference files that the Java tokenizer tests compare against, using Debian's
python3-sentencepiece (the C++ SentencePiece library). Not run by the tests: run it again when the
tokenizer files or the corpus change, and commit what it writes.

usage: /usr/bin/python3 tools/tokenizer-reference/make_reference.py [--tok DIR] [--corpus DIR] [--out DIR]

Writes under --out (default accelerator/src/test/resources/tokenizer/):
  en-es/{source.spm,target.spm,vocab.json,tokenizer_config.json}   copies of the tokenizer files
  en-es/spm-source.jsonl   {"text","pieces","ids"}: source.spm on English sentences + tricky + fuzz strings
  en-es/spm-target.jsonl   {"text","pieces","ids","decoded","decoded_pieces"}: target.spm on Spanish
                           sentences + tricky + fuzz strings; decoded = decode(ids), decoded_pieces =
                           decode_pieces(pieces) (they differ where unknown characters were merged)
  en-es/spm-target-ids.jsonl  {"ids","decoded"}: random id sequences (control and <unk> ids included)
  en-es/marian-encode.jsonl   {"text","input_ids"}: MarianTokenizer(text).input_ids
  en-es/marian-decode.jsonl   {"ids","text"}: MarianTokenizer.decode(ids, skip_special_tokens=True)
  separate-vocabs/{tokenizer_config.json,target_vocab.json,marian-decode.jsonl}: the en-es files with
                           separate_vocabs=true and a made-up target vocabulary (specials moved, pieces
                           shuffled, some left out), to check decoding through target_vocab.json
  features/<name>.model + <name>.jsonl: small models trained here to cover SentencePiece features that
                           the en-es files do not use (BPE, byte fallback, user-defined symbols, other
                           normalization rules, a denormalizer, whitespace as suffix, no dummy prefix)

MarianTokenizer semantics are those of transformers 4.x (tokenization_marian.py), which cannot be
installed here; they are restated in MarianReference below:
  encode: a leading ">>xx<<" language code is kept as one token, the rest is source.spm pieces; each
          piece is looked up in vocab.json (missing -> <unk>); </s> is appended.
  decode: (skip_special_tokens=True) ids of special tokens (</s>, <unk>, <pad>,
          additional_special_tokens) are dropped, and so are ids missing from vocab.json (they read as
          "<unk>", which is special); the pieces are decoded with target.spm, then "\u2581" -> " " and
          str.strip(). tools/tokenizer-reference/check_transformers.py confirms these rules against a real
          transformers install where one is at hand (see its docstring for the versions checked).
"""
import argparse
import json
import os
import random
import shutil

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOK_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")

# Hand-made strings that exercise normalization, whitespace handling and unknown characters.
TRICKY = [
    "", " ", "   ", "\t", "\n", " \t \n ", "a", " a", "a ", "  a  b  ", "a\tb", "a\nb", "a\r\nb",
    "Hello world", "Hello   world", "  leading spaces", "trailing spaces   ", "\tTabbed\tline\t",
    "multiple    inner     spaces", "non\u00a0breaking\u00a0space", "ideographic\u3000space",
    "thin\u2009space and hair\u200aspace", "zero\u200bwidth\u200bspace", "soft\u00adhyphen",
    "word\u200djoiner", "byte\ufefforder mark", "line\u2028separator", "para\u2029separator",
    "café naïve résumé façade coöperate", "cafe\u0301 (combining acute)", "Ångström Å Å",
    "ＦＵＬＬ－ＷＩＤＴＨ ｌｅｔｔｅｒｓ １２３", "ｶﾀｶﾅ half-width katakana", "ﬁnance ﬂow ﬀ ﬃ ﬄ",
    "x² y³ ½ ¼ ¾ ⅓", "Ⅻ Ⅳ ⅷ", "① ② ⑳ ㉑", "℃ ℉ ™ ℡ № ㎏ ㎞", "Kelvin K Ohm Ω", "ℌ𝔢𝔩𝔩𝔬 𝐁𝐨𝐥𝐝 𝟙𝟚𝟛",
    "ß straße STRASSE", "İstanbul ıi", "Ελληνικά ς σ", "Русский текст", "עברית", "العربية",
    "हिन्दी", "ไทย", "한국어 ㄱㄴㄷ", "日本語のテキスト", "漢字 中文 繁體", "𠀀𠀁 (CJK extension B)",
    "emoji 😀 😀😀 👍🏽 👨‍👩‍👧 ❤️ 🇪🇸", "music 𝄞 and math ∑ ∫ √ ∞ ≠ ≤", "arrows ← → ↔ ⇒",
    "private \ue000\ue001 use", "control \x01\x02\x1f chars", "del\x7f and c1 \x85\x9f",
    "nul \x00 inside", "quotes “curly” ‘single’ «guillemets» „low“", "dashes – — ‒ ― ‐",
    "ellipsis… and middle·dot", "$100 €50 £20 ¥1000 ₹5", "3.14159 2,718 1e10 -42 +7", "1234567890",
    "007 0.5% 50%", "email@example.com http://example.org/path?q=1&r=2", "C++ C# F# .NET",
    "(parens) [brackets] {braces} <angles>", "back\\slash /slash |pipe| ~tilde~ ^caret^",
    "hash#tag @mention", "under_score snake_case", "CamelCaseWord", "ALL CAPS SENTENCE.",
    "don't can't won't it's I'm you're", "rock 'n' roll", "Mr. Smith's dog's bone.",
    "¿Dónde está la biblioteca?", "¡Hola! ¿Qué tal?", "El niño comió piña y jalapeños.",
    "Ñandú ÑANDÚ", "a\u2581b", "\u2581", "\u2581\u2581x", "trailing\u2581", "<unk>", "</s> <pad>",
    "<s>", "<0x41>", "\u0301\u0301 combining only", "\U0010fffd plane 16", "\ufffd replacement",
    "a" * 300, "ab " * 100, "antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "x", "xx", "xxx", "The quick brown fox jumps over the lazy dog.",
]

# Strings whose only purpose is the ">>xx<<" language-code rule of MarianTokenizer.
LANGUAGE_CODES = [">>es<< Hello", ">>fr<<Hello", ">>es<<", ">> not a code", "text >>es<< mid",
                  ">>a<<>>b<< two", ">><< empty code", ">>es<  almost"]

# Characters the fuzz strings are drawn from: one range per kind of trouble.
FUZZ_RANGES = [
    (0x20, 0x7e), (0x20, 0x20), (0x20, 0x20), (0x09, 0x0d), (0x00, 0x1f), (0x7f, 0x9f), (0xa0, 0xff),
    (0x100, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x6ff), (0x900, 0x97f),
    (0x1100, 0x11ff), (0x2000, 0x206f), (0x2070, 0x218f), (0x2460, 0x24ff), (0x2500, 0x25ff),
    (0x2e80, 0x2fdf), (0x3000, 0x30ff), (0x3130, 0x318f), (0x3200, 0x33ff), (0x4e00, 0x4fff),
    (0xac00, 0xad00), (0xe000, 0xe010), (0xf900, 0xfaff), (0xfb00, 0xfb4f), (0xfe00, 0xfe6f),
    (0xff00, 0xffef), (0xfff0, 0xfffd), (0x1d400, 0x1d7ff), (0x1f300, 0x1f6ff), (0x1f900, 0x1f9ff),
    (0x20000, 0x20100), (0x2f800, 0x2fa1d), (0xe0000, 0xe007f), (0x2581, 0x2581),
]


def fuzz_strings(count, seed, words):
    """Random strings mixing corpus words and characters from FUZZ_RANGES (no surrogates)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.35:
                parts.append(rng.choice(words))
            else:
                lo, hi = rng.choice(FUZZ_RANGES)
                parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 4))))
        out.append("".join(parts))
    return out


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def corpus_sentences(corpus, lang, train_every):
    """test + dev sentences, plus every n-th training sentence."""
    lines = read_lines(os.path.join(corpus, f"test.{lang}")) + read_lines(os.path.join(corpus, f"dev.{lang}"))
    lines += read_lines(os.path.join(corpus, f"train.{lang}"))[::train_every]
    return lines


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows):5d} rows to {os.path.relpath(path, ROOT)}")


def spm_rows(sp, texts, with_decode):
    rows = []
    for t in texts:
        pieces = sp.encode(t, out_type=str)
        ids = sp.encode(t)
        row = {"text": t, "pieces": pieces, "ids": ids}
        if with_decode:
            row["decoded"] = sp.decode(ids)
            row["decoded_pieces"] = sp.decode_pieces(pieces)
        rows.append(row)
    return rows


def random_id_rows(sp, count, seed):
    rng = random.Random(seed)
    n = sp.get_piece_size()
    rows = []
    for _ in range(count):
        ids = []
        for _ in range(rng.randint(0, 25)):
            ids.append(rng.randrange(0, 4) if rng.random() < 0.15 else rng.randrange(n))
        rows.append({"ids": ids, "decoded": sp.decode(ids)})
    return rows


class MarianReference:
    """MarianTokenizer (transformers 4.x, separate_vocabs=false) restated over sentencepiece."""

    def __init__(self, tok_dir):
        self.src = spm.SentencePieceProcessor(model_file=os.path.join(tok_dir, "source.spm"))
        self.tgt = spm.SentencePieceProcessor(model_file=os.path.join(tok_dir, "target.spm"))
        with open(os.path.join(tok_dir, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(tok_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.unk = config.get("unk_token", "<unk>")
        self.specials = [config.get("eos_token", "</s>"), self.unk, config.get("pad_token", "<pad>")]
        self.specials += config.get("additional_special_tokens", [])
        self.special_ids = {self.vocab[t] for t in self.specials if t in self.vocab}
        self.cleanup = config.get("clean_up_tokenization_spaces", False)
        decoder_vocab = self.vocab
        if config.get("separate_vocabs", False):
            with open(os.path.join(tok_dir, "target_vocab.json"), encoding="utf-8") as f:
                decoder_vocab = json.load(f)
        self.inv = {i: p for p, i in decoder_vocab.items()}

    def encode(self, text):
        code = []
        if text.startswith(">>") and text.find("<<") != -1:
            end = text.find("<<")
            code, text = [text[:end + 2]], text[end + 2:]
        pieces = code + self.src.encode(text, out_type=str)
        return [self.vocab.get(p, self.vocab[self.unk]) for p in pieces] + [self.vocab[self.specials[0]]]

    def decode(self, ids):
        # skip_special_tokens=True drops special ids, then (transformers 4.3x+ _decode) every token whose
        # string is special, which includes the "<unk>" that an id missing from vocab.json reads as
        tokens = [self.inv.get(i, self.unk) for i in ids if i not in self.special_ids]
        tokens = [t for t in tokens if t not in self.specials]
        out = self.tgt.decode_pieces(tokens).replace("\u2581", " ").strip()
        if self.cleanup:
            for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                         (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
                out = out.replace(a, b)
        return out

    def target_ids(self, text):
        return [self.vocab.get(p, self.vocab[self.unk]) for p in self.tgt.encode(text, out_type=str)]


def marian_decode_rows(tok, es_sentences, count_random, seed):
    """Generated-looking sequences (<pad> start, target ids, </s>, maybe padding) and random ids."""
    rng = random.Random(seed)
    pad, eos = tok.vocab[tok.specials[2]], tok.vocab[tok.specials[0]]
    rows = []
    for s in es_sentences:
        ids = [pad] + tok.target_ids(s) + [eos] + [pad] * rng.choice((0, 0, 0, 3))
        rows.append({"ids": ids, "text": tok.decode(ids)})
    n = len(tok.vocab)
    for _ in range(count_random):
        # mostly ordinary ids, some special ones, a few that vocab.json lacks
        ids = [rng.choice((0, 1, n - 1, n, n + 7, 10 ** 6)) if rng.random() < 0.15 else rng.randrange(n)
               for _ in range(rng.randint(0, 25))]
        rows.append({"ids": ids, "text": tok.decode(ids)})
    return rows


def make_separate_vocabs(en_es, out_dir, es):
    """A made-up target vocabulary for the en-es tokenizer, and decodings through it."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(en_es, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    pieces = [p for p in vocab if p not in ("</s>", "<unk>", "<pad>")]
    random.Random(3).shuffle(pieces)
    target_vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for p in pieces[:6000]:
        target_vocab[p] = len(target_vocab)
    with open(os.path.join(en_es, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config["separate_vocabs"] = True
    with open(os.path.join(out_dir, "target_vocab.json"), "w", encoding="utf-8") as f:
        json.dump(target_vocab, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    work = os.path.join(out_dir, "dir.tmp")
    os.makedirs(work, exist_ok=True)
    try:
        for name in ("source.spm", "target.spm", "vocab.json"):
            shutil.copyfile(os.path.join(en_es, name), os.path.join(work, name))
        for name in ("tokenizer_config.json", "target_vocab.json"):
            shutil.copyfile(os.path.join(out_dir, name), os.path.join(work, name))
        tok = MarianReference(work)
        rng = random.Random(13)
        rows = [{"ids": ids, "text": tok.decode(ids)} for ids in
                ([rng.randrange(len(vocab) + 3) for _ in range(rng.randint(0, 25))] for _ in range(500))]
        write_jsonl(os.path.join(out_dir, "marian-decode.jsonl"), rows)
    finally:
        shutil.rmtree(work)


# Small models for the SentencePiece features the en-es files do not use.
FEATURE_MODELS = {
    "bpe-nfkc": dict(model_type="bpe", vocab_size=1000, normalization_rule_name="nmt_nfkc"),
    "bpe-bytes-identity": dict(model_type="bpe", vocab_size=1200, byte_fallback=True,
                               normalization_rule_name="identity", add_dummy_prefix=False,
                               user_defined_symbols=["<sep>", "@@", "the"]),
    "unigram-bytes-cf-denorm": dict(model_type="unigram", vocab_size=1200, byte_fallback=True,
                                    normalization_rule_name="nmt_nfkc_cf",
                                    user_defined_symbols=["<sep>", "ing"], control_symbols=["<ctl>"]),
    "unigram-suffix-raw-spaces": dict(model_type="unigram", vocab_size=800, normalization_rule_name="identity",
                                      remove_extra_whitespaces=False, treat_whitespace_as_suffix=True,
                                      split_digits=True),
}
# Denormalization rules (TSV of code points) for unigram-bytes-cf-denorm: "a" -> "A", "ñ" -> "N~".
DENORM_RULES = "61\t41\nF1\t4E 7E\n"


def make_feature_models(out_dir, en, es, fuzz):
    os.makedirs(out_dir, exist_ok=True)
    train_text = os.path.join(out_dir, "train.tmp")
    with open(train_text, "w", encoding="utf-8") as f:
        f.write("\n".join(en[:3000] + es[:3000]) + "\n")
    denorm = os.path.join(out_dir, "denorm.tmp")
    with open(denorm, "w", encoding="utf-8") as f:
        f.write(DENORM_RULES)
    texts = en[:300] + es[:300] + TRICKY + fuzz[:400]
    try:
        for number, (name, opts) in enumerate(FEATURE_MODELS.items()):
            prefix = os.path.join(out_dir, name)
            extra = {"denormalization_rule_tsv": denorm} if name.endswith("denorm") else {}
            spm.SentencePieceTrainer.train(
                input=train_text, model_prefix=prefix, character_coverage=1.0, hard_vocab_limit=False,
                num_threads=1, minloglevel=2, **opts, **extra)
            os.remove(prefix + ".vocab")
            sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
            write_jsonl(prefix + ".jsonl", spm_rows(sp, texts, with_decode=True)
                        + random_id_rows(sp, 200, seed=100 + number))
    finally:
        os.remove(train_text)
        os.remove(denorm)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", default=os.path.join(ROOT, "tools/default-model/work/tok"),
                    help="directory with source.spm, target.spm, vocab.json, tokenizer_config.json")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "tools/default-model/work/corpus"))
    ap.add_argument("--out", default=os.path.join(ROOT, "accelerator/src/test/resources/tokenizer"))
    a = ap.parse_args()

    en_es = os.path.join(a.out, "en-es")
    os.makedirs(en_es, exist_ok=True)
    for name in TOK_FILES:
        shutil.copyfile(os.path.join(a.tok, name), os.path.join(en_es, name))

    en = corpus_sentences(a.corpus, "en", train_every=160)
    es = corpus_sentences(a.corpus, "es", train_every=160)
    fuzz = fuzz_strings(1500, seed=20240521, words=" ".join(en[:200] + es[:200]).split())
    src = spm.SentencePieceProcessor(model_file=os.path.join(en_es, "source.spm"))
    tgt = spm.SentencePieceProcessor(model_file=os.path.join(en_es, "target.spm"))
    write_jsonl(os.path.join(en_es, "spm-source.jsonl"), spm_rows(src, en + TRICKY + fuzz, with_decode=False))
    write_jsonl(os.path.join(en_es, "spm-target.jsonl"), spm_rows(tgt, es + TRICKY + fuzz, with_decode=True))
    write_jsonl(os.path.join(en_es, "spm-target-ids.jsonl"), random_id_rows(tgt, 500, seed=7))

    tok = MarianReference(en_es)
    marian_texts = en + TRICKY + LANGUAGE_CODES + fuzz[:500]
    write_jsonl(os.path.join(en_es, "marian-encode.jsonl"),
                [{"text": t, "input_ids": tok.encode(t)} for t in marian_texts])
    write_jsonl(os.path.join(en_es, "marian-decode.jsonl"), marian_decode_rows(tok, es, 500, seed=11))

    make_separate_vocabs(en_es, os.path.join(a.out, "separate-vocabs"), es)
    make_feature_models(os.path.join(a.out, "features"), en, es, fuzz)


if __name__ == "__main__":
    main()
