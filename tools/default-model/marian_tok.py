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
        pieces = []
        for i in ids:
            i = int(i)
            if skip_special_tokens and i in self.special:
                if i == self.unk_id:
                    pieces.append("<unk>")  # HF keeps <unk> text only when not skipping; mimic skip
                    pieces.pop()
                continue
            pieces.append(self.inv.get(i, "<unk>"))
        return self.tgt.decode_pieces(pieces)
