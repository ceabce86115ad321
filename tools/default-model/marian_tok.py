#!/usr/bin/python3
"""MarianTokenizer-compatible encode/decode (HF transformers semantics, separate_vocabs=false).

encode(text)  = source.spm pieces -> vocab.json ids (unknown piece -> <unk>) + </s>
decode(ids)   = ids -> pieces (special tokens dropped) -> target.spm decode
target_ids(t) = target.spm pieces -> vocab ids + </s>   (labels for training)
"""
import json
import os

import sentencepiece as spm


class MarianTok:
    def __init__(self, model_dir):
        self.src = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, "source.spm"))
        self.tgt = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, "target.spm"))
        with open(os.path.join(model_dir, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        self.inv = {i: p for p, i in self.vocab.items()}
        self.eos_id = self.vocab["</s>"]
        self.unk_id = self.vocab["<unk>"]
        self.pad_id = self.vocab["<pad>"]
        self.special = {self.eos_id, self.unk_id, self.pad_id}

    def __len__(self):
        return len(self.vocab)

    def _ids(self, pieces):
        return [self.vocab.get(p, self.unk_id) for p in pieces] + [self.eos_id]

    def encode(self, text):
        return self._ids(self.src.encode(text, out_type=str))

    def target_ids(self, text):
        return self._ids(self.tgt.encode(text, out_type=str))

    def decode(self, ids, skip_special_tokens=True):
        """Like MarianTokenizer.decode (transformers 4.37): drop special ids, decode runs of
        pieces with the target spm, keep special tokens verbatim, then '▁' -> ' ' and strip."""
        out, run = "", []
        for i in ids:
            i = int(i)
            if i in self.special:
                if skip_special_tokens:
                    continue
                out += self.tgt.decode_pieces(run) + self.inv[i] + " "
                run = []
                continue
            run.append(self.inv.get(i, "<unk>"))
        out += self.tgt.decode_pieces(run)
        return out.replace("\u2581", " ").strip()
