"""The SGEMM rate torch gets here, printed beside every comparison with PyTorch.

Debian's python3-torch calls whichever libblas.so.3 the system selects; with only the reference BLAS (libblas3)
installed, matmuls run ~40x slower than with OpenBLAS and any comparison flatters StreamFormer. Install
libopenblas0-pthread (update-alternatives then selects it) before measuring.
"""
import sys
import time

SLOW_GFLOPS = 20.0


def sgemm_gflops(torch, n=1024, repeats=3):
    """Best GFLOP/s of an n x n x n fp32 matmul on torch's current threads."""
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    a @ b
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = max(best, 2.0 * n ** 3 / (time.perf_counter() - start) / 1e9)
    return best


def report(torch):
    """Prints torch's SGEMM rate to stderr, with a warning when it is the reference BLAS's; returns the rate."""
    rate = sgemm_gflops(torch)
    print(f"torch SGEMM {rate:.1f} GFLOP/s on {torch.get_num_threads()} threads", file=sys.stderr, flush=True)
    if rate < SLOW_GFLOPS:
        print("WARNING: torch runs on a slow BLAS (the reference libblas3?): install libopenblas0-pthread, or the "
              "comparison flatters StreamFormer", file=sys.stderr, flush=True)
    return rate
