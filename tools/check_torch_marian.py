#!/usr/bin/env python3
"""Check tools/torch_marian.py against a Hugging Face reference fixture (not run by any test).

usage: /usr/bin/python3 tools/check_torch_marian.py accelerator/src/test/resources/fixtures/hf/marian

Checks, per case of reference.json:
  * logits of one teacher-forced forward pass within 1e-4 of HF's (first logits_positions rows)
    and argmax over all decoder positions identical;
  * greedy generate(max_new_tokens=12) sequences identical;
  * beam search (num_beams=3) sequences identical and sequences_scores within 1e-4;
and additionally: all cases greedy-decoded together in one right-padded batch give the same
sequences as alone; a save() -> load() round trip (F32 exact, F16/BF16 close) reproduces logits.
"""
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_marian as tm  # noqa: E402


def main():
    fx = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))), "accelerator", "src", "test", "resources", "fixtures", "hf", "marian")
    torch.set_num_threads(1)
    ref = json.load(open(os.path.join(fx, "reference.json")))
    model = tm.load(fx)
    failures = 0

    def check(ok, msg):
        nonlocal failures
        print(("PASS " if ok else "FAIL ") + msg)
        if not ok:
            failures += 1

    greedy_kw = ref["cases"][0]["greedy"]["kwargs"]
    max_new = greedy_kw.get("max_new_tokens", 12)
    for ci, case in enumerate(ref["cases"]):
        ids = torch.tensor([case["input_ids"]])
        dec = torch.tensor([case["decoder_input_ids"]])
        am = torch.ones_like(ids)
        with torch.no_grad():
            logits = model(ids, am, dec)[0]
        n = case["logits_positions"]
        want = torch.tensor(case["logits"])
        diff = (logits[:n] - want).abs().max().item()
        check(diff < 1e-4, f"case {ci}: logits max|diff| = {diff:.3g} (< 1e-4)")
        am_all = logits.argmax(-1).tolist()
        check(am_all == case["logits_argmax_all_positions"], f"case {ci}: argmax all positions {am_all}")
        seq = tm.generate(model, ids, am, max_new_tokens=max_new)[0].tolist()
        want_seq = case["greedy"]["sequences"][0]
        check(seq == want_seq, f"case {ci}: greedy {seq}" + ("" if seq == want_seq else f" != {want_seq}"))
        bk = case["beam"]["kwargs"]
        bseq = tm.generate(model, ids, am, max_new_tokens=bk["max_new_tokens"], num_beams=bk["num_beams"],
                           length_penalty=bk.get("length_penalty", 1.0),
                           early_stopping=bk.get("early_stopping", False))
        bscore = tm.generate.last_sequences_scores[0].item()
        bseq = bseq[0].tolist()
        want_b = case["beam"]["sequences"][0]
        want_bs = case["beam"]["sequences_scores"][0]
        check(bseq == want_b and abs(bscore - want_bs) < 1e-4,
              f"case {ci}: beam {bseq} score {bscore:.6f} (want {want_bs:.6f})"
              + ("" if bseq == want_b else f" != {want_b}"))

    # batched greedy with right padding must equal each sequence alone
    pad = model.config.pad_token_id
    cases = ref["cases"]
    L = max(len(c["input_ids"]) for c in cases)
    ids = torch.full((len(cases), L), pad, dtype=torch.long)
    am = torch.zeros((len(cases), L), dtype=torch.long)
    for i, c in enumerate(cases):
        ids[i, :len(c["input_ids"])] = torch.tensor(c["input_ids"])
        am[i, :len(c["input_ids"])] = 1
    out = tm.generate(model, ids, am, max_new_tokens=max_new)
    for i, c in enumerate(cases):
        got = [t for t in out[i].tolist()]
        want_seq = c["greedy"]["sequences"][0]
        got = got[:len(want_seq)]
        check(got == want_seq, f"batched greedy row {i} equals unbatched")

    # save/load round trip
    with tempfile.TemporaryDirectory() as d:
        c = cases[0]
        ids = torch.tensor([c["input_ids"]])
        dec = torch.tensor([c["decoder_input_ids"]])
        with torch.no_grad():
            base = model(ids, None, dec)
        orig = tm.read_safetensors(os.path.join(fx, "model.safetensors"))[0]
        for dt in (torch.float32, torch.float16, torch.bfloat16):
            tm.save(model, d, dtype=dt)
            hdr = tm.read_safetensors(os.path.join(d, "model.safetensors"))[0]
            same_names = sorted(hdr) == sorted(orig)
            exact = all(hdr[k].dtype == dt and torch.equal(hdr[k], orig[k].to(dt)) for k in orig)
            m2 = tm.load(d)
            with torch.no_grad():
                diff = (m2(ids, None, dec) - base).abs().max().item()
            check(same_names and exact and (dt != torch.float32 or diff == 0.0),
                  f"save/load {dt}: HF tensor names {same_names}, tensors == rounded originals {exact}, "
                  f"logits max|diff| vs F32 = {diff:.3g} (rounding of the weights; info only for F16/BF16)")
        # byte-level: our F32 writer re-reads identically
        tm.save(model, d, dtype=torch.float32)
        a = tm.read_safetensors(os.path.join(d, "model.safetensors"))[0]
        b = tm.read_safetensors(os.path.join(fx, "model.safetensors"))[0]
        check(all(torch.equal(a[k], b[k]) for k in b), "F32 re-save holds bit-identical tensors")

    print("ALL PASS" if failures == 0 else f"{failures} FAILURE(S)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
