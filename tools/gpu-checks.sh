#!/usr/bin/env bash
# The GPU step of issue 9: one prepared run, at most 8 minutes on an H200, from an unpacked bundle (tools/bundle.sh;
# no .NET SDK needed), that writes everything it learns into one folder:
#   tools/gpu-checks.sh BUNDLE_DIR OUT_DIR [--rehearsal]   (in the unpacked bundle: ./gpu-checks.sh . OUT_DIR)
#   tools/gpu-checks.sh BUNDLE_DIR OUT_DIR faces           issue 5's faces run (separate, not part of the 8 minutes)
#   tools/gpu-checks.sh BUNDLE_DIR OUT_DIR official        only the peer steps (a second call, if the first ran out of time)
# OUT_DIR afterwards:
#   summary.txt         one line per step: name, ok / failed (exit code) / timed out / absent / skipped, seconds, budget
#   versions.txt        nvidia-smi, and the GPU, driver, NVRTC and cuBLAS versions and library files alae loaded
#   selftest.txt        alae selftest: every op of the op table (forward, backward, second order), CUDA f32 against CPU f32
#   cuda-tests.txt      the CUDA tests (parity, training parity, grid-stride passes)
#   memcheck.txt, racecheck.txt   compute-sanitizer on a subset of the parity tests, if the tool is found (summary.txt:
#                       ok = ran clean, exit code 99 = errors found, another code = did not run through, absent)
#   bench-*.txt         alae bench train: MLP-ALAE at batch 128 and the six StyleALAE cases of issue 5 (celeba-hq256 at
#                       8² b64 … 256² b16, mnist 32² b128): median ms, images/s, peak MiB, launches, the cost model;
#                       --profile 3 at 64² b32 and 256² b16
#   kernels.txt, kernels/   the CUDA kernel benchmarks at the four StyleALAE shapes with the device-to-device copy ceiling
#                       measured in the same run (BenchmarkDotNet's report in kernels/results)
#   twin-mlp-128.txt, official-*.txt   the peers on the same GPU, in the time the deadline leaves: the PyTorch
#                       MLP-ALAE twin at batch 128 and the official StyleALAE code (the bundle's peer/official-alae, see
#                       tools/bundle.sh) at the StyleALAE cases above, with the box's python3 and PyTorch (result line:
#                       median_ms, images_per_s, peak_gpu_mib); absent when either is missing
# Every step has a time budget (seconds, below) and the whole run a deadline; a step that fails or runs out of time is
# recorded and the next one runs. --rehearsal runs the same steps with the work cut down (every StyleALAE case as the
# tiny preset at 8² batch 2, one iteration, a subset of the tests, small kernel shapes) and every budget ×6, for a dress rehearsal against the host
# emulation (ALAE_LIBCUDA / ALAE_LIBCUBLAS naming the libraries of tests/…/HostEmulation/run.sh --build-only), which
# runs kernels on the CPU.
set -uo pipefail
bundle=$(cd "${1:?bundle folder}" && pwd)
out=$(mkdir -p "${2:?output folder}" && cd "$2" && pwd)
mode=${3:-gpu}
case "$mode" in gpu | --rehearsal | faces | official) ;; *) echo "gpu-checks.sh: unknown mode '$mode' (expected --rehearsal, faces or official)" >&2; exit 2 ;; esac
scale=1
[ "$mode" = --rehearsal ] && scale=6
start=$(date +%s)
deadline=$((start + 465 * scale))
status=0

# step NAME BUDGET COMMAND...: runs COMMAND from the bundle with the smaller of BUDGET and the time left, output in
# OUT/NAME.txt, and a line in summary.txt
step() {
    local name=$1 budget=$(($2 * scale)); shift 2
    local now left rc t0 result
    now=$(date +%s); left=$((deadline - now))
    if [ "$left" -lt 5 ]; then
        printf '%-22s skipped (the run is out of time)\n' "$name" | tee -a "$out/summary.txt"; status=1; return
    fi
    [ "$budget" -gt "$left" ] && budget=$left
    echo "== $name (budget ${budget} s): $*"
    t0=$(date +%s)
    (cd "$bundle" && timeout --kill-after=5 "$budget" "$@") > "$out/$name.txt" 2>&1
    rc=$?
    case $rc in
        0) result=ok ;;
        124 | 137) result="timed out"; status=1 ;;
        *) result="failed (exit code $rc)"; status=1 ;;
    esac
    printf '%-22s %-24s %4d s of %d s\n' "$name" "$result" $(($(date +%s) - t0)) "$budget" | tee -a "$out/summary.txt"
    tail -n 3 "$out/$name.txt" | sed 's/^/   /'
}

# the official code and the MLP-ALAE twin on the same device with the box's PyTorch, after the engine's own figures (the
# rehearsal: on the CPU, the tiny cases); each a step of its own, recorded as absent when python3, torch or the code is missing
officials() {
    local device=cuda why=""
    [ "$mode" = --rehearsal ] && device=cpu
    if ! command -v python3 >/dev/null 2>&1; then why="no python3 on PATH"
    elif ! python3 -c 'import torch, numpy' >/dev/null 2>&1; then why="python3 lacks torch or numpy"
    elif [ "$device" = cuda ] && ! python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then why="torch sees no CUDA device"
    fi
    if [ -n "$why" ]; then printf '%-22s absent (%s)\n' official "$why" | tee -a "$out/summary.txt"; return; fi
    python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda)' >> "$out/versions.txt" 2>&1
    local twin=(--batch 128 --iterations 20 --warmup 3)
    [ "$mode" = --rehearsal ] && twin=(--batch 8 --iterations 1 --warmup 1)
    step twin-mlp-128 20 python3 peer/mlp_alae_twin.py --device "$device" "${twin[@]}"
    if [ ! -f "$bundle/peer/official-alae/model.py" ]; then
        printf '%-22s absent (%s)\n' official-style "the bundle has no peer/official-alae: see tools/bundle.sh" | tee -a "$out/summary.txt"
        return
    fi
    # NAME BUDGET CONFIG RES BATCH ITERATIONS
    # the cases of the engine's bench steps, the ones the paper's figures cover best first
    local cases=("official-style-8-64 25 celeba-hq256 8 64 10" "official-style-64-32 30 celeba-hq256 64 32 5"
                 "official-style-256-16 45 celeba-hq256 256 16 3" "official-mnist-32-128 25 mnist 32 128 10"
                 "official-style-32-64 25 celeba-hq256 32 64 6" "official-style-128-32 35 celeba-hq256 128 32 4")
    local c name budget config res batch iterations warmup=2
    for c in "${cases[@]}"; do
        read -r name budget config res batch iterations <<< "$c"
        [ "$mode" = --rehearsal ] && { res=8; batch=2; iterations=1; warmup=1; }
        step "$name" "$budget" python3 peer/official_stylealae.py --alae peer/official-alae --device "$device" \
            --config "$config" --res "$res" --batch "$batch" --iterations "$iterations" --warmup "$warmup"
    done
}

if [ "$mode" = official ]; then
    : > "$out/summary.txt"
    echo "gpu-checks.sh official, $(date -u +%Y-%m-%dT%H:%M:%SZ), bundle $bundle" >> "$out/summary.txt"
    officials
    exit $status
fi

if [ "$mode" = faces ]; then
    # issue 5's faces run: train style --preset faces64 on the bundled faces up to 64² (resumes where the last call
    # stopped; run it again until it says done), then copies the newest sample grid to OUT
    resume=(); [ -d "$bundle/runs/faces64/checkpoints" ] && resume=(--resume)
    deadline=$((start + 3600)); scale=1
    step faces64 3500 ./run.sh train style --preset faces64 --data data/faces128-sample --out runs/faces64 --device cuda "${resume[@]}"
    grid=$(ls -t "$bundle/runs/faces64/samples/"*.png 2>/dev/null | head -n 1)
    [ -n "$grid" ] && cp "$grid" "$out/faces64-$(basename "$grid")" && cp "$bundle/runs/faces64/metrics.jsonl" "$out/" 2>/dev/null
    exit $status
fi

: > "$out/summary.txt"
echo "gpu-checks.sh $mode, $(date -u +%Y-%m-%dT%H:%M:%SZ), bundle $bundle" >> "$out/summary.txt"
if [ "$mode" = --rehearsal ]; then
    tests='FullyQualifiedName~GpuResampleNormParityTests|FullyQualifiedName~LibraryDiscovery'
    export ALAE_BENCH_SHAPES=2x8x16x16
    echo "rehearsal: every StyleALAE case as the tiny preset at 8² batch 2 and MLP-ALAE at batch 8, one iteration;" \
         "tests: $tests; kernel shapes $ALAE_BENCH_SHAPES; budgets ×$scale" >> "$out/summary.txt"
else
    tests='FullyQualifiedName~Cuda'
fi
# memcheck: the parity tests of the indexing-heavy kernels (resampling, norms, axis copies, Adam/lerp tables, sums,
# broadcasting); racecheck: those of the kernels with shared memory and warp shuffles (instance_norm, sum_to)
declare -A sanitized=(
    [memcheck]='FullyQualifiedName~GpuResampleNormParityTests|FullyQualifiedName~GpuElementwiseParityTests.SumTo|FullyQualifiedName~GpuElementwiseParityTests.Binary'
    [racecheck]='FullyQualifiedName~ParityTests.InstanceNorm|FullyQualifiedName~ParityTests.SumTo'
)

step selftest 45 ./run.sh selftest
{
    echo "# nvidia-smi"
    if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory --format=csv 2>&1
        nvidia-smi 2>&1
    else
        echo "absent: nvidia-smi is not on PATH"
    fi
    echo "# alae selftest's header: the GPU, the versions and files of the driver, NVRTC and cuBLAS it loaded"
    sed -n '1,/^op /p' "$out/selftest.txt" | grep -v '^op '
} > "$out/versions.txt" 2>&1
step cuda-tests 110 ./run.sh test --filter "$tests"

sanitizer=$(command -v compute-sanitizer 2>/dev/null || ls -d ${CUDA_HOME:-/usr/local/cuda}/bin/compute-sanitizer /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | sort -V | tail -n 1)
for tool in memcheck racecheck; do
    if [ -z "$sanitizer" ] || [ ! -x "$sanitizer" ]; then
        echo "absent: compute-sanitizer not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda*/bin)" > "$out/$tool.txt"
        printf '%-22s %s\n' "$tool" "absent (no compute-sanitizer)" | tee -a "$out/summary.txt"
        continue
    fi
    # exit code 99: the tool found errors; another non-zero code: the tool or the tests did not run through
    step "$tool" 35 "$sanitizer" --tool "$tool" --target-processes all --error-exitcode 99 ./run.sh test --filter "${sanitized[$tool]}"
done

# bench NAME BUDGET PRESET RES BATCH ITERATIONS [--profile]: one alae bench train case (the rehearsal trains the tiny
# preset at 8² batch 2, or MLP-ALAE at batch 8, for one iteration instead)
bench() {
    local name=$1 budget=$2 preset=$3 res=$4 batch=$5 iterations=$6 profile=${7:-}
    local args=(--preset "$preset" --res "$res" --batch "$batch" --iterations "$iterations" --warmup $((iterations > 10 ? 3 : 2)))
    [ "$preset" = mlp ] && args=(--preset mlp --batch "$batch" --iterations "$iterations" --warmup 3)
    [ -n "$profile" ] && args+=(--profile 3)
    if [ "$mode" = --rehearsal ]; then
        args=(--preset tiny --res 8 --batch 2 --iterations 1 --warmup 1)
        [ "$preset" = mlp ] && args=(--preset mlp --batch 8 --iterations 1 --warmup 1)
        [ -n "$profile" ] && args+=(--profile 1)
    fi
    step "$name" "$budget" ./run.sh bench train --device cuda "${args[@]}"
}
# iterations chosen from the cost model's lower bounds (bench/NOTES.md: 0.9, 31, 403, 444, 641, 461, 64 ms per iteration
# with FP32 GEMMs) so that each case times about 10 s even at 2–3× its bound
bench bench-mlp-128 15 mlp 0 128 20
bench bench-style-8-64 15 celeba-hq256 8 64 20
bench bench-style-32-64 20 celeba-hq256 32 64 6
bench bench-style-64-32 25 celeba-hq256 64 32 5 --profile
bench bench-style-128-32 25 celeba-hq256 128 32 5
bench bench-style-256-16 40 celeba-hq256 256 16 5 --profile
bench bench-mnist-32-128 20 mnist 32 128 20

step kernels 60 ./run.sh bench --filter '*CudaKernelBenchmarks*' --iterationCount 3 --warmupCount 1 --iterationTime 100 \
    --launchCount 1 --artifacts "$out/kernels"

officials

echo "total $(($(date +%s) - start)) s (deadline $((465 * scale)) s)" | tee -a "$out/summary.txt"
exit $status
