#!/usr/bin/python3
"""Side-by-side generation throughput: plain PyTorch (tools/torch_marian.py, same architecture, same
model.safetensors) next to `./streamformer bench`, in one run, with the ratio.

Usage (Debian's python3 with python3-torch; PyTorch uses OpenBLAS if libopenblas0 is installed):
  ./streamformer create-model --out /tmp/opus-mt-en-de-random --preset opus-mt-en-de
  /usr/bin/python3 tools/bench_vs_pytorch.py --model /tmp/opus-mt-en-de-random --batch-sizes 1 16

Both sides: random source ids of length --src-len (seeded), greedy, exactly --new-tokens generated
tokens per sequence (EOS held back by min_length), warm-up runs first, mean over timed runs,
threads = the machine's cores. tokens/s = batch_size * new_tokens / seconds per run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_blas  # noqa: E402
import torch_marian  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def random_sources(vocab, eos, pad, batch, length, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (batch, length), generator=g)
    ids[ids == eos] = 1
    ids[ids == pad] = 1
    ids[:, -1] = eos
    return ids


def bench_pytorch(model, batch, beams, src_len, new_tokens, warmup, iterations, seed):
    cfg = model.config
    src = random_sources(cfg["vocab_size"], cfg["eos_token_id"], cfg["pad_token_id"], batch, src_len, seed)
    kwargs = dict(max_new_tokens=new_tokens, min_length=new_tokens + 1, num_beams=beams)
    for _ in range(warmup):
        torch_marian.generate(model, src, **kwargs)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        out = torch_marian.generate(model, src, **kwargs)
        times.append(time.perf_counter() - start)
        assert out.shape[1] == 1 + new_tokens, out.shape
    seconds = statistics.mean(times)
    return batch * new_tokens / seconds, seconds


def bench_streamformer(model_dir, batch, beams, src_len, new_tokens, warmup, iterations, backend):
    cmd = [os.path.join(ROOT, "streamformer"), "bench", "--model", model_dir, "--batch-size", str(batch),
           "--beams", str(beams), "--src-len", str(src_len), "--new-tokens", str(new_tokens),
           "--warmup", str(warmup), "--iterations", str(iterations), "--backend", backend]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["tokens_per_s"], result["seconds_per_run"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--src-len", type=int, default=24)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--backend", default="jvm")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch_blas.report(torch)
    print(f"loading {args.model} in PyTorch {torch.__version__} ({args.threads} threads)...", file=sys.stderr)
    model = torch_marian.load(args.model)
    model.eval()
    rows = []
    for batch in args.batch_sizes:
        print(f"batch {batch}: PyTorch...", file=sys.stderr)
        pt, pt_s = bench_pytorch(model, batch, args.beams, args.src_len, args.new_tokens, args.warmup,
                                 args.iterations, args.seed)
        print(f"batch {batch}: StreamFormer ({args.backend})...", file=sys.stderr)
        sf, sf_s = bench_streamformer(args.model, batch, args.beams, args.src_len, args.new_tokens, args.warmup,
                                      args.iterations, args.backend)
        rows.append(dict(batch_size=batch, beams=args.beams, pytorch_tokens_per_s=round(pt, 1),
                         streamformer_tokens_per_s=round(sf, 1), ratio=round(sf / pt, 2)))
    print(f"{'batch':>5} {'beams':>5} {'PyTorch tok/s':>14} {'StreamFormer tok/s':>19} {'ratio':>6}")
    for r in rows:
        print(f"{r['batch_size']:>5} {r['beams']:>5} {r['pytorch_tokens_per_s']:>14} "
              f"{r['streamformer_tokens_per_s']:>19} {r['ratio']:>6}")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
