#!/usr/bin/python3
"""Side-by-side generation throughput of a decoder-only language model: Hugging Face transformers (PyTorch) next
to `./streamformer bench`, on the same model directory, in one run, in alternating rounds, with the ratio.

Usage (Debian's python3 with python3-torch; transformers 4.37.2 from the checkouts of tools/fixtures/README.md,
or 4.44 with --transformers 4.44, which the llama-3.2-1b preset's llama3 rope_scaling needs):
  ./streamformer create-model --preset smollm2-135m --out /tmp/smollm2-135m-random
  /usr/bin/python3 tools/bench_vs_pytorch_lm.py --model /tmp/smollm2-135m-random \\
      --batch-sizes 1 16 --prompt-len 32 --new-tokens 64 --rounds 2 --weights f32,bf16 --hf-dtype f32

Both sides: B random prompts of --prompt-len ids (uniform over the vocabulary, never an EOS or the pad id; the
same kind as the Java bench's, not the same ids), greedy, exactly --new-tokens new tokens per sequence
(min_new_tokens = max_new_tokens = N, so EOS is held back), warm-up runs first, then the mean over --iterations
timed runs; tokens/s = B * N / seconds per run. The prompts of a batch all have --prompt-len ids, so the
transformers batch is left-padded with an all-ones attention mask (as its tokenizer would pad equal lengths).
transformers: torch.set_num_threads(--threads), eager attention, KV cache, timed with time.perf_counter.
StreamFormer: one `./streamformer bench` process per (round, batch, weights), its JVM limited to --threads cores
(-XX:ActiveProcessorCount, added to STREAMFORMER_JAVA_OPTS), which sizes its worker pool.
Each round runs every engine for every batch size; the order of the engines alternates from round to round. The
table gives each engine's tokens/s per round, its best round and the best as a ratio to the first --hf-dtype's
best. Shared machines move by +-20% from run to run: compare within one table only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch_blas

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# where the workers of tools/fixtures/make_fixtures.py find their sources (below --pydeps); 4.44 is needed for
# llama3 rope_scaling (the llama-3.2-1b preset), which 4.37 refuses
PYDEPS = {
    "4.37": ["transformers-4.37.2/src", "huggingface_hub-0.20.3/src", "meta-0.20.3"],
    "4.44": ["transformers-4.44.0/src", "huggingface_hub-0.24.5/src", "meta-0.24.5"],
}
PYSHIM = os.path.join(HERE, "fixtures", "pyshim")
HF_DTYPES = {"f32": "float32", "bf16": "bfloat16", "f16": "float16"}


def import_transformers(pydeps, version):
    """transformers from the checkouts (see tools/fixtures/README.md); without them, whatever is importable."""
    paths = [os.path.join(pydeps, p) for p in PYDEPS[version]]
    if all(os.path.isdir(p) for p in paths):
        sys.path[:0] = paths + [PYSHIM]
    else:
        print(f"no checkouts under {pydeps} ({', '.join(PYDEPS[version])}): using the installed transformers",
              file=sys.stderr)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import warnings
    warnings.filterwarnings("ignore")
    try:
        import transformers
    except ImportError as e:
        sys.exit(f"cannot import transformers ({e}): expected the checkouts {', '.join(paths)} "
                 "(tools/fixtures/README.md says how to make them)")
    return transformers


def eos_ids(gen_config, config):
    eos = gen_config.eos_token_id if gen_config.eos_token_id is not None else config.eos_token_id
    if eos is None:
        return []
    return list(eos) if isinstance(eos, (list, tuple)) else [eos]


class HfSide:
    """One transformers model in this process; bench() runs one batch size."""

    def __init__(self, model_dir, dtype, threads):
        import torch
        from transformers import AutoModelForCausalLM
        self.torch = torch
        torch.set_num_threads(threads)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=getattr(torch, HF_DTYPES[dtype]),
                                                          attn_implementation="eager").eval()
        cfg, gc = self.model.config, self.model.generation_config
        self.eos = eos_ids(gc, cfg)
        pad = gc.pad_token_id if gc.pad_token_id is not None else cfg.pad_token_id
        self.pad = pad if pad is not None else (self.eos[0] if self.eos else 0)
        self.vocab = cfg.vocab_size
        self.name = f"transformers {dtype}"

    def prompts(self, batch, length, seed):
        """B prompts of `length` ids, uniform over the vocabulary, never an EOS or the pad id; left-padded
        (a no-op here: the lengths are equal) with the attention mask."""
        torch = self.torch
        g = torch.Generator().manual_seed(seed)
        banned = set(self.eos) | {self.pad}
        allowed = torch.tensor([i for i in range(self.vocab) if i not in banned])
        rows = [allowed[torch.randint(0, len(allowed), (length,), generator=g)].tolist() for _ in range(batch)]
        width = max(len(r) for r in rows)
        ids = torch.tensor([[self.pad] * (width - len(r)) + r for r in rows])
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
        return ids, mask

    def generate(self, ids, mask, new_tokens):
        with self.torch.no_grad():
            return self.model.generate(ids, attention_mask=mask, do_sample=False, num_beams=1,
                                       max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                       pad_token_id=self.pad)

    def bench(self, a, batch):
        ids, mask = self.prompts(batch, a.prompt_len, a.seed)
        for _ in range(a.hf_warmup):
            self.generate(ids, mask, a.new_tokens)
        times = []
        for _ in range(a.iterations):
            start = time.perf_counter()
            out = self.generate(ids, mask, a.new_tokens)
            times.append(time.perf_counter() - start)
            assert tuple(out.shape) == (batch, a.prompt_len + a.new_tokens), tuple(out.shape)
        seconds = statistics.mean(times)
        return {"tokens_per_s": round(batch * a.new_tokens / seconds, 3), "seconds_per_run": round(seconds, 4)}


def bench_streamformer(a, batch, weights):
    cmd = [os.path.join(ROOT, "streamformer"), "bench", "--model", a.model, "--batch-size", str(batch),
           "--src-len", str(a.prompt_len), "--new-tokens", str(a.new_tokens), "--weights", weights,
           "--warmup", str(a.warmup), "--iterations", str(a.iterations), "--seed", str(a.seed)]
    env = dict(os.environ)
    env["STREAMFORMER_JAVA_OPTS"] = (env.get("STREAMFORMER_JAVA_OPTS", "") +
                                     f" -XX:ActiveProcessorCount={a.threads}").strip()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def split_list(values):
    return [v for item in values for v in item.split(",") if v]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face causal LM directory (e.g. from create-model)")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--weights", nargs="+", default=["f32"],
                    help="StreamFormer --weights, one bench per type: f32 bf16 or f32,bf16 (default: f32)")
    ap.add_argument("--hf-dtype", nargs="+", default=["f32"],
                    help="transformers torch_dtype(s): f32, bf16, f16; ratios are to the first (default: f32)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads and JVM cores (default: 2)")
    ap.add_argument("--warmup", type=int, default=5, help="StreamFormer warm-up runs (JIT; default 5)")
    ap.add_argument("--hf-warmup", type=int, default=1, help="transformers warm-up runs (default 1)")
    ap.add_argument("--iterations", type=int, default=3, help="timed runs per measurement, both sides (default 3)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--pydeps", default="/work/pydeps", help="transformers checkouts (default: %(default)s)")
    ap.add_argument("--transformers", choices=sorted(PYDEPS), default="4.37",
                    help="which checkout (default: %(default)s; 4.44 for llama3 rope_scaling)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line per engine and batch size")
    a = ap.parse_args()
    a.weights = split_list(a.weights)
    a.hf_dtype = split_list(a.hf_dtype)
    for d in a.hf_dtype:
        if d not in HF_DTYPES:
            sys.exit(f"--hf-dtype {d}: not one of {', '.join(HF_DTYPES)}")
    if min(a.batch_sizes + [a.prompt_len, a.new_tokens, a.rounds, a.iterations, a.threads]) < 1:
        sys.exit("--batch-sizes, --prompt-len, --new-tokens, --rounds, --iterations and --threads must be positive")

    transformers = import_transformers(a.pydeps, a.transformers)
    import torch
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, {a.threads} threads; "
          f"loading {a.model} ...", file=sys.stderr, flush=True)
    hf = [HfSide(a.model, d, a.threads) for d in a.hf_dtype]
    sgemm = torch_blas.report(torch)
    engines = [(h.name, (lambda h: lambda batch: h.bench(a, batch))(h)) for h in hf]
    engines += [(f"streamformer {w}", (lambda w: lambda batch: bench_streamformer(a, batch, w))(w))
                for w in a.weights]

    results = {}  # (engine, batch) -> [result per round]
    device = ""
    for rnd in range(1, a.rounds + 1):
        order = engines if rnd % 2 == 1 else engines[::-1]  # alternate which engine goes first
        for batch in a.batch_sizes:
            for name, run in order:
                r = run(batch)
                device = r.get("device", device)
                results.setdefault((name, batch), []).append(r)
                print(f"round {rnd} batch {batch:>3} {name:<22} {r['tokens_per_s']:>10.1f} tokens/s", file=sys.stderr,
                      flush=True)

    names = [n for n, _ in engines]
    print()
    print(f"{a.model}: greedy, prompt {a.prompt_len} ids, {a.new_tokens} new tokens, {a.threads} threads, "
          f"{a.iterations} timed runs per round (mean); transformers {transformers.__version__} / torch "
          f"{torch.__version__} (SGEMM {sgemm:.0f} GFLOP/s); StreamFormer {device}")
    print()
    rounds = " | ".join(f"round {r} tok/s" for r in range(1, a.rounds + 1))
    print(f"| engine | batch | {rounds} | best tok/s | vs {names[0]} |")
    print("|---|---:|" + "---:|" * a.rounds + "---:|---:|")
    rows = []
    for batch in a.batch_sizes:
        ref = max(r["tokens_per_s"] for r in results[(names[0], batch)])
        for name in names:
            per_round = [r["tokens_per_s"] for r in results[(name, batch)]]
            best = max(per_round)
            print(f"| {name} | {batch} | " + " | ".join(f"{t:.1f}" for t in per_round)
                  + f" | {best:.1f} | {best / ref:.2f}x |")
            rows.append({"engine": name, "batch_size": batch, "prompt_len": a.prompt_len, "new_tokens": a.new_tokens,
                         "threads": a.threads, "tokens_per_s_per_round": per_round, "best_tokens_per_s": best,
                         "ratio_to_" + names[0].replace(" ", "_"): round(best / ref, 3)})
    if a.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
