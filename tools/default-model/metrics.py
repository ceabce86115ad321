#!/usr/bin/python3
"""Corpus chrF and BLEU computed like sacreBLEU 2.x defaults (sacrebleu is not packaged for Debian 12).

chrF: character n-grams 1..6, beta 2, whitespace removed, statistics summed over the corpus,
      precision and recall averaged over the orders with matches possible, then F-beta.
BLEU: 13a tokenisation, n-grams 1..4, clipped counts summed over the corpus, 'exp' smoothing
      for zero counts, brevity penalty exp(1 - r/c) when c < r.
"""
import math
import re
from collections import Counter


def _char_ngrams(s, n):
    return Counter(s[i:i + n] for i in range(len(s) - n + 1))


def chrf_stats(hyp, ref, order=6):
    hyp = "".join(hyp.split())
    ref = "".join(ref.split())
    st = []
    for n in range(1, order + 1):
        h, r = _char_ngrams(hyp, n), _char_ngrams(ref, n)
        m = sum(min(c, r[g]) for g, c in h.items() if g in r)
        st += [sum(h.values()), sum(r.values()), m]
    return st


def chrf_from_stats(st, order=6, beta=2.0):
    factor = beta ** 2
    eps = 1e-16
    avg_p = avg_r = 0.0
    eff = 0
    for i in range(order):
        nh, nr, nm = st[3 * i:3 * i + 3]
        p = nm / nh if nh > 0 else eps
        r = nm / nr if nr > 0 else eps
        if nh > 0 and nr > 0:
            avg_p += p
            avg_r += r
            eff += 1
    if eff == 0:
        return 0.0
    avg_p /= eff
    avg_r /= eff
    if avg_p + avg_r == 0:
        return 0.0
    return 100.0 * (1 + factor) * avg_p * avg_r / (factor * avg_p + avg_r)


def corpus_chrf(hyps, refs, order=6, beta=2.0):
    tot = [0] * (3 * order)
    for h, r in zip(hyps, refs):
        for i, v in enumerate(chrf_stats(h, r, order)):
            tot[i] += v
    return chrf_from_stats(tot, order, beta)


_RE13A = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


def tok13a(line):
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for r, rep in _RE13A:
        line = r.sub(rep, line)
    return " ".join(line.split())


def corpus_bleu(hyps, refs, max_n=4):
    correct = [0] * max_n
    total = [0] * max_n
    sys_len = ref_len = 0
    for h, r in zip(hyps, refs):
        ht, rt = tok13a(h).split(), tok13a(r).split()
        sys_len += len(ht)
        ref_len += len(rt)
        for n in range(1, max_n + 1):
            hc = Counter(tuple(ht[i:i + n]) for i in range(len(ht) - n + 1))
            rc = Counter(tuple(rt[i:i + n]) for i in range(len(rt) - n + 1))
            correct[n - 1] += sum(min(c, rc[g]) for g, c in hc.items())
            total[n - 1] += max(0, len(ht) - n + 1)
    prec = [0.0] * max_n
    smooth = 1.0
    for n in range(max_n):
        if total[n] == 0:
            break
        if correct[n] == 0:
            smooth *= 2
            prec[n] = 100.0 / (smooth * total[n])
        else:
            prec[n] = 100.0 * correct[n] / total[n]
    if sys_len == 0:
        return 0.0
    bp = 1.0 if sys_len >= ref_len else math.exp(1 - ref_len / sys_len)
    if min(prec) <= 0:
        return 0.0
    return bp * math.exp(sum(math.log(p) for p in prec) / max_n)


if __name__ == "__main__":
    # small self-checks
    assert abs(corpus_chrf(["the cat"], ["the cat"]) - 100.0) < 1e-9
    assert abs(corpus_bleu(["the cat sat on the mat ."], ["the cat sat on the mat ."]) - 100.0) < 1e-9
    assert tok13a("Hello, world.") == "Hello , world ."
    assert tok13a("3.5 and 3,000 - x") == "3.5 and 3,000 - x"
    print("chrF", corpus_chrf(["El gato se sentó"], ["El gato está sentado"]))
    print("BLEU", corpus_bleu(["the cat sat on a mat"], ["the cat sat on the mat"]))
