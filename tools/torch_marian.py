#!/usr/bin/env python3
"""Plain-PyTorch implementation of Hugging Face's MarianMTModel (transformers 4.37 semantics).

No dependency on the `transformers` library: this file reads and writes HF checkpoints
(config.json, generation_config.json, model.safetensors with HF's tensor names) itself.

What it reproduces (eager attention, post-LN Marian):
  * shared embedding `model.shared.weight`, tied to encoder/decoder embed_tokens and lm_head
    (separate `model.encoder.embed_tokens.weight`, `model.decoder.embed_tokens.weight`,
    `lm_head.weight`, `model.{encoder,decoder}.embed_positions.weight` are used if present);
  * embeddings scaled by sqrt(d_model) when `scale_embedding`;
  * MarianSinusoidalPositionalEmbedding: out[:, :d/2] = sin(pos / 10000^(2*(j//2)/d)) for even j,
    out[:, d/2:] = cos(...) for odd j;  positions start at past_key_values_length;
  * post-LN layers: x = LN(x + SelfAttn(x)); [decoder: x = LN(x + CrossAttn(x, enc))];
    x = LN(x + fc2(act(fc1(x)))); no layernorm_embedding and no final layer norm;
  * q scaled by head_dim**-0.5, additive masks with finfo.min, LayerNorm eps 1e-5;
  * lm_logits = hidden @ E^T + final_logits_bias.

Public API:
  load(model_dir, dtype=torch.float32) -> MarianMTModel
  forward(model, input_ids, attention_mask, decoder_input_ids) -> logits   (also model(...))
  generate(model, input_ids, attention_mask=None, **overrides) -> LongTensor [B, L]
        greedy (num_beams=1) or beam search (num_beams>1) with KV cache, HF semantics for
        decoder_start_token_id, eos_token_id, pad_token_id, bad_words_ids, forced_eos_token_id,
        max_length / max_new_tokens, min_length, length_penalty, early_stopping.
  save(model, out_dir, dtype=torch.float32, generation_config=None)
  read_safetensors(path) / write_safetensors(path, tensors, metadata=None)
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "MarianConfig", "MarianMTModel", "load", "save", "forward", "generate",
    "read_safetensors", "write_safetensors", "sinusoidal_positions", "DEFAULT_GENERATION",
]

# --------------------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------------------
_ST_DTYPES = {
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "F64": (torch.float64, 8),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "I16": (torch.int16, 2),
    "I8": (torch.int8, 1),
    "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}
_TORCH_TO_ST = {v[0]: k for k, v in _ST_DTYPES.items()}


def read_safetensors(path):
    """Return (OrderedDict name -> tensor, metadata dict). Little-endian host assumed."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    buf = bytearray(data)  # writable buffer (torch.frombuffer warns on read-only ones)
    for name, info in header.items():
        dtype, size = _ST_DTYPES[info["dtype"]]
        start, end = info["data_offsets"]
        shape = info["shape"]
        count = end - start
        numel = 1
        for s in shape:
            numel *= s
        if count != numel * size:
            raise ValueError(f"{name}: data_offsets size {count} != {numel}*{size}")
        if numel == 0:
            t = torch.empty(shape, dtype=dtype)
        elif dtype == torch.bool:
            t = torch.frombuffer(buf, dtype=torch.uint8, count=numel, offset=base + start).to(torch.bool)
        else:
            t = torch.frombuffer(buf, dtype=dtype, count=numel, offset=base + start)
        out[name] = t.reshape(shape).clone()
    return out, meta


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.bool:
        return t.to(torch.uint8).numpy().tobytes()
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Write name -> tensor mapping (names sorted, like safetensors' serializer)."""
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _TORCH_TO_ST:
            raise ValueError(f"unsupported dtype {t.dtype} for {name}")
        b = _tensor_bytes(t)
        header[name] = {"dtype": _TORCH_TO_ST[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)  # pad header to 8-byte alignment with spaces
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------
# config
# --------------------------------------------------------------------------------------
# HF MarianConfig defaults (transformers 4.37)
_CONFIG_DEFAULTS = dict(
    vocab_size=58101, decoder_vocab_size=None, max_position_embeddings=1024,
    encoder_layers=12, encoder_ffn_dim=4096, encoder_attention_heads=16,
    decoder_layers=12, decoder_ffn_dim=4096, decoder_attention_heads=16,
    encoder_layerdrop=0.0, decoder_layerdrop=0.0, use_cache=True, is_encoder_decoder=True,
    activation_function="gelu", d_model=1024, dropout=0.1, attention_dropout=0.0,
    activation_dropout=0.0, init_std=0.02, decoder_start_token_id=58100, scale_embedding=False,
    pad_token_id=58100, eos_token_id=0, forced_eos_token_id=0,
    share_encoder_decoder_embeddings=True, tie_word_embeddings=True,
)

# generation settings HF uses when neither generation_config.json nor the call sets them
DEFAULT_GENERATION = dict(
    max_length=20, max_new_tokens=None, min_length=0, num_beams=1, length_penalty=1.0,
    early_stopping=False, bad_words_ids=None, forced_eos_token_id=None, eos_token_id=None,
    pad_token_id=None, decoder_start_token_id=None, num_return_sequences=1,
)


class MarianConfig(dict):
    """A dict (exactly what config.json holds) with attribute access and HF defaults."""

    def __getattr__(self, k):
        if k in self:
            return self[k]
        if k in _CONFIG_DEFAULTS:
            return _CONFIG_DEFAULTS[k]
        raise AttributeError(k)

    @property
    def dec_vocab(self):
        return self.get("decoder_vocab_size") or self.vocab_size


# --------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------
def sinusoidal_positions(n_pos, dim):
    """MarianSinusoidalPositionalEmbedding._init_weight (computed in float64 like numpy)."""
    pos = torch.arange(n_pos, dtype=torch.float64)[:, None]
    j = torch.arange(dim, dtype=torch.float64)[None, :]
    enc = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64), 2 * torch.div(j, 2, rounding_mode="floor") / dim)
    out = torch.zeros(n_pos, dim, dtype=torch.float32)
    sentinel = dim // 2 if dim % 2 == 0 else dim // 2 + 1
    out[:, :sentinel] = torch.sin(enc[:, 0::2]).float()
    out[:, sentinel:] = torch.cos(enc[:, 1::2]).float()
    return out


def _activation(name):
    name = name.lower()
    if name in ("swish", "silu"):
        return F.silu
    if name == "relu":
        return F.relu
    if name == "gelu":
        return F.gelu
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "tanh":
        return torch.tanh
    if name == "sigmoid":
        return torch.sigmoid
    raise ValueError(f"unsupported activation_function {name!r}")


class MarianAttention(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        if d % heads:
            raise ValueError("d_model must be divisible by the number of heads")
        self.d, self.h, self.hd = d, heads, d // heads
        self.scaling = self.hd ** -0.5
        self.dropout = dropout
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def _shape(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.hd).transpose(1, 2).contiguous()  # [B, H, T, hd]

    def forward(self, x, kv=None, mask=None, cache=None, static_kv=False):
        """x: [B, T, D]. kv: key/value source for cross-attention (None = self-attention).
        mask: additive float mask broadcastable to [B, H, T, S].
        cache: dict for incremental decoding (keys 'k','v'); updated in place.
        The op sequence mirrors HF's eager MarianAttention (bmm over B*H) so that results
        agree bit for bit where the same BLAS is used."""
        b, t, _ = x.shape
        q = self.q_proj(x) * self.scaling
        if static_kv and cache is not None and "k" in cache:
            k, v = cache["k"], cache["v"]
        else:
            src = x if kv is None else kv
            k = self._shape(self.k_proj(src))
            v = self._shape(self.v_proj(src))
            if cache is not None:
                if not static_kv and "k" in cache:
                    k = torch.cat([cache["k"], k], dim=2)
                    v = torch.cat([cache["v"], v], dim=2)
                cache["k"], cache["v"] = k, v
        bh = b * self.h
        q = self._shape(q).view(bh, t, self.hd)
        s = k.shape[2]
        k2 = k.reshape(bh, s, self.hd)
        v2 = v.reshape(bh, s, self.hd)
        w = torch.bmm(q, k2.transpose(1, 2))
        if mask is not None:
            w = (w.view(b, self.h, t, s) + mask).view(bh, t, s)
        w = torch.softmax(w, dim=-1)
        if self.dropout and self.training:
            w = F.dropout(w, p=self.dropout, training=True)
        o = torch.bmm(w, v2).view(b, self.h, t, self.hd).transpose(1, 2).reshape(b, t, self.d)
        return self.out_proj(o)


class MarianEncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.d_model
        self.self_attn = MarianAttention(d, cfg.encoder_attention_heads, cfg.attention_dropout)
        self.self_attn_layer_norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, cfg.encoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_dim, d)
        self.final_layer_norm = nn.LayerNorm(d)
        self.act = _activation(cfg.activation_function)
        self.dropout, self.act_dropout = cfg.dropout, cfg.activation_dropout

    def forward(self, x, mask):
        r = x
        x = self.self_attn(x, mask=mask)
        x = F.dropout(x, self.dropout, self.training)
        x = self.self_attn_layer_norm(r + x)
        r = x
        x = self.act(self.fc1(x))
        x = F.dropout(x, self.act_dropout, self.training)
        x = self.fc2(x)
        x = F.dropout(x, self.dropout, self.training)
        x = self.final_layer_norm(r + x)
        if x.dtype == torch.float16 and (torch.isinf(x).any() or torch.isnan(x).any()):
            c = torch.finfo(x.dtype).max - 1000
            x = torch.clamp(x, min=-c, max=c)
        return x


class MarianDecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.d_model
        self.self_attn = MarianAttention(d, cfg.decoder_attention_heads, cfg.attention_dropout)
        self.self_attn_layer_norm = nn.LayerNorm(d)
        self.encoder_attn = MarianAttention(d, cfg.decoder_attention_heads, cfg.attention_dropout)
        self.encoder_attn_layer_norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, cfg.decoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.decoder_ffn_dim, d)
        self.final_layer_norm = nn.LayerNorm(d)
        self.act = _activation(cfg.activation_function)
        self.dropout, self.act_dropout = cfg.dropout, cfg.activation_dropout

    def forward(self, x, self_mask, enc, enc_mask, cache=None):
        r = x
        x = self.self_attn(x, mask=self_mask, cache=None if cache is None else cache["self"])
        x = F.dropout(x, self.dropout, self.training)
        x = self.self_attn_layer_norm(r + x)
        r = x
        x = self.encoder_attn(x, kv=enc, mask=enc_mask,
                              cache=None if cache is None else cache["cross"], static_kv=True)
        x = F.dropout(x, self.dropout, self.training)
        x = self.encoder_attn_layer_norm(r + x)
        r = x
        x = self.act(self.fc1(x))
        x = F.dropout(x, self.act_dropout, self.training)
        x = self.fc2(x)
        x = F.dropout(x, self.dropout, self.training)
        x = self.final_layer_norm(r + x)
        return x


class _Stack(nn.Module):
    """Holds `layers` (and optionally its own embed_tokens / embed_positions) like HF's."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)


class _Inner(nn.Module):  # HF MarianModel: `model.` prefix
    def __init__(self, cfg):
        super().__init__()
        self.shared = nn.Embedding(cfg.vocab_size, cfg.d_model, padding_idx=cfg.pad_token_id)
        self.encoder = _Stack([MarianEncoderLayer(cfg) for _ in range(cfg.encoder_layers)])
        self.decoder = _Stack([MarianDecoderLayer(cfg) for _ in range(cfg.decoder_layers)])


def _additive_mask(keep, dtype):
    """keep: bool [B, S] (True = attend) -> additive [B, 1, 1, S] with finfo.min where masked."""
    m = torch.zeros(keep.shape, dtype=dtype, device=keep.device)
    m = m.masked_fill(~keep, torch.finfo(dtype).min)
    return m[:, None, None, :]


class MarianMTModel(nn.Module):
    def __init__(self, config, generation_config=None):
        super().__init__()
        cfg = config if isinstance(config, MarianConfig) else MarianConfig(config)
        if cfg.get("normalize_before", False):
            raise ValueError("normalize_before=True (pre-LN) is not Marian's architecture")
        if cfg.get("add_final_layer_norm", False) or cfg.get("layernorm_embedding", False):
            raise ValueError("Marian has no final/embedding layer norm")
        self.config = cfg
        self.generation_config = dict(generation_config or {})
        self.model = _Inner(cfg)
        self.embed_scale = math.sqrt(cfg.d_model) if cfg.scale_embedding else 1.0
        self.register_buffer("final_logits_bias", torch.zeros(1, cfg.dec_vocab))
        # static sinusoidal positions (not parameters; HF does not save them)
        self.register_buffer("_pos", sinusoidal_positions(cfg.max_position_embeddings, cfg.d_model),
                             persistent=False)
        # optional untied tensors (only created when a checkpoint provides them)
        self.enc_embed = None
        self.dec_embed = None
        self.lm_head_weight = None
        self.enc_pos = None
        self.dec_pos = None

    # ---- embeddings -------------------------------------------------------------------
    def _enc_tokens(self):
        return self.enc_embed if self.enc_embed is not None else self.model.shared.weight

    def _dec_tokens(self):
        return self.dec_embed if self.dec_embed is not None else self.model.shared.weight

    def _lm_head(self):
        if self.lm_head_weight is not None:
            return self.lm_head_weight
        return self._dec_tokens()

    def init_weights(self, std=None, seed=None):
        """HF-style init: normal(0, init_std) for Linear/Embedding, zero bias, pad row zero."""
        if seed is not None:
            torch.manual_seed(seed)
        std = self.config.init_std if std is None else std
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, std)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, 0.0, std)
                if m.padding_idx is not None:
                    with torch.no_grad():
                        m.weight[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        self.final_logits_bias.zero_()
        return self

    # ---- encoder / decoder ------------------------------------------------------------
    def encode(self, input_ids, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        x = F.embedding(input_ids, self._enc_tokens()) * self.embed_scale
        pos = self.enc_pos if self.enc_pos is not None else self._pos
        t = input_ids.shape[1]
        x = x + pos[:t].to(x.dtype)
        x = F.dropout(x, self.config.dropout, self.training)
        mask = _additive_mask(attention_mask.bool(), x.dtype)
        for layer in self.model.encoder.layers:
            x = layer(x, mask)
        return x

    def decode(self, decoder_input_ids, enc, enc_attention_mask=None, decoder_attention_mask=None,
               cache=None, past_len=0):
        """Returns decoder hidden states [B, T, D]. With `cache` (list of per-layer dicts),
        past self-attention K/V and the cross-attention K/V are kept between calls."""
        b, t = decoder_input_ids.shape
        x = F.embedding(decoder_input_ids, self._dec_tokens()) * self.embed_scale
        pos = self.dec_pos if self.dec_pos is not None else self._pos
        x = x + pos[past_len:past_len + t].to(x.dtype)
        x = F.dropout(x, self.config.dropout, self.training)
        dt = x.dtype
        neg = torch.finfo(dt).min
        # causal mask over (past + current) keys
        s = past_len + t
        causal = torch.zeros(t, s, dtype=dt, device=x.device)
        if t > 1:
            future = torch.ones(t, s, dtype=torch.bool, device=x.device).triu(past_len + 1)
            causal = causal.masked_fill(future, neg)
        self_mask = causal[None, None]
        if decoder_attention_mask is not None:
            self_mask = self_mask + _additive_mask(decoder_attention_mask.bool(), dt)
            self_mask = self_mask.clamp(min=neg)
        enc_mask = None
        if enc_attention_mask is not None:
            enc_mask = _additive_mask(enc_attention_mask.bool(), dt)
        for i, layer in enumerate(self.model.decoder.layers):
            x = layer(x, self_mask, enc, enc_mask, None if cache is None else cache[i])
        return x

    def logits(self, hidden):
        return F.linear(hidden, self._lm_head()) + self.final_logits_bias.to(hidden.dtype)

    def forward(self, input_ids, attention_mask=None, decoder_input_ids=None, decoder_attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        enc = self.encode(input_ids, attention_mask)
        h = self.decode(decoder_input_ids, enc, attention_mask, decoder_attention_mask)
        return self.logits(h)

    # ---- checkpoint I/O ---------------------------------------------------------------
    def hf_state_dict(self, dtype=None):
        """Tensors under HF's names (tied/static tensors omitted, as save_pretrained does)."""
        sd = {}
        for k, v in self.state_dict().items():
            if k.startswith("_pos"):
                continue
            sd[k] = v
        for name, t in (("model.encoder.embed_tokens.weight", self.enc_embed),
                        ("model.decoder.embed_tokens.weight", self.dec_embed),
                        ("lm_head.weight", self.lm_head_weight),
                        ("model.encoder.embed_positions.weight", self.enc_pos),
                        ("model.decoder.embed_positions.weight", self.dec_pos)):
            if t is not None:
                sd[name] = t
        for k in [k for k in sd if k in ("enc_embed", "dec_embed", "lm_head_weight", "enc_pos", "dec_pos")]:
            del sd[k]
        if dtype is not None:
            sd = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items()}
        return sd

    def load_hf_state_dict(self, tensors, strict=True):
        tensors = dict(tensors)
        dt = self.model.shared.weight.dtype
        opt = {}
        for name in ("model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight",
                     "lm_head.weight", "model.encoder.embed_positions.weight",
                     "model.decoder.embed_positions.weight"):
            if name in tensors:
                opt[name] = tensors.pop(name).to(dt)
        if "model.shared.weight" not in tensors:
            # checkpoints with unshared embeddings may lack `shared`; fall back to encoder's
            src = opt.get("model.encoder.embed_tokens.weight", opt.get("model.decoder.embed_tokens.weight"))
            if src is None:
                raise KeyError("model.shared.weight missing")
            tensors["model.shared.weight"] = src
        shared = tensors["model.shared.weight"]
        if "final_logits_bias" not in tensors:
            tensors["final_logits_bias"] = torch.zeros(1, self.config.dec_vocab)
        own = self.state_dict()
        missing = [k for k in own if k not in tensors and not k.startswith("_pos")]
        unexpected = [k for k in tensors if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"missing={missing} unexpected={unexpected}")
        self.load_state_dict({k: v.to(own[k].dtype) for k, v in tensors.items() if k in own},
                             strict=False)

        def differs(t):
            return t is not None and not (t.shape == shared.shape and torch.equal(t.to(shared.dtype), shared))

        e = opt.get("model.encoder.embed_tokens.weight")
        d = opt.get("model.decoder.embed_tokens.weight")
        h = opt.get("lm_head.weight")
        tie = self.config.get("tie_word_embeddings", True)
        if differs(e):
            self.enc_embed = nn.Parameter(e)
        if differs(d):
            self.dec_embed = nn.Parameter(d)
        if h is not None and (not tie or differs(h)) and not torch.equal(h, self._dec_tokens().detach()):
            self.lm_head_weight = nn.Parameter(h)
        if "model.encoder.embed_positions.weight" in opt:
            self.enc_pos = opt["model.encoder.embed_positions.weight"]
        if "model.decoder.embed_positions.weight" in opt:
            self.dec_pos = opt["model.decoder.embed_positions.weight"]
        return self


# --------------------------------------------------------------------------------------
# load / save
# --------------------------------------------------------------------------------------
def load(model_dir, dtype=torch.float32):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = MarianConfig(json.load(f))
    if cfg.get("model_type", "marian") != "marian":
        raise ValueError(f"model_type {cfg.get('model_type')!r} is not marian")
    gen = {}
    gp = os.path.join(model_dir, "generation_config.json")
    if os.path.exists(gp):
        with open(gp) as f:
            gen = json.load(f)
    model = MarianMTModel(cfg, gen)
    tensors, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    model.load_hf_state_dict({k: v.to(dtype) if v.is_floating_point() else v for k, v in tensors.items()})
    model.to(dtype)
    model.eval()
    return model


def save(model, out_dir, dtype=torch.float32, generation_config=None, extra_config=None):
    """Write config.json, generation_config.json and model.safetensors in HF's layout."""
    os.makedirs(out_dir, exist_ok=True)
    cfg = dict(model.config)
    cfg["torch_dtype"] = {torch.float32: "float32", torch.float16: "float16",
                          torch.bfloat16: "bfloat16"}[dtype]
    cfg.setdefault("transformers_version", "4.37.2")
    if extra_config:
        cfg.update(extra_config)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(dict(sorted(cfg.items())), f, indent=2)
        f.write("\n")
    gen = dict(generation_config if generation_config is not None else model.generation_config)
    if not gen:
        gen = {"_from_model_config": True}
        for k in ("bad_words_ids", "decoder_start_token_id", "eos_token_id",
                  "forced_eos_token_id", "pad_token_id"):
            if k in cfg:
                gen[k] = cfg[k]
    gen.setdefault("transformers_version", cfg["transformers_version"])
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(dict(sorted(gen.items())), f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out_dir, "model.safetensors"), model.hf_state_dict(dtype),
                      {"format": "pt"})


def forward(model, input_ids, attention_mask, decoder_input_ids):
    return model(input_ids, attention_mask, decoder_input_ids)


# --------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------
def _effective_generation(model, overrides):
    g = dict(DEFAULT_GENERATION)
    cfg = model.config
    for k in ("bad_words_ids", "decoder_start_token_id", "eos_token_id", "forced_eos_token_id",
              "pad_token_id", "max_length", "num_beams", "min_length", "length_penalty", "early_stopping"):
        if k in cfg and cfg[k] is not None:
            g[k] = cfg[k]
    if model.generation_config:
        # generation_config.json replaces the model-config derived values
        for k, v in model.generation_config.items():
            if k in g:
                g[k] = v
    for k, v in overrides.items():
        if v is not None or k == "max_new_tokens":
            g[k] = v
    if g["decoder_start_token_id"] is None:
        g["decoder_start_token_id"] = g["pad_token_id"]
    return g


def _process_scores(scores, cur_len, g, bad_single, min_len):
    """HF logits processors used by Marian: MinLength, NoBadWords (single-token), ForcedEOS."""
    eos = g["eos_token_id"]
    if min_len > 0 and cur_len < min_len and eos is not None:
        scores[:, eos] = -math.inf
    if bad_single:
        scores[:, bad_single] = -math.inf
    fe = g["forced_eos_token_id"]
    if fe is not None and cur_len == g["max_length"] - 1:
        scores.fill_(-math.inf)
        scores[:, fe] = 0.0
    return scores


def _bad_words(g):
    bad = g.get("bad_words_ids") or []
    eos = g["eos_token_id"]
    single = []
    for seq in bad:
        if len(seq) != 1:
            raise NotImplementedError("multi-token bad_words_ids are not supported")
        if seq != [eos]:  # HF drops [eos] from bad words
            single.append(seq[0])
    return single


@torch.no_grad()
def generate(model, input_ids, attention_mask=None, max_new_tokens=None, **overrides):
    """HF-compatible generate() for Marian. Returns LongTensor [B, L] of decoder ids starting with
    decoder_start_token_id; finished rows are padded with pad_token_id (like HF)."""
    was_training = model.training
    model.eval()
    try:
        g = _effective_generation(model, dict(overrides, max_new_tokens=max_new_tokens))
        if g["max_new_tokens"] is not None:
            g["max_length"] = 1 + g["max_new_tokens"]  # decoder prompt is one token
        if g.get("num_beams", 1) and g["num_beams"] > 1:
            return _beam_search(model, input_ids, attention_mask, g)
        return _greedy(model, input_ids, attention_mask, g)
    finally:
        model.train(was_training)


def _new_cache(model):
    return [{"self": {}, "cross": {}} for _ in model.model.decoder.layers]


def _greedy(model, input_ids, attention_mask, g):
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    b = input_ids.shape[0]
    enc = model.encode(input_ids, attention_mask)
    eos, pad = g["eos_token_id"], g["pad_token_id"]
    bad = _bad_words(g)
    seqs = torch.full((b, 1), g["decoder_start_token_id"], dtype=torch.long)
    unfinished = torch.ones(b, dtype=torch.bool)
    cache = _new_cache(model)
    cur_len = 1
    while cur_len < g["max_length"]:
        h = model.decode(seqs[:, -1:], enc, attention_mask, cache=cache, past_len=cur_len - 1)
        scores = model.logits(h[:, -1, :]).float()
        scores = _process_scores(scores, cur_len, g, bad, g.get("min_length") or 0)
        nxt = scores.argmax(dim=-1)
        if eos is not None:
            nxt = torch.where(unfinished, nxt, torch.full_like(nxt, pad))
        seqs = torch.cat([seqs, nxt[:, None]], dim=1)
        cur_len += 1
        if eos is not None:
            unfinished &= nxt != eos
            if not unfinished.any():
                break
    return seqs


def _beam_search(model, input_ids, attention_mask, g):
    """HF _beam_search + BeamSearchScorer (transformers 4.37), num_return_sequences=1."""
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    nb = g["num_beams"]
    lp = g.get("length_penalty", 1.0)
    early = g.get("early_stopping", False)
    eos, pad = g["eos_token_id"], g["pad_token_id"]
    bad = _bad_words(g)
    b = input_ids.shape[0]
    # like HF: run the encoder once per input, then expand its output to the beams
    enc = model.encode(input_ids, attention_mask).repeat_interleave(nb, dim=0)
    am = attention_mask.repeat_interleave(nb, dim=0)
    seqs = torch.full((b * nb, 1), g["decoder_start_token_id"], dtype=torch.long)
    beam_scores = torch.zeros(b, nb)
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view(-1)
    hyps = [[] for _ in range(b)]  # list of (score, tensor)
    worst = [1e9] * b
    done = [False] * b
    cache = _new_cache(model)
    cur_len = 1
    prompt_len = 1
    max_len = g["max_length"]

    def add(bi, hyp, sum_lp, gen_len):
        score = sum_lp / (gen_len ** lp)
        if len(hyps[bi]) < nb or score > worst[bi]:
            hyps[bi].append((score, hyp))
            if len(hyps[bi]) > nb:
                srt = sorted([(s, i) for i, (s, _) in enumerate(hyps[bi])])
                del hyps[bi][srt[0][1]]
                worst[bi] = srt[1][0]
            else:
                worst[bi] = min(score, worst[bi])

    def is_done(bi, best_sum, cl):
        if len(hyps[bi]) < nb:
            return False
        if early is True:
            return True
        if early is False:
            best = best_sum / ((cl - prompt_len) ** lp)
        else:  # "never"
            if lp > 0.0:
                best = best_sum / ((max_len - prompt_len) ** lp)
            else:
                best = best_sum / ((cl - prompt_len) ** lp)
        return worst[bi] >= best

    while True:
        h = model.decode(seqs[:, -1:], enc, am, cache=cache, past_len=cur_len - 1)
        logits = model.logits(h[:, -1, :]).float()
        scores = torch.log_softmax(logits, dim=-1)
        scores = _process_scores(scores, cur_len, g, bad, g.get("min_length") or 0)
        v = scores.shape[-1]
        scores = scores + beam_scores[:, None]
        scores = scores.view(b, nb * v)
        top_s, top_i = torch.topk(scores, 2 * nb, dim=1, largest=True, sorted=True)
        nidx = torch.div(top_i, v, rounding_mode="floor")
        ntok = top_i % v
        new_scores = torch.zeros(b, nb)
        new_tok = torch.zeros(b, nb, dtype=torch.long)
        new_idx = torch.zeros(b, nb, dtype=torch.long)
        step_len = seqs.shape[1] + 1
        for bi in range(b):
            if done[bi]:
                new_scores[bi] = 0
                new_tok[bi] = pad
                new_idx[bi] = 0
                continue
            j = 0
            for rank in range(2 * nb):
                tok = ntok[bi, rank].item()
                sc = top_s[bi, rank].item()
                bbi = bi * nb + nidx[bi, rank].item()
                if eos is not None and tok == eos:
                    if rank >= nb:
                        continue
                    add(bi, seqs[bbi].clone(), sc, step_len - prompt_len)
                else:
                    new_scores[bi, j] = sc
                    new_tok[bi, j] = tok
                    new_idx[bi, j] = bbi
                    j += 1
                if j == nb:
                    break
            done[bi] = done[bi] or is_done(bi, top_s[bi].max().item(), step_len)
        beam_scores = new_scores.view(-1)
        sel = new_idx.view(-1)
        seqs = torch.cat([seqs[sel], new_tok.view(-1, 1)], dim=1)
        for c in cache:
            for k in ("k", "v"):
                c["self"][k] = c["self"][k][sel]
        cur_len += 1
        if all(done) or cur_len >= max_len:
            break
    # finalize
    for bi in range(b):
        if done[bi]:
            continue
        for j in range(nb):
            bbi = bi * nb + j
            add(bi, seqs[bbi].clone(), beam_scores[bbi].item(), seqs.shape[1] - prompt_len)
    best = []
    best_scores = []
    for bi in range(b):
        s, hyp = sorted(hyps[bi], key=lambda x: x[0])[-1]
        best.append(hyp)
        best_scores.append(s)
    lens = [len(x) for x in best]
    out_len = min(max(lens) + 1, max_len)
    out = torch.full((b, out_len), pad, dtype=torch.long)
    for i, hyp in enumerate(best):
        out[i, :len(hyp)] = hyp
        if len(hyp) < out_len:
            out[i, len(hyp)] = eos
    generate.last_sequences_scores = torch.tensor(best_scores)
    return out
