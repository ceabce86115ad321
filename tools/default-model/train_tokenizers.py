#!/usr/bin/python3
"""Train Marian/opus-mt style tokenizers on the training split.

source.spm (English) and target.spm (Spanish): SentencePiece unigram, default nmt_nfkc normalisation.
vocab.json: joint vocabulary like MarianTokenizer's: "</s>"=0, "<unk>"=1, then the pieces of
source.spm followed by the new pieces of target.spm (control/unknown symbols skipped,
deduplicated, in model order), "<pad>" = last id.
tokenizer_config.json: opus-mt style.

usage: /usr/bin/python3 tools/default-model/train_tokenizers.py [--corpus DIR] [--out DIR]
       [--src-vocab 6000] [--tgt-vocab 6000]
"""
import argparse
import json
import os

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))


def train_spm(inp, prefix, size):
    spm.SentencePieceTrainer.train(
        input=inp, model_prefix=prefix, vocab_size=size, model_type="unigram",
        normalization_rule_name="nmt_nfkc", character_coverage=1.0,
        num_threads=1, seed_sentencepiece_size=1000000, input_sentence_size=0,
        shuffle_input_sentence=False, minloglevel=1)
    os.replace(prefix + ".model", prefix + ".spm")
    os.remove(prefix + ".vocab")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(HERE, "work", "corpus"))
    ap.add_argument("--out", default=os.path.join(HERE, "work", "tok"))
    ap.add_argument("--src-vocab", type=int, default=6000)
    ap.add_argument("--tgt-vocab", type=int, default=6000)
    ap.add_argument("--max-len", type=int, default=256)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    train_spm(os.path.join(a.corpus, "train.en"), os.path.join(a.out, "source"), a.src_vocab)
    train_spm(os.path.join(a.corpus, "train.es"), os.path.join(a.out, "target"), a.tgt_vocab)

    vocab = {"</s>": 0, "<unk>": 1}
    for side in ("source", "target"):
        sp = spm.SentencePieceProcessor(model_file=os.path.join(a.out, side + ".spm"))
        for i in range(sp.get_piece_size()):
            if sp.is_control(i) or sp.is_unknown(i):
                continue
            p = sp.id_to_piece(i)
            if p not in vocab:
                vocab[p] = len(vocab)
    vocab["<pad>"] = len(vocab)
    with open(os.path.join(a.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=2)
        f.write("\n")
    tc = {
        # explicit: no HF English-oriented "clean-up" (" ." -> ".", " 's" -> "'s") after decoding
        "clean_up_tokenization_spaces": False,
        "eos_token": "</s>", "model_max_length": a.max_len, "pad_token": "<pad>",
        "separate_vocabs": False, "source_lang": "en", "sp_model_kwargs": {},
        "target_lang": "es", "tokenizer_class": "MarianTokenizer", "unk_token": "<unk>",
    }
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2)
        f.write("\n")
    print(f"joint vocab: {len(vocab)} (pad id {vocab['<pad>']})")


if __name__ == "__main__":
    main()
