"""AlaeEngine against PyTorch on the CPU, one command: full training iterations (MLP-ALAE against its PyTorch twin,
StyleALAE against the official code) and the GEMM / convolution kernels, each pair timed alternately in separate
processes at the same thread count, several rounds, and the ratios printed (engine ÷ PyTorch: below 1 the engine is
faster). Run by hand (CI has no torch):

    git clone https://github.com/podgorskiy/ALAE /tmp/ALAE        # the official StyleALAE code, never committed here
    python3 bench/peer/compare.py --alae /tmp/ALAE                 # threads 1 and 2, 3 rounds
    python3 bench/peer/compare.py --alae /tmp/ALAE --quick         # fewer iterations and rounds, a first look
    python3 bench/peer/compare.py --threads 1 --pin --cpu-time     # a shared machine: pinned, kernels by CPU time

Each row is the median over rounds of each process's median iteration. Memory is each process's peak resident set
(the runtime and libraries included on both sides). If PyTorch here links the netlib reference BLAS, its GEMMs are
sent to oneDNN's sgemm through a preloaded shim (onednn_sgemm_blas.c) and the header says so.
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = sys.executable or "python3"

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--alae", help="clone of github.com/podgorskiy/ALAE (without it the StyleALAE rows are skipped)")
p.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--quick", action="store_true", help="2 rounds, fewer iterations")
p.add_argument("--only", default="mlp,style,kernels", help="which groups: mlp, style, kernels")
p.add_argument("--pin", action="store_true", help="pin each process to the first <threads> cores (taskset)")
p.add_argument("--cpu-time", action="store_true", help="time the 1-thread kernel rows by thread CPU time (shared machines)")
p.add_argument("--no-build", action="store_true", help="use the engine as last built (Release)")
p.add_argument("--no-blas-shim", action="store_true", help="never preload the oneDNN sgemm shim")
args = p.parse_args()
threads_list = [int(t) for t in args.threads.split(",")]
groups = set(args.only.split(","))
rounds = 2 if args.quick else args.rounds

ENGINE_CLI = os.path.join(ROOT, "src", "AlaeEngine.Cli", "bin", "Release", "net10.0", "alae.dll")
ENGINE_BENCH = os.path.join(ROOT, "bench", "AlaeEngine.Bench", "bin", "Release", "net10.0", "AlaeEngine.Bench.dll")


def run(cmd, threads, env=None):
    if args.pin and shutil.which("taskset"):
        cmd = ["taskset", "-c", f"0-{threads - 1}"] + cmd
    full_env = dict(os.environ, **(env or {}))
    done = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=HERE)
    if done.returncode != 0:
        sys.exit(f"compare.py: {' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def number(pattern, text, what):
    m = re.search(pattern, text)
    if not m:
        sys.exit(f"compare.py: no {what} in the output:\n{text[-2000:]}")
    return float(m.group(1))


def engine_train(preset, res, batch, threads, iterations, warmup):
    cmd = ["dotnet", ENGINE_CLI, "bench", "train", "--device", "cpu", "--preset", preset, "--batch", str(batch),
           "--threads", str(threads), "--iterations", str(iterations), "--warmup", str(warmup)]
    if res:
        cmd += ["--res", str(res)]
    out = run(cmd, threads)
    return number(r"median\s+([\d.]+) ms", out, "median"), number(r"peak memory ([\d.]+) MiB", out, "peak memory")


def torch_result(script_args, threads, env):
    out = run([PYTHON, "-W", "ignore"] + script_args, threads, env)
    return number(r"median_ms=([\d.]+)", out, "median"), number(r"peak_rss_mib=([\d.]+)", out, "peak memory"), out.splitlines()[0]


def kernels(out):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^kernel (.+?) ms=([\d.]+)", out, re.M)}


def blas_env():
    """LD_PRELOAD of the oneDNN sgemm shim when torch's BLAS is netlib's reference, else nothing."""
    probe = subprocess.run([PYTHON, "-c", "import torch, sys; sys.path.insert(0, '.'); from peer_common import blas_note; print(blas_note(torch))"],
                           capture_output=True, text=True, cwd=HERE)
    note = probe.stdout.strip()
    if probe.returncode != 0:
        sys.exit(f"compare.py: cannot import torch with {PYTHON}:\n{probe.stderr[-1500:]}")
    if args.no_blas_shim or "generic" not in note or "openblas" in note.lower() or "mkl" in note.lower():
        return {}, note
    lib = os.path.join(tempfile.mkdtemp(prefix="alae-peer-"), "onednn_sgemm_blas.so")
    build = subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", lib, os.path.join(HERE, "onednn_sgemm_blas.c"), "-l:libdnnl.so.2"],
                           capture_output=True, text=True)
    if build.returncode != 0:
        print(f"note: torch uses the reference BLAS ({note}) and the oneDNN shim did not build:\n{build.stderr}")
        return {}, note
    return {"LD_PRELOAD": lib}, note + " → GEMMs preloaded onto oneDNN's sgemm (onednn_sgemm_blas.c)"


def alternate(engine, peer):
    """rounds × (engine, peer), the order swapped every round; medians over rounds of (time, memory) for each."""
    e, t = [], []
    for r in range(rounds):
        for side in ((engine, e), (peer, t)) if r % 2 == 0 else ((peer, t), (engine, e)):
            side[1].append(side[0]())
    med = lambda rows, i: statistics.median(row[i] for row in rows)
    return (med(e, 0), med(e, 1)), (med(t, 0), med(t, 1))


def main():
    if not args.no_build:
        for project in ("src/AlaeEngine.Cli", "bench/AlaeEngine.Bench"):
            subprocess.run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", os.path.join(ROOT, project)], check=True,
                           stdout=subprocess.DEVNULL)
    env, blas = blas_env()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"# AlaeEngine vs PyTorch on the CPU, {date.today()}: {cpu}, {os.cpu_count()} logical CPUs; torch: {blas}")
    print(f"# {rounds} rounds, engine and PyTorch alternating; times are medians (ms per iteration or per call)\n")

    rows = []   # (group, case, threads, engine ms, torch ms, engine MiB, torch MiB)
    its, warm = (3, 1) if args.quick else (10, 3)
    for threads in threads_list:
        if "mlp" in groups:
            for batch in (32, 128, 512):
                e, t = alternate(lambda: engine_train("mlp", 0, batch, threads, its * 2, warm),
                                 lambda: torch_result(["mlp_alae_twin.py", "--batch", str(batch), "--threads", str(threads),
                                                       "--iterations", str(its * 2), "--warmup", str(warm)], threads, env)[:2])
                rows.append(("train", f"MLP-ALAE b{batch}", threads, e[0], t[0], e[1], t[1]))
        if "style" in groups and args.alae:
            for preset, config, res in (("mnist", "mnist", 32), ("celeba-hq256", "celeba-hq256", 8)):
                e, t = alternate(lambda: engine_train(preset, res, 16, threads, its, warm),
                                 lambda: torch_result(["official_stylealae.py", "--alae", args.alae, "--config", config, "--res", str(res),
                                                       "--batch", "16", "--threads", str(threads), "--iterations", str(its),
                                                       "--warmup", str(warm)], threads, env)[:2])
                rows.append(("train", f"StyleALAE {preset} {res}² b16 (official code)", threads, e[0], t[0], e[1], t[1]))
        if "kernels" in groups:
            cpu_time = ["--cpu-time"] if args.cpu_time and threads == 1 else []
            peak = []

            def engine_kernels():
                out = run(["dotnet", ENGINE_BENCH, "peer-kernels", "--threads", str(threads)] + cpu_time, threads)
                peak.append(number(r"peak gflops=([\d.]+)", out, "peak"))
                return kernels(out), 0.0

            def torch_kernels():
                return kernels(run([PYTHON, "torch_kernels.py", "--threads", str(threads)] + cpu_time, threads, env)), 0.0

            e_runs, t_runs = [], []
            for r in range(rounds):
                order = ((engine_kernels, e_runs), (torch_kernels, t_runs)) if r % 2 == 0 else ((torch_kernels, t_runs), (engine_kernels, e_runs))
                for fn, sink in order:
                    sink.append(fn()[0])
            for name in e_runs[0]:
                e_ms = statistics.median(run_[name] for run_ in e_runs)
                t_ms = statistics.median(run_[name] for run_ in t_runs)
                rows.append(("kernel", name, threads, e_ms, t_ms, None, None))
            if threads == 1:
                print(f"one core's float32 FMA peak, measured: {statistics.median(peak):.1f} GFLOP/s")
                flops = {"gemm 128x1024x1024 nt": 2 * 128 * 1024 * 1024, "gemm 512x512x4608 nn": 2 * 512 * 512 * 4608,
                         "gemm 4608x64x512 tn": 2 * 4608 * 64 * 512}
                for name, f in flops.items():
                    ms = statistics.median(run_[name] for run_ in e_runs)
                    print(f"  {name}: {f / ms / 1e6:.1f} GFLOP/s = {100 * f / ms / 1e6 / statistics.median(peak):.0f} % of that peak")
                print()

    print(f"| case | threads | engine | PyTorch | engine ÷ PyTorch | engine peak MiB | PyTorch peak MiB | memory ratio |")
    print(f"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for group, case, threads, e_ms, t_ms, e_mib, t_mib in rows:
        mem = f"| {e_mib:.0f} | {t_mib:.0f} | {e_mib / t_mib:.2f} |" if e_mib else "| | | |"
        print(f"| {case} | {threads} | {e_ms:.1f} ms | {t_ms:.1f} ms | {e_ms / t_ms:.2f} {mem}")
    if len(threads_list) > 1:
        lo, hi = min(threads_list), max(threads_list)
        print(f"\nspeed-up {lo} → {hi} threads (engine / PyTorch):")
        for case in dict.fromkeys(r[1] for r in rows if r[0] == "train"):
            at = {r[2]: r for r in rows if r[1] == case}
            if lo in at and hi in at:
                print(f"  {case}: {at[lo][3] / at[hi][3]:.2f}× / {at[lo][4] / at[hi][4]:.2f}×")


main()
