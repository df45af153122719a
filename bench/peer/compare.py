"""AlaeEngine against PyTorch on the CPU, one command: full training iterations (MLP-ALAE against its PyTorch twin,
StyleALAE against the official code) and the GEMM / convolution / instance-norm kernels, each pair timed alternately in
separate processes at the same thread count, several rounds; prints issue 14's table (engine ÷ PyTorch, GEMM % of one
core's peak, peak memory of both) with the machine and the date. Needs no network once the official code is on disk.
Run by hand (CI has no torch), on a machine where nothing else runs:

    python3 bench/peer/compare.py                       # ≈ 12 min on a quiet 2-core Zen 5: threads 1 and 2, 3 rounds
    python3 bench/peer/compare.py --quick               # a few minutes: 1 round, few iterations (checks the command end to end)
    python3 bench/peer/compare.py --threads 1 --pin --cpu-time     # a shared machine: pinned, kernels by CPU time

The official StyleALAE code (github.com/podgorskiy/ALAE) is never committed here: put a copy in
bench/peer/official-alae (ignored by git), e.g. `git clone https://github.com/podgorskiy/ALAE bench/peer/official-alae`,
or pass --alae FOLDER; without it the StyleALAE rows say so and are skipped.

Each row is the median over rounds of each process's median iteration. Memory is each process's peak resident set
(the runtime and libraries included on both sides). If PyTorch here links the netlib reference BLAS, its GEMMs are
sent to oneDNN's sgemm through a preloaded shim (onednn_sgemm_blas.c) and the header says so.
"""
import argparse
import importlib.util
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# the interpreter that has torch: this one, or Debian's (python3 on PATH may be another one, e.g. pyenv's, without it)
PYTHON = sys.executable or "python3"
if importlib.util.find_spec("torch") is None and os.path.exists("/usr/bin/python3"):
    PYTHON = "/usr/bin/python3"
DEFAULT_ALAE = os.path.join(HERE, "official-alae")

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--alae", default=DEFAULT_ALAE, help="copy of github.com/podgorskiy/ALAE (default: bench/peer/official-alae)")
p.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--quick", action="store_true", help="1 round, few iterations: checks the command end to end")
p.add_argument("--only", default="mlp,style,kernels", help="which groups: mlp, style, kernels")
p.add_argument("--pin", action="store_true", help="pin each process to the first <threads> cores (taskset)")
p.add_argument("--cpu-time", action="store_true", help="time the 1-thread kernel rows by thread CPU time (shared machines)")
p.add_argument("--no-build", action="store_true", help="use the engine as last built (Release)")
p.add_argument("--no-blas-shim", action="store_true", help="never preload the oneDNN sgemm shim")
p.add_argument("--max-minutes", type=float, default=16,
               help="start no new row after this many minutes (a row takes at most ~3 min): the table lists the rows left out")
args = p.parse_args()
threads_list = [int(t) for t in args.threads.split(",")]
groups = set(args.only.split(","))
rounds = 1 if args.quick else args.rounds
# (timed iterations, warm-up iterations) per process: sized so the default run stays near 12 minutes on 2 quiet cores
MLP_ITS, STYLE_ITS = ((4, 1), (2, 1)) if args.quick else ((12, 3), (4, 1))
KERNEL_REPS = 3 if args.quick else 7

ENGINE_CLI = os.path.join(ROOT, "src", "AlaeEngine.Cli", "bin", "Release", "net10.0", "alae.dll")
ENGINE_BENCH = os.path.join(ROOT, "bench", "AlaeEngine.Bench", "bin", "Release", "net10.0", "AlaeEngine.Bench.dll")
GEMM_FLOP = {"gemm 128x1024x1024 nt": 2 * 128 * 1024 * 1024, "gemm 512x512x4608 nn": 2 * 512 * 512 * 4608,
             "gemm 4608x64x512 tn": 2 * 4608 * 64 * 512}
STARTED = time.monotonic()


def progress(text):
    print(f"[{time.monotonic() - STARTED:6.0f} s] {text}", file=sys.stderr, flush=True)


def starts(row, skipped):
    """True when the row may start within --max-minutes (it says so on stderr), else records it as left out."""
    if time.monotonic() - STARTED > 60 * args.max_minutes:
        skipped.append(row)
        return False
    progress(row)
    return True


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


def torch_train(script_args, threads, env):
    out = run([PYTHON, "-W", "ignore"] + script_args, threads, env)
    return number(r"median_ms=([\d.]+)", out, "median"), number(r"peak_rss_mib=([\d.]+)", out, "peak memory")


def kernels(out):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^kernel (.+?) ms=([\d.]+)", out, re.M)}


def blas_env():
    """LD_PRELOAD of the oneDNN sgemm shim when torch's BLAS is netlib's reference, else nothing."""
    probe = subprocess.run([PYTHON, "-c", "import torch, sys; sys.path.insert(0, '.'); from peer_common import blas_note; print(torch.__version__, blas_note(torch))"],
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
    """rounds × (engine, peer), the order swapped every round; each side's per-round results."""
    e, t = [], []
    for r in range(rounds):
        for fn, sink in ((engine, e), (peer, t)) if r % 2 == 0 else ((peer, t), (engine, e)):
            sink.append(fn())
    return e, t


def medians(results):
    """(time, memory) medians over rounds of (time, memory) pairs."""
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def machine():
    info = {}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
    except OSError:
        pass
    flags = info.get("Flags", "").split()
    simd = "AVX-512" if "avx512f" in flags else "AVX2 + FMA" if "avx2" in flags and "fma" in flags else "SSE/NEON"
    name = info.get("Model name", platform.processor())
    family = f", family {info['CPU family']} model {info['Model']}" if "CPU family" in info else ""
    return f"{name}{family}, {os.cpu_count()} logical CPUs, {simd}"


def engine_commit():
    done = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %cd", "--date=short"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    return (done.stdout.strip() or "?") + (" + uncommitted changes" if dirty else "")


def issue_table(rows, peak):
    """Issue 14's table: one line per row of the issue, engine ÷ PyTorch at each thread count, memory ratios."""
    at = {(r[0], r[1]): r for r in rows}

    def ratios(cases, threads, what=lambda r: r[2] / r[3]):
        got = [at.get((case, threads)) for case in cases]
        return " / ".join(f"{what(r):.2f}" if r else "–" for r in got)

    def gemm_peak(threads):
        if not peak:
            return ""
        rates = [at.get((case, threads)) for case in GEMM_FLOP]
        if not any(rates):
            return ""
        return " (" + " / ".join(f"{100 * GEMM_FLOP[r[0]] / r[2] / 1e6 / (peak * threads):.0f}" if r else "–" for r in rates) + " % of peak)"

    convs = sorted({r[0].split(" ")[1] for r in rows if r[0].startswith("conv3x3")}, key=lambda s: -int(s.strip("()").split(",")[2]))
    lines = [("MLP-ALAE iteration b32 / b128 / b512", [f"MLP-ALAE b{b}" for b in (32, 128, 512)], True),
             ("StyleALAE iteration, mnist 32² b16, official code", ["StyleALAE mnist 32² b16 (official code)"], True),
             ("StyleALAE iteration, celeba-hq256 8² b16, official code", ["StyleALAE celeba-hq256 8² b16 (official code)"], True),
             ("GEMM 128×1024×1024 nt / 512×512×4608 nn / 4608×64×512 tn", list(GEMM_FLOP), False)]
    lines += [(f"3×3 conv {shape}: forward / data gradient / weight gradient",
               [f"conv3x3 {shape} {part}" for part in ("forward", "backward-data", "backward-weight")], False) for shape in convs]
    lines += [("instance norm with taps (16,64,32,32)", ["instance norm with taps (16,64,32,32)"], False)]
    heads = " | ".join(f"engine ÷ PyTorch, {t} thread{'s' if t > 1 else ''}" for t in threads_list)
    print(f"| issue 14 row | {heads} | peak memory engine ÷ PyTorch |")
    print("| --- |" + " --- |" * (len(threads_list) + 1))
    for title, cases, memory in lines:
        if not any((case, t) in at for case in cases for t in threads_list):
            continue
        cells = [ratios(cases, t) + (gemm_peak(t) if cases == list(GEMM_FLOP) else "") for t in threads_list]
        mem = " ; ".join(f"{ratios(cases, t, lambda r: r[4] / r[5])} ({t} t)" for t in threads_list) if memory else ""
        print(f"| {title} | {' | '.join(cells)} | {mem} |")


def main():
    if not args.no_build:
        progress("building the engine (Release)")
        for project in ("src/AlaeEngine.Cli", "bench/AlaeEngine.Bench"):
            subprocess.run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", os.path.join(ROOT, project)], check=True,
                           stdout=subprocess.DEVNULL)
    env, blas = blas_env()
    style_note = None
    if "style" in groups and not os.path.isfile(os.path.join(args.alae, "model.py")):
        style_note = (f"StyleALAE rows skipped: no copy of the official code at {args.alae} "
                      "(git clone https://github.com/podgorskiy/ALAE there, or pass --alae)")
        groups.discard("style")

    rows = []       # (case, threads, engine ms, torch ms, engine MiB, torch MiB)
    skipped = []    # rows not started for lack of time
    peaks = []      # one core's measured float32 FMA peak, per engine kernel run at 1 thread
    for threads in threads_list:
        if "mlp" in groups:
            its, warm = MLP_ITS
            for batch in (32, 128, 512):
                if not starts(f"MLP-ALAE b{batch}, {threads} threads", skipped):
                    continue
                e, t = alternate(lambda: engine_train("mlp", 0, batch, threads, its, warm),
                                 lambda: torch_train(["mlp_alae_twin.py", "--batch", str(batch), "--threads", str(threads),
                                                      "--iterations", str(its), "--warmup", str(warm)], threads, env))
                rows.append((f"MLP-ALAE b{batch}", threads, *medians(e)[:1], *medians(t)[:1], medians(e)[1], medians(t)[1]))
        if "style" in groups:
            its, warm = STYLE_ITS
            for preset, config, res in (("mnist", "mnist", 32), ("celeba-hq256", "celeba-hq256", 8)):
                if not starts(f"StyleALAE {preset} {res}², {threads} threads", skipped):
                    continue
                e, t = alternate(lambda: engine_train(preset, res, 16, threads, its, warm),
                                 lambda: torch_train(["official_stylealae.py", "--alae", args.alae, "--config", config, "--res", str(res),
                                                      "--batch", "16", "--threads", str(threads), "--iterations", str(its),
                                                      "--warmup", str(warm)], threads, env))
                rows.append((f"StyleALAE {preset} {res}² b16 (official code)", threads, medians(e)[0], medians(t)[0], medians(e)[1], medians(t)[1]))
        if "kernels" in groups and starts(f"kernels, {threads} threads", skipped):
            cpu_time = ["--cpu-time"] if args.cpu_time and threads == 1 else []
            reps = ["--reps", str(KERNEL_REPS)]

            def engine_kernels():
                out = run(["dotnet", ENGINE_BENCH, "peer-kernels", "--threads", str(threads)] + reps + cpu_time, threads)
                if threads == 1:
                    peaks.append(number(r"peak gflops=([\d.]+)", out, "peak"))
                return kernels(out)

            e_runs, t_runs = alternate(engine_kernels,
                                       lambda: kernels(run([PYTHON, "torch_kernels.py", "--threads", str(threads)] + reps + cpu_time, threads, env)))
            for name in e_runs[0]:
                rows.append((name, threads, statistics.median(r[name] for r in e_runs), statistics.median(r[name] for r in t_runs), None, None))

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"## AlaeEngine vs PyTorch on the CPU, {now}\n")
    print(f"- machine: {machine()}")
    print(f"- engine: {engine_commit()}, .NET {subprocess.run(['dotnet', '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"- PyTorch {blas}")
    print(f"- {rounds} rounds, engine and PyTorch alternating in separate processes at the same thread count"
          f"{', pinned (taskset)' if args.pin else ''}; times are medians over rounds of each process's median"
          f" ({MLP_ITS[0]} MLP / {STYLE_ITS[0]} StyleALAE timed iterations after {MLP_ITS[1]} / {STYLE_ITS[1]} warm-up,"
          f" {KERNEL_REPS} kernel repetitions){'; --quick: a check of the command, not a measurement' if args.quick else ''}")
    if style_note:
        print(f"- {style_note}")
    if skipped:
        print(f"- left out, past --max-minutes {args.max_minutes:g}: {'; '.join(skipped)}")
    peak = statistics.median(peaks) if peaks else None
    if peak:
        print(f"- one core's float32 peak, measured (12 independent FMA chains in the GEMM's widest vectors): {peak:.1f} GFLOP/s")
    print()

    issue_table(rows, peak)
    print("\nEvery row (median times; memory: process peak resident set):\n")
    print("| case | threads | engine | PyTorch | engine ÷ PyTorch | engine peak MiB | PyTorch peak MiB | memory ratio | note |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for case, threads, e_ms, t_ms, e_mib, t_mib in rows:
        mem = f"{e_mib:.0f} | {t_mib:.0f} | {e_mib / t_mib:.2f}" if e_mib else " |  | "
        note = ""
        if case in GEMM_FLOP:
            rate = GEMM_FLOP[case] / e_ms / 1e6
            note = f"engine {rate:.1f} GFLOP/s" + (f" = {100 * rate / (peak * threads):.0f} % of {threads} × peak" if peak else "")
            note += f"; PyTorch {GEMM_FLOP[case] / t_ms / 1e6:.1f} GFLOP/s"
        print(f"| {case} | {threads} | {e_ms:.1f} ms | {t_ms:.1f} ms | {e_ms / t_ms:.2f} | {mem} | {note} |")

    if len(threads_list) > 1:
        lo, hi = min(threads_list), max(threads_list)
        print(f"\nspeed-up from {lo} to {hi} threads (engine / PyTorch):\n")
        for case in dict.fromkeys(r[0] for r in rows):
            at = {r[1]: r for r in rows if r[0] == case}
            if lo in at and hi in at:
                print(f"- {case}: {at[lo][2] / at[hi][2]:.2f}× / {at[lo][3] / at[hi][3]:.2f}×")
    print(f"\n(the whole comparison took {(time.monotonic() - STARTED) / 60:.1f} min)")


main()
