"""Write the reference files that the Java tokenizer.json tests (io.streamformer.accelerator.tokenizer.bpe)
compare against, using Hugging Face's own code: the tokenizers library (Rust) behind transformers' fast
tokenizers, transformers 4.57.6 itself, and, as an independent second opinion, transformers' slow
pure-Python tokenizers (GPT2Tokenizer, Qwen2Tokenizer; LlamaTokenizer over sentencepiece). Not run by the
tests: run it again when the tokenizer files or the texts change, and commit what it writes.

Needs a Python with tokenizers 0.22.2, transformers 4.57.6, sentencepiece and regex, e.g. a venv built from
the wheels this machine keeps on disk (see README-hf.md next to this script for the exact commands).

usage: python tools/tokenizer-reference/make_hf_reference.py --models DIR [--llama-cpp DIR] [--out DIR]

--models DIR holds one directory per real tokenizer, each with tokenizer.json and tokenizer_config.json:
gpt2, qwen2.5, cl100k, mistral, llama3, llama3.2, qwen3; llama2 holds Llama 2's tokenizer.model, from which
the script makes tokenizer.json with transformers' LlamaConverter. --llama-cpp DIR holds llama.cpp's
models/ggml-vocab-{gpt-2,qwen2,llama-bpe,llama-spm}.gguf.{inp,out}. Where each came from: README-hf.md.

Writes under --out (default accelerator/src/test/resources/tokenizer/hf/):
  <family>/tokenizer.json.gz, tokenizer_config.json   the tokenizer files, for the families whose licence
                       lets them be committed (gpt2, qwen2.5, cl100k, mistral) and for the two made here
  <family>/encode.jsonl.gz   a header {"prefix","suffix"} (ids added around the text when special tokens
                       are added), then one row per text: "text"; "ids": encode(text, add_special_tokens=False,
                       split_special_tokens=True), i.e. special-token strings as plain text; "decoded":
                       decode(ids, skip_special_tokens=True); "special": encode(text, add_special_tokens=True,
                       split_special_tokens=False), only where it is not prefix + ids + suffix;
                       "special_decoded": decode(special), only where it differs from "decoded"
  <family>/decode.jsonl.gz   {"ids","decoded"}: random id sequences (special, byte and unknown ids included)
  llama.cpp/ggml-vocab-*.gguf.{inp,out}   copies of llama.cpp's tokenizer test cases (HF-made ids)
  features/<name>/...  tiny hand-made tokenizer.json files, each with encode.jsonl.gz, for behaviour the
                       real files do not exercise (ignore_merges, lstrip/rstrip, normalized added tokens,
                       unknown tokens without byte fallback, Split with Removed, repeated merges)

The families made here (no real file of a permissive model was at hand):
  llama-style   a SentencePiece BPE model trained on this repository's English/Spanish test sentences with
                Llama 2's trainer settings (byte fallback, split digits, identity normalization, dummy prefix),
                converted to tokenizer.json by transformers' LlamaTokenizerFast (LlamaConverter), as Llama 2's
                tokenizer.json was
  smollm-style  a byte-level BPE trained with the tokenizers library, with SmolLM2's pipeline:
                Digits(individual_digits) + ByteLevel, and an <|im_start|>/<|im_end|> chat vocabulary
"""
import argparse
import gzip
import io
import importlib.metadata as metadata
import json
import os
import random
import shutil
import sys
import tempfile

# transformers 4.57.6 asks for huggingface-hub < 1.0 at import; only local files are read here, which the
# 1.x hub on this machine serves as well, so the version check is told what it wants to hear.
_real_version = metadata.version
metadata.version = lambda name: ("0.36.0" if name.replace("_", "-").lower() == "huggingface-hub"
                                 else _real_version(name))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import tokenizers  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer, GPT2Tokenizer, LlamaTokenizer, LlamaTokenizerFast, Qwen2Tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from make_reference import TRICKY, FUZZ_RANGES  # noqa: E402

RESOURCES = os.path.join(ROOT, "accelerator", "src", "test", "resources", "tokenizer")

# family -> (directory under --models, committed?, slow tokenizer kind, llama.cpp vocab name)
REAL_FAMILIES = {
    "gpt2": ("gpt2", True, "gpt2", "gpt-2"),
    "qwen2.5": ("qwen2.5", True, "qwen2", "qwen2"),
    "cl100k": ("cl100k", True, "regex", None),
    "mistral": ("mistral", True, None, None),
    "llama2": ("llama2", False, "llama", "llama-spm"),
    "llama3": ("llama3", False, "regex", "llama-bpe"),
    "llama3.2": ("llama3.2", False, "regex", "llama-bpe"),
    "qwen3": ("qwen3", False, "qwen2", "qwen2"),
}

# Strings aimed at byte-level BPE and its regexes: contractions in all cases, digit groups, whitespace runs,
# line breaks, special-token strings (whole, partial, adjacent), Unicode that NFC changes, scripts.
BPE_TRICKY = [
    "I'm you're he's she'd we'll they've it's", "I'M YOU'RE HE'S SHE'D WE'LL THEY'VE", "'S 'T 'Re 'vE 'mM",
    "don't DON'T Don'T", "'ſ 'ſt ſ ﬅ ﬆ", "rock'n'roll", "''", "'", " '", "a'b", "x 's", "1'000",
    "1", "12", "123", "1234", "12345", "123456", "1234567", "3.14159", "1,000,000", "٣٤٥٦ ١٢", "१२३४५",
    "Ⅻ ⅷ ½ ² ①②③", "x1y22z333w4444", "$1234.56", "0x1F600", "2024-07-26T12:34:56Z",
    "  ", "    ", "\t\t", "\n\n", "\n\n\n", " \n", "\n ", " \n \n ", "\r\n", "\r\n\r\n", "\r", "a\r\nb",
    "a  b", "a   b", "a \tb", "a\t b", "   leading", "trailing   ", "a\u00a0b", "a\u3000b", "a\u2003b",
    "a\u200bb", "a\u2028b", "a\x0bb", "a\x0cb", "a\x85b", "\u00a0\u00a0x", "x\u00a0\u00a0", " \u00a0 ",
    "<|endoftext|>", "a<|endoftext|>b", "<|endoftext|><|endoftext|>", "<|endoftext|", "|endoftext|>",
    "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "<|im_start|><|im_end|>", "<|im_start",
    "<|begin_of_text|>Hello", "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", "<|eot_id|>",
    "<s>", "</s>", "<s> hello </s>", "<unk>", "hello<s>world", " <s>", "<s> ", "<<s>>", "<|reserved_special_token_5|>",
    "<tool_call>", "</tool_call>", "<|fim_prefix|>x<|fim_suffix|>y<|fim_middle|>", "<think>\n\n</think>",
    "<0x41>", "<0x0A>", "▁", "▁▁", "a▁b", "Ġ", "ĠĠ", "Ċ", "âĢĻ",
    "e\u0301", "e\u0301\u0301", "\u0301", "A\u030a", "\u212b", "\u1100\u1161\u11a8", "\uac01",
    "한국어", "日本語のテキスト", "中文测试，标点符号。", "𠀀𠀁𠀂", "עברית ואנגלית mixed", "العربية مع English",
    "\u202eRTL override\u202c", "\u200f\u200e", "हिन्दी", "ไทย", "ខ្មែរ", "ግዕዝ", "Ελληνικά", "Русский",
    "😀", "😀😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇪🇸🇫🇷", "❤️", "🦙.cpp", "🚀 (normal) 😶‍🌫️ (multiple)",
    "def f(x):\n    return x**2\n", "if (a && b) { c(); }\n\treturn;", "<html><body>&amp;</body></html>",
    "https://example.com/a?b=c&d=e#f", "user@example.com", "C:\\Users\\name", "~/.bashrc",
    "!!!???...", "---", "***", "...", "…", "«»", "“”‘’", "—–", "©®™", "°C", "€$£¥₹",
    "Hello world", " Hello world", "Hello World!", "Hello, world!", " this is 🦙.cpp",
    "The quick brown fox jumps over the lazy dog.", "\ufeffBOM", "\ufffd", "\x00", "\x01\x02", "\x7f",
    "a" * 100, " " * 50, "1" * 40, "ab" * 60, "🦙" * 10,
]


def write_jsonl_gz(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=9, mtime=0), encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows):5d} rows to {os.path.relpath(path, ROOT)}")


def gzip_copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(src, "rb") as f, gzip.GzipFile(dst, "wb", compresslevel=9, mtime=0) as g:
        shutil.copyfileobj(f, g)


def corpus_sentences():
    """Every 6th English and Spanish sentence of the SentencePiece reference files."""
    out = []
    for name in ("spm-source.jsonl", "spm-target.jsonl"):
        with open(os.path.join(RESOURCES, "en-es", name), encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f if line.strip()]
        out += texts[::6]
    return out


# Characters where the regex translation could go wrong: Unicode White_Space and its near misses, case folds
# of the contraction letters ('ſ' folds to 's', 'K' Kelvin to 'k'), digits and numbers of other scripts.
REGEX_CHARS = (" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u180e\u2000\u2007\u200a\u200b\u2028\u2029"
               "\u202f\u205f\u3000\ufeff'’sStTdDmMlLvVrReEſ\u212aİı0123456789٣۴߄९১௫๓༣၄០᠕፭²½Ⅻ〇")


def fuzz_strings(count, seed, words):
    rng = random.Random(seed)
    pieces = words + BPE_TRICKY
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.3:
                parts.append(rng.choice(pieces))
            elif r < 0.45:
                parts.append(rng.choice([" ", "  ", "\n", "\t", " \n", "\r\n", "'s", "'T", "0", "42", "1234"]))
            elif r < 0.6:
                parts.append("".join(rng.choice(REGEX_CHARS) for _ in range(rng.randint(1, 5))))
            else:
                lo, hi = rng.choice(FUZZ_RANGES)
                parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 4))))
        out.append("".join(parts))
    return out


def texts_for_reference():
    words = []
    sentences = corpus_sentences()
    for s in sentences:
        words += s.split()
    texts = list(dict.fromkeys(TRICKY + BPE_TRICKY + sentences + fuzz_strings(900, 20240726, words)))
    return [t for t in texts if not any(0xD800 <= ord(c) <= 0xDFFF for c in t)]


def load_fast(directory):
    tok = AutoTokenizer.from_pretrained(directory)
    if not tok.is_fast:
        raise SystemExit(f"{directory}: transformers did not load a fast tokenizer")
    return tok


def encode_rows(tok, texts):
    prefix_suffix = tok("", add_special_tokens=True, split_special_tokens=True).input_ids
    # The ids around the text: encode("") with special tokens is prefix + suffix; split them by the BOS.
    empty_plain = tok("x", add_special_tokens=False, split_special_tokens=True).input_ids
    with_x = tok("x", add_special_tokens=True, split_special_tokens=True).input_ids
    at = next(i for i in range(len(with_x)) if with_x[i:i + len(empty_plain)] == empty_plain)
    prefix, suffix = with_x[:at], with_x[at + len(empty_plain):]
    assert prefix + suffix == prefix_suffix, (prefix, suffix, prefix_suffix)
    rows = [{"prefix": prefix, "suffix": suffix}]
    for text in texts:
        ids = tok(text, add_special_tokens=False, split_special_tokens=True).input_ids
        plain_with_specials = tok(text, add_special_tokens=True, split_special_tokens=True).input_ids
        assert plain_with_specials == prefix + ids + suffix, text
        decoded = tok.decode(ids, skip_special_tokens=True)
        row = {"text": text, "ids": ids, "decoded": decoded}
        special = tok(text, add_special_tokens=True, split_special_tokens=False).input_ids
        if special != prefix + ids + suffix:
            row["special"] = special
            special_decoded = tok.decode(special, skip_special_tokens=True)
            if special_decoded != decoded:
                row["special_decoded"] = special_decoded
        rows.append(row)
    return rows


def decode_rows(tok, count, seed):
    rng = random.Random(seed)
    vocab = tok.get_vocab()
    n = max(vocab.values()) + 1
    special = sorted(tok.all_special_ids) + sorted(tok.added_tokens_decoder)
    byte_ids = sorted(i for t, i in vocab.items() if len(t) == 6 and t.startswith("<0x") and t.endswith(">"))
    rows = []
    for _ in range(count):
        ids = []
        for _ in range(rng.randint(0, 24)):
            r = rng.random()
            if r < 0.12 and special:
                ids.append(rng.choice(special))
            elif r < 0.3 and byte_ids:
                ids.append(rng.choice(byte_ids))
            elif r < 0.33:
                ids.append(n + rng.randrange(50))
            elif r < 0.5:
                ids.append(rng.randrange(min(n, 300)))
            else:
                ids.append(rng.randrange(n))
        rows.append({"ids": ids, "decoded": tok.decode(ids, skip_special_tokens=True)})
    return rows


class RegexSlowTokenizer(GPT2Tokenizer):
    """GPT2Tokenizer (pure Python, the regex module) with another pre-tokenization pattern, as Llama 3 and
    cl100k have, and optionally Llama 3's ignore_merges (a word that is in the vocabulary is one token)."""

    def __init__(self, vocab_file, merges_file, pattern, ignore_merges, **kwargs):
        super().__init__(vocab_file, merges_file, **kwargs)
        import regex
        self.pat = regex.compile(pattern)
        self.ignore_merges = ignore_merges

    def bpe(self, token):
        if self.ignore_merges and token in self.encoder:
            return token
        return super().bpe(token)


def slow_tokenizer(kind, directory, tmp):
    """transformers' pure-Python tokenizer over the same vocabulary (vocab.json/merges.txt from tokenizer.json)."""
    if kind == "llama":
        model = os.path.join(directory, "tokenizer.model")
        return LlamaTokenizer(model, legacy=True, add_bos_token=True) if os.path.exists(model) else None
    with open(os.path.join(directory, "tokenizer.json"), encoding="utf-8") as f:
        j = json.load(f)
    pattern = None
    if kind == "regex":
        steps = j["pre_tokenizer"]["pretokenizers"]
        pattern = next(p["pattern"]["Regex"] for p in steps if p["type"] == "Split")
    with open(os.path.join(tmp, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(j["model"]["vocab"], f, ensure_ascii=False)
    with open(os.path.join(tmp, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for m in j["model"]["merges"]:
            f.write((m if isinstance(m, str) else " ".join(m)) + "\n")
    vocab, merges = os.path.join(tmp, "vocab.json"), os.path.join(tmp, "merges.txt")
    if kind == "regex":
        return RegexSlowTokenizer(vocab, merges, pattern, j["model"].get("ignore_merges", False), errors="replace")
    cls = GPT2Tokenizer if kind == "gpt2" else Qwen2Tokenizer
    return cls(vocab, merges, errors="replace")


def slow_check(kind, directory, rows):
    """Counts the texts on which the slow tokenizer agrees with the fast one (plain text, no specials)."""
    with tempfile.TemporaryDirectory() as tmp:
        slow = slow_tokenizer(kind, directory, tmp)
        if slow is None:
            return None
        agree, differ, examples = 0, 0, []
        for row in rows[1:]:
            text = row["text"]
            # The slow tokenizers have no split_special_tokens for added tokens that are not special, and
            # Llama's slow tokenizer differs from the fast one on text starting with a space (legacy
            # handling); those are known differences of transformers, not counted.
            if kind == "llama":
                ids = slow.sp_model.encode(text) if text else []
            else:
                ids = slow.convert_tokens_to_ids(slow.tokenize(text, split_special_tokens=True))
            if ids == row["ids"]:
                agree += 1
            else:
                differ += 1
                if len(examples) < 3:
                    examples.append((text, ids, row["ids"]))
        return agree, differ, examples


def llama_cpp_check(tok, llama_cpp, name, out):
    inp = os.path.join(llama_cpp, f"ggml-vocab-{name}.gguf.inp")
    outp = os.path.join(llama_cpp, f"ggml-vocab-{name}.gguf.out")
    if not os.path.exists(inp):
        return None
    with open(inp, encoding="utf-8", newline="") as f:
        tests = f.read().split("\n__ggml_vocab_test__\n")[:-1]
    with open(outp, encoding="utf-8") as f:
        expected = [[int(x) for x in line.split()] for line in f.read().split("\n")[:-1]]
    agree = sum(tok.encode(t, add_special_tokens=False) == e for t, e in zip(tests, expected))
    os.makedirs(os.path.join(out, "llama.cpp"), exist_ok=True)
    for p in (inp, outp):
        shutil.copyfile(p, os.path.join(out, "llama.cpp", os.path.basename(p)))
    return agree, len(tests)


def train_llama_style(directory, sentences):
    """A small SentencePiece BPE with Llama 2's trainer settings, converted to tokenizer.json by transformers."""
    import sentencepiece as spm
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(sentences) + "\n")
        prefix = os.path.join(tmp, "llama-style")
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, model_type="bpe", vocab_size=3000, character_coverage=0.9995,
            byte_fallback=True, split_digits=True, normalization_rule_name="identity", add_dummy_prefix=True,
            remove_extra_whitespaces=False, allow_whitespace_only_pieces=True, split_by_unicode_script=True,
            unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2, seed_sentencepiece_size=100000)
        shutil.copyfile(prefix + ".model", os.path.join(directory, "tokenizer.model"))
    convert_llama(os.path.join(directory, "tokenizer.model"), directory)
    # Keep only what the Java tokenizer reads (and the .model for the slow-tokenizer check).
    for extra in ("special_tokens_map.json",):
        p = os.path.join(directory, extra)
        if os.path.exists(p):
            os.remove(p)


def convert_llama(model, directory):
    """tokenizer.json from a SentencePiece model by transformers' LlamaConverter (legacy, "▁" prepended),
    as Llama 2's and TinyLlama's tokenizer.json were made."""
    fast = LlamaTokenizerFast(vocab_file=model, legacy=True, add_prefix_space=True, add_bos_token=True,
                              add_eos_token=False, from_slow=True)
    fast.save_pretrained(directory)
    # add_prefix_space is a conversion setting: once in tokenizer.json, the config must not ask for it again.
    path = os.path.join(directory, "tokenizer_config.json")
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    config.pop("add_prefix_space", None)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")


SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def train_smollm_style(directory, sentences):
    """A small byte-level BPE with SmolLM2's pre-tokenizer, normalizer, decoder and chat tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    os.makedirs(directory, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<repo_name>", "<file_sep>"]
    trainer = trainers.BpeTrainer(vocab_size=3000, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(sentences + BPE_TRICKY, trainer)
    tok.save(os.path.join(directory, "tokenizer.json"))
    config = {
        "add_prefix_space": False, "bos_token": "<|im_start|>", "eos_token": "<|im_end|>",
        "unk_token": "<|endoftext|>", "pad_token": "<|im_end|>", "clean_up_tokenization_spaces": False,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "model_max_length": 8192,
        "tokenizer_class": "GPT2Tokenizer", "vocab_size": 3000,
        # SmolLM2-Instruct's chat template.
        "chat_template": SMOLLM2_CHAT_TEMPLATE,
    }
    with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")


def tiny_bpe(vocab, merges, **model):
    return {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
            "merges": merges, **model}


def byte_vocab(extra):
    from tokenizers import pre_tokenizers
    vocab = {c: i for i, c in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    for token in extra:
        vocab.setdefault(token, len(vocab))
    return vocab


def feature_tokenizers():
    """Tiny tokenizer.json files, each for one behaviour, with texts that show it."""
    bl = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    merges = ["a b", "ab c", "Ġ a", "Ġa b", "x x", "xx x", "x x"]
    vocab = byte_vocab(["ab", "abc", "Ġa", "Ġab", "xx", "xxx", "abcd", "Ġabcd"])

    def tokenizer(model, added=(), pre=bl, normalizer=None, decoder=None):
        return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": list(added),
                "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": None,
                "decoder": decoder or {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                                       "use_regex": True},
                "model": model}

    def added(id_, content, special, lstrip=False, rstrip=False, normalized=False):
        return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": rstrip,
                "normalized": normalized, "special": special}

    n = len(vocab)
    texts = ["abcd abcd", "abc", " abcd", "xxxx xxxxx", "ab abc abcd", "<ctl> hi <ctl>", " <ctl> ", "a<ctl>b",
             "<word>", "x <word> y", "<norm>", "<NORM>", "é", "abcdé", "zzz", "a b  c", "xx<ctl>xx<word>",
             "<ctl><ctl>", "\t<ctl>\t", "q\u00a0<ctl>\u00a0q"]
    added_tokens = [added(n, "<ctl>", True, lstrip=True, rstrip=True), added(n + 1, "<word>", False, rstrip=True),
                    added(n + 2, "<norm>", False, normalized=True)]
    return {
        "ignore-merges": (tokenizer(tiny_bpe(vocab, merges, ignore_merges=True), added_tokens), texts),
        "repeated-merges": (tokenizer(tiny_bpe(vocab, merges), added_tokens), texts),
        "split-removed": (tokenizer(tiny_bpe(vocab, merges), added_tokens, pre={
            "type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"String": "b"}, "behavior": "Removed", "invert": False},
                {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": False}]},
            normalizer={"type": "NFC"}), texts),
        "unk-no-fallback": (tokenizer(tiny_bpe({"<unk>": 0, "a": 1, "b": 2, "ab": 3, "▁": 4, "▁a": 5},
                                               ["a b", "▁ a"], unk_token="<unk>", fuse_unk=True),
                                      [added(0, "<unk>", True)], pre=None,
                                      normalizer={"type": "Sequence", "normalizers": [
                                          {"type": "Prepend", "prepend": "▁"},
                                          {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
                                      decoder={"type": "Sequence", "decoders": [
                                          {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                          {"type": "ByteFallback"}, {"type": "Fuse"},
                                          {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}),
                            ["ab", "a b", "abc", "cab", "ccc ab", "c c", "é", "a\u00a0b", "<unk>", "aXYZb", ""]),
        "unk-no-fuse": (tokenizer(tiny_bpe({"<unk>": 0, "a": 1, "b": 2, "ab": 3}, ["a b"], unk_token="<unk>"),
                                  [added(0, "<unk>", True)], pre=None,
                                  decoder={"type": "Fuse"}),
                        ["ab", "abc", "cab", "ccc ab", "cc", "aXYZb"]),
    }


def write_family(name, directory, out, commit, slow_kind, llama_cpp, llama_cpp_name, texts, summary):
    tok = load_fast(directory)
    rows = encode_rows(tok, texts)
    write_jsonl_gz(os.path.join(out, name, "encode.jsonl.gz"), rows)
    write_jsonl_gz(os.path.join(out, name, "decode.jsonl.gz"), decode_rows(tok, 400, 7))
    if commit:
        gzip_copy(os.path.join(directory, "tokenizer.json"), os.path.join(out, name, "tokenizer.json.gz"))
        shutil.copyfile(os.path.join(directory, "tokenizer_config.json"),
                        os.path.join(out, name, "tokenizer_config.json"))
    line = f"{name}: {len(rows) - 1} texts"
    if slow_kind:
        check = slow_check(slow_kind, directory, rows)
        if check:
            agree, differ, examples = check
            line += f"; slow {slow_kind} tokenizer agrees on {agree}, differs on {differ}"
            for text, slow_ids, fast_ids in examples:
                print(f"  slow differs: {text!r}: slow {slow_ids[:12]} fast {fast_ids[:12]}")
    if llama_cpp and llama_cpp_name:
        check = llama_cpp_check(tok, llama_cpp, llama_cpp_name, out)
        if check:
            line += f"; llama.cpp {llama_cpp_name}: {check[0]} of {check[1]} agree"
    summary.append(line)
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", required=True)
    parser.add_argument("--llama-cpp")
    parser.add_argument("--out", default=os.path.join(RESOURCES, "hf"))
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    print(f"tokenizers {tokenizers.__version__}, transformers {transformers.__version__}")
    texts = texts_for_reference()
    summary = []
    llama2_model = os.path.join(args.models, "llama2", "tokenizer.model")
    if os.path.exists(llama2_model) and not os.path.exists(os.path.join(args.models, "llama2", "tokenizer.json")):
        convert_llama(llama2_model, os.path.join(args.models, "llama2"))
    for name, (sub, commit, slow_kind, cpp) in REAL_FAMILIES.items():
        if args.only and name not in args.only:
            continue
        directory = os.path.join(args.models, sub)
        if not os.path.exists(os.path.join(directory, "tokenizer.json")):
            print(f"skipping {name}: {directory}/tokenizer.json is missing")
            continue
        write_family(name, directory, args.out, commit, slow_kind, args.llama_cpp, cpp, texts, summary)
    sentences = corpus_sentences()
    for name, train in (("llama-style", train_llama_style), ("smollm-style", train_smollm_style)):
        if args.only and name not in args.only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            train(tmp, sentences)
            write_family(name, tmp, args.out, True, "llama" if name == "llama-style" else None, None, None,
                         texts, summary)
    if not args.only or "features" in args.only:
        for name, (spec, feature_texts) in feature_tokenizers().items():
            directory = os.path.join(args.out, "features", name)
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(spec, f, ensure_ascii=False, indent=1)
            tokenizers.Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
            tok = transformers.PreTrainedTokenizerFast(tokenizer_file=os.path.join(directory, "tokenizer.json"))
            write_jsonl_gz(os.path.join(directory, "encode.jsonl.gz"), encode_rows(tok, feature_texts))
    print("\n".join(summary))


if __name__ == "__main__":
    main()
