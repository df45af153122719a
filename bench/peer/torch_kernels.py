"""PyTorch's side of compare.py's GEMM and convolution rows, the same shapes as bench/AlaeEngine.Bench/PeerKernels.cs:
torch.matmul for the GEMMs (whatever BLAS torch uses; compare.py preloads oneDNN's sgemm over a netlib BLAS) and
aten's convolution_backward (oneDNN) for the convolution's three products. Each line:
    kernel <name> ms=<median> gflops=<rate>
  python3 torch_kernels.py --threads 1 [--cpu-time]
"""
import argparse
import time

from peer_common import set_threads, blas_note

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--reps", type=int, default=7)
p.add_argument("--cpu-time", action="store_true", help="time by the thread's CPU clock (1 thread only)")
args = p.parse_args()
if args.cpu_time and args.threads != 1:
    raise SystemExit("--cpu-time measures one thread; use --threads 1")
torch = set_threads(args.threads)
clock = time.thread_time if args.cpu_time else time.perf_counter

GEMMS = [("gemm 128x1024x1024 nt", 128, 1024, 1024, False, True),
         ("gemm 512x512x4608 nn", 512, 512, 4608, False, False),
         ("gemm 4608x64x512 tn", 4608, 64, 512, True, False)]
CONVS = [(16, 64, 32), (16, 128, 16), (16, 512, 8)]
INSTANCE_NORM = (16, 64, 32)


def timed(op):
    op(); op()
    times = []
    for _ in range(args.reps):
        start = clock()
        op()
        times.append((clock() - start) * 1000.0)
    return sorted(times)[len(times) // 2]


def report(name, flop, ms):
    print(f"kernel {name} ms={ms:.3f} gflops={flop / ms / 1e6:.1f}")


print(f"PyTorch {torch.__version__} CPU kernels, {args.threads} threads ({blas_note(torch)}), {'thread CPU time' if args.cpu_time else 'wall clock'}")
torch.manual_seed(1)
with torch.no_grad():
    for name, m, n, k, ta, tb in GEMMS:
        a = torch.randn(k, m) if ta else torch.randn(m, k)
        b = torch.randn(n, k) if tb else torch.randn(k, n)
        opa, opb = (a.t() if ta else a), (b.t() if tb else b)
        report(name, 2.0 * m * n * k, timed(lambda: torch.matmul(opa, opb)))
    for n, c, r in CONVS:
        x, w, gy = torch.randn(n, c, r, r), torch.randn(c, c, 3, 3), torch.randn(n, c, r, r)
        flop = 2.0 * n * c * c * 9 * r * r
        shape = f"({n},{c},{r},{r})"
        back = lambda mask: torch.ops.aten.convolution_backward(gy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)
        report(f"conv3x3 {shape} forward", flop, timed(lambda: torch.nn.functional.conv2d(x, w, padding=1)))
        report(f"conv3x3 {shape} backward-data", flop, timed(lambda: back([True, False, False])))
        report(f"conv3x3 {shape} backward-weight", flop, timed(lambda: back([False, True, False])))
    # the official encoder's instance norm with its style taps (net.py: mean, std, then nn.InstanceNorm2d)
    n, c, r = INSTANCE_NORM
    x = torch.randn(n, c, r, r)
    norm = torch.nn.InstanceNorm2d(c, affine=False)

    def instance_norm_with_taps():
        m = torch.mean(x, dim=[2, 3], keepdim=True)
        std = torch.sqrt(torch.mean((x - m) ** 2, dim=[2, 3], keepdim=True) + 1e-8)
        return norm(x), m, std
    report(f"instance norm with taps ({n},{c},{r},{r})", 4.0 * x.numel(), timed(instance_norm_with_taps))
