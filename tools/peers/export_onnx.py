#!/usr/bin/python3
"""Export a Marian model directory to ONNX the way Hugging Face Optimum lays it out for ORTModelForSeq2SeqLM.

usage: /usr/bin/python3 tools/peers/export_onnx.py MODEL_DIR OUT_DIR [--opset 17]

Writes to OUT_DIR:
  encoder_model.onnx            input_ids, attention_mask -> last_hidden_state
  decoder_model.onnx            encoder_attention_mask, input_ids, encoder_hidden_states
                                -> logits, present.{i}.decoder.{key,value}, present.{i}.encoder.{key,value}
  decoder_with_past_model.onnx  encoder_attention_mask, input_ids, past_key_values.{i}.{decoder,encoder}.{key,value}
                                -> logits, present.{i}.decoder.{key,value}
  config.json, generation_config.json (copied)

The graphs come from tools/torch_marian.py, the plain-PyTorch MarianMTModel that tools/check_torch_marian.py
checks against transformers' own outputs; onnx-bench's `check` command then compares ONNX Runtime's logits and
greedy tokens with the fixture's reference (transformers 4.37.2). Weights are exported in fp32 whatever the file
holds (ONNX Runtime's CPU provider computes Marian in fp32).
"""
import argparse
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch_marian as tm  # noqa: E402


def _layer_kv(attn, x):
    return attn._shape(attn.k_proj(x)), attn._shape(attn.v_proj(x))


def _attend(attn, x, k, v, mask):
    """MarianAttention over given [B, H, S, hd] keys/values (the op order of torch_marian)."""
    b, t, _ = x.shape
    q = attn.q_proj(x) * attn.scaling
    bh = b * attn.h
    q = attn._shape(q).view(bh, t, attn.hd)
    s = k.shape[2]
    w = torch.bmm(q, k.reshape(bh, s, attn.hd).transpose(1, 2))
    w = (w.view(b, attn.h, t, s) + mask).view(bh, t, s)
    w = torch.softmax(w, dim=-1)
    o = torch.bmm(w, v.reshape(bh, s, attn.hd)).view(b, attn.h, t, attn.hd).transpose(1, 2).reshape(b, t, attn.d)
    return attn.out_proj(o)


def _encoder_mask(attention_mask, dtype):
    keep = attention_mask[:, None, None, :].to(torch.bool)
    return torch.zeros(keep.shape, dtype=dtype).masked_fill(~keep, torch.finfo(dtype).min)


class Encoder(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.encode(input_ids, attention_mask)


class Decoder(torch.nn.Module):
    """One decoder pass over new tokens at positions past..past+t, with the cached keys/values of the past."""

    def __init__(self, m, with_past):
        super().__init__()
        self.m = m
        self.with_past = with_past

    def forward(self, encoder_attention_mask, input_ids, *rest):
        m = self.m
        layers = m.model.decoder.layers
        if self.with_past:
            past = rest
            enc = None
            past_len = past[0].shape[2]
        else:
            (enc,) = rest
            past = None
            past_len = 0
        x = torch.nn.functional.embedding(input_ids, m._dec_tokens()) * m.embed_scale
        pos = m.dec_pos if m.dec_pos is not None else m._pos
        t = input_ids.shape[1]
        x = x + pos[past_len:past_len + t].to(x.dtype)
        dt = x.dtype
        neg = torch.finfo(dt).min
        s = past_len + t
        idx_q = torch.arange(t)[:, None] + past_len
        idx_k = torch.arange(s)[None, :]
        self_mask = torch.zeros(t, s, dtype=dt).masked_fill(idx_k > idx_q, neg)[None, None]
        enc_mask = _encoder_mask(encoder_attention_mask, dt)
        presents = []
        for i, layer in enumerate(layers):
            k_new, v_new = _layer_kv(layer.self_attn, x)
            if past is not None:
                k = torch.cat([past[4 * i], k_new], dim=2)
                v = torch.cat([past[4 * i + 1], v_new], dim=2)
                ek, ev = past[4 * i + 2], past[4 * i + 3]
            else:
                k, v = k_new, v_new
                ek, ev = _layer_kv(layer.encoder_attn, enc)
            r = x
            x = layer.self_attn_layer_norm(r + _attend(layer.self_attn, x, k, v, self_mask))
            r = x
            x = layer.encoder_attn_layer_norm(r + _attend(layer.encoder_attn, x, ek, ev, enc_mask))
            r = x
            x = layer.final_layer_norm(r + layer.fc2(layer.act(layer.fc1(x))))
            presents += [k, v] if past is not None else [k, v, ek, ev]
        return (m.logits(x), *presents)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--opset", type=int, default=17)
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    model = tm.load(a.model_dir, torch.float32)
    cfg = model.config
    n = cfg.decoder_layers
    heads = cfg.decoder_attention_heads
    hd = cfg.d_model // heads
    os.makedirs(a.out_dir, exist_ok=True)
    for f in ("config.json", "generation_config.json"):
        if os.path.exists(os.path.join(a.model_dir, f)):
            shutil.copy(os.path.join(a.model_dir, f), os.path.join(a.out_dir, f))

    b, s = 2, 5
    ids = torch.full((b, s), 3, dtype=torch.long)
    mask = torch.ones(b, s, dtype=torch.long)
    with torch.no_grad():
        enc = model.encode(ids, mask)
    torch.onnx.export(Encoder(model), (ids, mask), os.path.join(a.out_dir, "encoder_model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "src"}, "attention_mask": {0: "batch", 1: "src"},
                                    "last_hidden_state": {0: "batch", 1: "src"}},
                      opset_version=a.opset, do_constant_folding=True)
    print("wrote encoder_model.onnx", flush=True)

    kinds = [("decoder", "key"), ("decoder", "value"), ("encoder", "key"), ("encoder", "value")]
    present_all = [f"present.{i}.{k}.{w}" for i in range(n) for k, w in kinds]
    dyn = {"encoder_attention_mask": {0: "batch", 1: "src"}, "input_ids": {0: "batch", 1: "tgt"},
           "encoder_hidden_states": {0: "batch", 1: "src"}, "logits": {0: "batch", 1: "tgt"}}
    for name in present_all:
        dyn[name] = {0: "batch", 2: "src" if ".encoder." in name else "tgt"}
    dec_ids = torch.full((b, 1), cfg.decoder_start_token_id, dtype=torch.long)
    torch.onnx.export(Decoder(model, False), (mask, dec_ids, enc), os.path.join(a.out_dir, "decoder_model.onnx"),
                      input_names=["encoder_attention_mask", "input_ids", "encoder_hidden_states"],
                      output_names=["logits"] + present_all, dynamic_axes=dyn, opset_version=a.opset,
                      do_constant_folding=True)
    print("wrote decoder_model.onnx", flush=True)

    past_len = 3
    past = []
    for i in range(n):
        past += [torch.zeros(b, heads, past_len, hd), torch.zeros(b, heads, past_len, hd),
                 torch.zeros(b, heads, s, hd), torch.zeros(b, heads, s, hd)]
    past_names = [f"past_key_values.{i}.{k}.{w}" for i in range(n) for k, w in kinds]
    present_self = [f"present.{i}.decoder.{w}" for i in range(n) for w in ("key", "value")]
    dyn = {"encoder_attention_mask": {0: "batch", 1: "src"}, "input_ids": {0: "batch", 1: "tgt"},
           "logits": {0: "batch", 1: "tgt"}}
    for name in past_names:
        dyn[name] = {0: "batch", 2: "src" if ".encoder." in name else "past"}
    for name in present_self:
        dyn[name] = {0: "batch", 2: "past_plus_tgt"}
    torch.onnx.export(Decoder(model, True), (mask, dec_ids, *past),
                      os.path.join(a.out_dir, "decoder_with_past_model.onnx"),
                      input_names=["encoder_attention_mask", "input_ids"] + past_names,
                      output_names=["logits"] + present_self, dynamic_axes=dyn, opset_version=a.opset,
                      do_constant_folding=True)
    print("wrote decoder_with_past_model.onnx", flush=True)


if __name__ == "__main__":
    main()
