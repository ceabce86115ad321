#!/usr/bin/python3
"""Train the embedded default en->es Marian model (CPU, plain PyTorch via tools/torch_marian.py).

Recipe: label-smoothed cross entropy (0.1), Adam(0.9, 0.98, 1e-9) with linear warm-up and
inverse-sqrt decay, token-based batches of length-sorted sentences, dropout 0.1, gradient
clipping, checkpoints every few minutes (resumable: just run the same command again),
dev loss + dev chrF (greedy, full dev set) at every evaluation, best checkpoint by dev chrF.

usage (in order, after build_corpus.py and train_tokenizers.py):
  nohup nice -n 19 /usr/bin/python3 tools/default-model/train.py --hours 3.5 > tools/default-model/work/train.out 2>&1 &
  /usr/bin/python3 tools/default-model/train.py --export    # best checkpoint -> work/model (HF dir)
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import torch_marian as tm  # noqa: E402
from marian_tok import MarianTok  # noqa: E402
from metrics import corpus_chrf  # noqa: E402

WORK = os.path.join(HERE, "work")


def make_config(vocab_size, pad_id, a):
    """Same key set as an HF MarianConfig.save_pretrained() config.json."""
    return tm.MarianConfig({
        "activation_dropout": 0.0,
        "activation_function": "swish",
        "add_bias_logits": False,
        "architectures": ["MarianMTModel"],
        "attention_dropout": 0.0,
        "bad_words_ids": [[pad_id]],
        "d_model": a.d_model,
        "decoder_attention_heads": a.heads,
        "decoder_ffn_dim": a.ffn,
        "decoder_layerdrop": 0.0,
        "decoder_layers": a.dec_layers,
        "decoder_start_token_id": pad_id,
        "decoder_vocab_size": vocab_size,
        "dropout": a.dropout,
        "encoder_attention_heads": a.heads,
        "encoder_ffn_dim": a.ffn,
        "encoder_layerdrop": 0.0,
        "encoder_layers": a.enc_layers,
        "eos_token_id": 0,
        "forced_eos_token_id": 0,
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "max_length": 128,
        "max_position_embeddings": a.max_pos,
        "model_type": "marian",
        "normalize_embedding": False,
        "num_beams": 1,
        "num_hidden_layers": a.enc_layers,
        "pad_token_id": pad_id,
        "scale_embedding": True,
        "share_encoder_decoder_embeddings": True,
        "static_position_embeddings": True,
        "torch_dtype": "float32",
        "transformers_version": "4.37.2",
        "use_cache": True,
        "vocab_size": vocab_size,
    })


def generation_config(pad_id, num_beams=1):
    return {
        "bad_words_ids": [[pad_id]],
        "decoder_start_token_id": pad_id,
        "eos_token_id": 0,
        "forced_eos_token_id": 0,
        "max_length": 128,
        "num_beams": num_beams,
        "pad_token_id": pad_id,
        "transformers_version": "4.37.2",
    }


def init_model(model, seed):
    """Transformer-style init: xavier-uniform linears, N(0, d^-1/2) embeddings (scaled by sqrt(d))."""
    g = torch.Generator().manual_seed(seed)
    d = model.config.d_model
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name == "model.shared.weight":
                p.normal_(0.0, d ** -0.5, generator=g)
                p[model.config.pad_token_id].zero_()
            elif p.dim() == 2:
                bound = math.sqrt(6.0 / (p.shape[0] + p.shape[1]))
                p.uniform_(-bound, bound, generator=g)
            elif name.endswith("layer_norm.weight"):
                p.fill_(1.0)
            else:
                p.zero_()
    model.final_logits_bias.zero_()


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
def load_split(tok, corpus, split, max_len):
    en = open(os.path.join(corpus, split + ".en"), encoding="utf-8").read().splitlines()
    es = open(os.path.join(corpus, split + ".es"), encoding="utf-8").read().splitlines()
    assert len(en) == len(es)
    src, tgt = [], []
    for s, t in zip(en, es):
        a, b = tok.encode(s), tok.target_ids(t)
        if len(a) > max_len or len(b) > max_len:
            continue
        src.append(a)
        tgt.append(b)
    return src, tgt, en, es


def make_batches(src, tgt, max_tokens, rng):
    """Length-bucketed batches: sort by (tgt len, src len) with random tie-breaking, cut so that
    batch_size * max(len) <= max_tokens on both sides, shuffle batch order."""
    idx = list(range(len(src)))
    rng.shuffle(idx)
    idx.sort(key=lambda i: (len(tgt[i]), len(src[i])))
    batches, cur, ms, mt = [], [], 0, 0
    for i in idx:
        ns, nt = max(ms, len(src[i])), max(mt, len(tgt[i]) + 1)
        if cur and (len(cur) + 1) * max(ns, nt) > max_tokens:
            batches.append(cur)
            cur, ns, nt = [], len(src[i]), len(tgt[i]) + 1
        cur.append(i)
        ms, mt = ns, nt
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(batch, src, tgt, pad):
    b = len(batch)
    ls = max(len(src[i]) for i in batch)
    lt = max(len(tgt[i]) for i in batch)
    x = torch.full((b, ls), pad, dtype=torch.long)
    y = torch.full((b, lt), pad, dtype=torch.long)
    for j, i in enumerate(batch):
        x[j, :len(src[i])] = torch.tensor(src[i])
        y[j, :len(tgt[i])] = torch.tensor(tgt[i])
    xm = (x != pad).long()
    dec_in = torch.cat([torch.full((b, 1), pad, dtype=torch.long), y[:, :-1]], dim=1)  # shift right
    return x, xm, dec_in, y


def loss_fn(logits, labels, pad, smoothing):
    v = logits.shape[-1]
    lf = logits.reshape(-1, v).float()
    lab = labels.reshape(-1)
    mask = lab != pad
    lf, lab = lf[mask], lab[mask]
    lp = torch.log_softmax(lf, dim=-1)
    nll = -lp.gather(1, lab[:, None]).squeeze(1)
    smooth = -lp.mean(dim=-1)
    loss = (1 - smoothing) * nll + smoothing * smooth
    return loss.sum(), nll.sum(), int(mask.sum())


@torch.no_grad()
def dev_eval(model, tok, dev, pad, decode=True, max_tokens=6000):
    model.eval()
    src, tgt, en, es = dev
    tot_nll, ntok = 0.0, 0
    for b in make_batches(src, tgt, max_tokens, random.Random(0)):
        x, xm, di, y = collate(b, src, tgt, pad)
        _, nll, n = loss_fn(model(x, xm, di), y, pad, 0.0)
        tot_nll += nll.item()
        ntok += n
    chrf = None
    hyps = None
    if decode:
        hyps = translate(model, tok, en, max_new_tokens=96)
        chrf = corpus_chrf(hyps, es)
    model.train()
    return tot_nll / ntok, chrf, hyps


@torch.no_grad()
def translate(model, tok, sents, batch_size=64, max_new_tokens=128, num_beams=1):
    pad = tok.pad_id
    order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
    out = [None] * len(sents)
    for k in range(0, len(order), batch_size):
        ids = [tok.encode(sents[i]) for i in order[k:k + batch_size]]
        L = max(map(len, ids))
        x = torch.full((len(ids), L), pad, dtype=torch.long)
        for j, s in enumerate(ids):
            x[j, :len(s)] = torch.tensor(s)
        seq = tm.generate(model, x, (x != pad).long(), max_new_tokens=max_new_tokens, num_beams=num_beams)
        for j, i in enumerate(order[k:k + batch_size]):
            out[i] = tok.decode(seq[j].tolist())
    return out


# ---------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(WORK, "corpus"))
    ap.add_argument("--tok", default=os.path.join(WORK, "tok"))
    ap.add_argument("--out", default=os.path.join(WORK, "train"))
    ap.add_argument("--d-model", dest="d_model", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--enc-layers", dest="enc_layers", type=int, default=3)
    ap.add_argument("--dec-layers", dest="dec_layers", type=int, default=3)
    ap.add_argument("--max-pos", dest="max_pos", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=1500)
    ap.add_argument("--max-tokens", dest="max_tokens", type=int, default=2500)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--hours", type=float, default=3.5, help="wall-clock training budget (total, across resumes)")
    ap.add_argument("--max-epochs", dest="max_epochs", type=int, default=100)
    ap.add_argument("--eval-every", dest="eval_every", type=int, default=1000)
    ap.add_argument("--ckpt-minutes", dest="ckpt_minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--bench", type=int, default=0, help="only time N steps")
    ap.add_argument("--export", action="store_true", help="write best checkpoint as HF model dir")
    ap.add_argument("--export-dir", default=os.path.join(WORK, "model"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    tok = MarianTok(a.tok)
    pad = tok.pad_id
    cfg = make_config(len(tok), pad, a)

    if a.export:
        ck = torch.load(os.path.join(a.out, "best.pt"))
        model = tm.MarianMTModel(tm.MarianConfig(ck["config"]), generation_config(pad))
        model.load_state_dict(ck["model"])
        n = sum(p.numel() for p in model.parameters())
        dtype = torch.float32 if n * 4 < 28e6 else torch.float16
        tm.save(model, a.export_dir, dtype=dtype)
        for f in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
            with open(os.path.join(a.tok, f), "rb") as fi, open(os.path.join(a.export_dir, f), "wb") as fo:
                fo.write(fi.read())
        print(json.dumps({"exported": a.export_dir, "step": ck["step"], "dev_chrf": ck.get("dev_chrf"),
                          "params": n, "dtype": str(dtype)}))
        return

    log = open(os.path.join(a.out, "train.log"), "a")

    def say(msg):
        line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    cache = os.path.join(a.out, "data.pt")
    if os.path.exists(cache):
        data = torch.load(cache)
    else:
        t0 = time.time()
        data = {"train": load_split(tok, a.corpus, "train", a.max_pos)[:2],
                "dev": load_split(tok, a.corpus, "dev", a.max_pos)}
        torch.save(data, cache)
        say(f"tokenized corpus in {time.time() - t0:.0f}s")
    src, tgt = data["train"]
    dev = data["dev"]

    model = tm.MarianMTModel(cfg, generation_config(pad))
    init_model(model, a.seed)
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.98), eps=1e-9)
    state = {"step": 0, "epoch": 0, "batch_in_epoch": 0, "elapsed": 0.0, "best_chrf": -1.0,
             "best_step": 0, "tokens": 0}
    last = os.path.join(a.out, "last.pt")
    if os.path.exists(last) and not a.bench:
        ck = torch.load(last)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        say(f"resumed from step {state['step']} (epoch {state['epoch']}, batch {state['batch_in_epoch']})")
    else:
        say(f"config {json.dumps({k: cfg[k] for k in ('d_model', 'encoder_layers', 'decoder_layers', 'encoder_attention_heads', 'encoder_ffn_dim', 'vocab_size')})} "
            f"params {nparams} train pairs {len(src)} dev {len(dev[0])} args {vars(a)}")

    def lr_at(step):
        step = max(step, 1)
        return a.lr * min(step / a.warmup, math.sqrt(a.warmup / step))

    def save_ckpt(path, extra=None):
        ck = {"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": dict(cfg)}
        if extra:
            ck.update(extra)
        torch.save(ck, path + ".tmp")
        os.replace(path + ".tmp", path)

    model.train()
    t_start = time.time() - state["elapsed"]
    t_ckpt = time.time()
    t_log, tok_log, loss_log, ntok_log = time.time(), 0, 0.0, 0
    budget = a.hours * 3600
    stop = False
    while state["epoch"] < a.max_epochs and not stop:
        rng = random.Random(a.seed * 1000 + state["epoch"])
        batches = make_batches(src, tgt, a.max_tokens, rng)
        while state["batch_in_epoch"] < len(batches):
            b = batches[state["batch_in_epoch"]]
            x, xm, di, y = collate(b, src, tgt, pad)
            for gr in opt.param_groups:
                gr["lr"] = lr_at(state["step"] + 1)
            logits = model(x, xm, di)
            loss, nll, n = loss_fn(logits, y, pad, a.smoothing)
            opt.zero_grad(set_to_none=True)
            (loss / n).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            state["step"] += 1
            state["batch_in_epoch"] += 1
            state["tokens"] += n
            tok_log += n + int(xm.sum())
            loss_log += nll.item()
            ntok_log += n
            if a.bench and state["step"] >= a.bench:
                dt = time.time() - t_log
                say(f"bench: {a.bench} steps in {dt:.1f}s, {dt / a.bench:.3f}s/step, "
                    f"{ntok_log / dt:.0f} tgt tok/s, {len(batches)} batches/epoch "
                    f"-> {len(batches) * dt / a.bench / 3600:.2f} h/epoch, params {nparams}")
                return
            if state["step"] % 100 == 0:
                dt = time.time() - t_log
                say(f"step {state['step']} ep {state['epoch']} b {state['batch_in_epoch']}/{len(batches)} "
                    f"lr {lr_at(state['step']):.2e} nll {loss_log / max(ntok_log, 1):.3f} "
                    f"tok/s {tok_log / dt:.0f} (src+tgt) elapsed {(time.time() - t_start) / 3600:.2f}h")
                t_log, tok_log, loss_log, ntok_log = time.time(), 0, 0.0, 0
            state["elapsed"] = time.time() - t_start
            out_of_time = state["elapsed"] >= budget
            if state["step"] % a.eval_every == 0 or out_of_time:
                te = time.time()
                dl, chrf, hyps = dev_eval(model, tok, dev, pad)
                better = chrf > state["best_chrf"]
                if better:
                    state["best_chrf"], state["best_step"] = chrf, state["step"]
                say(f"EVAL step {state['step']} dev_nll {dl:.4f} dev_ppl {math.exp(dl):.2f} dev_chrF {chrf:.2f}"
                    f"{' (best)' if better else ''} best {state['best_chrf']:.2f}@{state['best_step']} "
                    f"[{time.time() - te:.0f}s] e.g. {dev[2][0]!r} -> {hyps[0]!r}")
                if better:
                    save_ckpt(os.path.join(a.out, "best.pt"), {"step": state["step"], "dev_chrf": chrf,
                                                              "dev_nll": dl})
                save_ckpt(last)
                t_ckpt = time.time()
                t_log = time.time()
            elif time.time() - t_ckpt > a.ckpt_minutes * 60:
                save_ckpt(last)
                t_ckpt = time.time()
            if out_of_time:
                stop = True
                break
        if not stop:
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
            say(f"epoch {state['epoch']} done at step {state['step']}")
    save_ckpt(last)
    say(f"finished: step {state['step']} epochs {state['epoch']} train time {state['elapsed'] / 3600:.2f}h "
        f"best dev chrF {state['best_chrf']:.2f} at step {state['best_step']}")


if __name__ == "__main__":
    main()
