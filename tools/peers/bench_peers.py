#!/usr/bin/python3
"""StreamFormer next to the engines users would pick instead, side by side in one run, in alternating rounds.

usage: /usr/bin/python3 tools/peers/bench_peers.py --model DIR [--onnx DIR] [--batch-sizes 1 16] [--rounds 2]
           [--weights f32 f16 int8] [--beams 1] [--src-len 24] [--new-tokens 32]

Each round runs, for every batch size: `./streamformer memory-bandwidth` (the machine's read bandwidth, now),
`./streamformer bench` once per --weights type, and ONNX Runtime's Java API (tools/peers/onnxruntime, on the
Optimum-style export of the same file made by export_onnx.py) with the same random sources (same seed, same
generator), greedy, exactly --new-tokens tokens per sequence. The table keeps each engine's best round and gives
every figure as a ratio to ONNX Runtime and to StreamFormer f32; for batch 1 also the weight bytes a step reads
times steps per second, as a fraction of the bandwidth measured in the same round. Machines that are shared move
by +-20% from run to run: compare within one table only.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ONNX_JAR = os.path.join(HERE, "onnxruntime", "target", "onnx-peer.jar")


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def java():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return os.path.join(home, "bin", "java")
    out = subprocess.run(["bash", "-c", f"source {ROOT}/tools/find-jdk.sh && streamformer_find_jdk && echo $JAVA_HOME"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1]
    return os.path.join(out, "bin", "java")


def streamformer(args):
    cmd = [os.path.join(ROOT, "streamformer")] + args
    return last_json(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True).stdout)


def bench_streamformer(a, batch, weights):
    return streamformer(["bench", "--model", a.model, "--batch-size", str(batch), "--beams", str(a.beams),
                         "--src-len", str(a.src_len), "--new-tokens", str(a.new_tokens), "--weights", weights,
                         "--warmup", str(a.warmup), "--iterations", str(a.iterations)])


def bench_onnx(a, batch):
    cmd = [java(), "--enable-native-access=ALL-UNNAMED", "-jar", ONNX_JAR, "bench", "--onnx", a.onnx,
           "--batch-size", str(batch), "--src-len", str(a.src_len), "--new-tokens", str(a.new_tokens),
           "--warmup", str(a.warmup), "--iterations", str(a.iterations), "--threads", str(a.threads)]
    return last_json(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face Marian model directory")
    ap.add_argument("--onnx", help="its export by export_onnx.py (omit to run StreamFormer alone)")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--weights", nargs="+", default=["f32", "f16", "int8"])
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--src-len", type=int, default=24)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    if a.onnx and not os.path.exists(ONNX_JAR):
        sys.exit(f"build the ONNX Runtime peer first: ./mvnw -q -f tools/peers/onnxruntime/pom.xml package")
    if a.onnx and a.beams != 1:
        sys.exit("the ONNX Runtime peer decodes greedily: --beams 1")

    best = {}  # (engine, batch) -> result with the best tokens_per_s
    bandwidth = []
    for rnd in range(1, a.rounds + 1):
        bw = streamformer(["memory-bandwidth"])
        bandwidth.append(bw["best_gb_per_s"])
        print(f"round {rnd}: memory bandwidth {bw['best_gb_per_s']} GB/s ({bw['threads']} threads)", flush=True)
        for batch in a.batch_sizes:
            runs = [(f"streamformer {w}", lambda w=w: bench_streamformer(a, batch, w)) for w in a.weights]
            if a.onnx:
                runs.append(("onnxruntime-java f32", lambda: bench_onnx(a, batch)))
            if rnd % 2 == 0:
                runs.reverse()  # alternate which engine goes first
            for name, run in runs:
                r = run()
                r["round_bandwidth"] = bw["best_gb_per_s"]
                print(f"  batch {batch:>2} {name:<24} {r['tokens_per_s']:>9.1f} tokens/s", flush=True)
                key = (name, batch)
                if key not in best or r["tokens_per_s"] > best[key]["tokens_per_s"]:
                    best[key] = r

    print()
    search = "greedy" if a.beams == 1 else f"{a.beams} beams"
    print(f"best of {a.rounds} rounds; {search}, source {a.src_len} tokens, {a.new_tokens} new tokens, "
          f"{a.threads} threads; memory bandwidth measured {min(bandwidth)}-{max(bandwidth)} GB/s")
    print()
    print("| batch | engine | weights held | resident MB | tokens/s | vs ONNX Runtime | vs StreamFormer f32 |"
          " step weight reads |")
    print("|---:|---|---|---:|---:|---:|---:|---|")
    for batch in a.batch_sizes:
        ort = best.get(("onnxruntime-java f32", batch))
        f32 = best.get(("streamformer f32", batch))
        names = [f"streamformer {w}" for w in a.weights] + (["onnxruntime-java f32"] if a.onnx else [])
        for name in names:
            r = best[(name, batch)]
            tps = r["tokens_per_s"]
            vs_ort = f"{tps / ort['tokens_per_s']:.2f}x" if ort else ""
            vs_f32 = f"{tps / f32['tokens_per_s']:.2f}x" if f32 else ""
            resident = f"{r['weight_bytes'] / 1e6:.0f}" if "weight_bytes" in r else ""
            reads = ""
            if "weight_read_gb_per_s" in r and batch == 1:
                reads = (f"{r['weight_read_gb_per_s']:.1f} GB/s = {r['weight_read_gb_per_s'] / r['round_bandwidth']:.0%}"
                         f" of {r['round_bandwidth']} GB/s")
            held = r.get("weights", "f32")
            print(f"| {batch} | {name.split()[0]} | {held} | {resident} | {tps:.1f} | {vs_ort} | {vs_f32} | {reads} |")


if __name__ == "__main__":
    main()
