#!/usr/bin/env bash
# The first checks to run on a GPU box, from an unpacked bundle (tools/bundle.sh), each step's output in its own log:
#   tools/gpu-checks.sh BUNDLE_DIR OUT_DIR [correctness|training|kernels|all]
#   correctness  alae selftest (every op, CUDA f32 against CPU f32) and the CUDA tests (parity, training parity)
#   training     alae bench train: MLP-ALAE at batch 128 and issue 5's six StyleALAE cases, two with --profile
#   kernels      the CUDA kernel benchmarks (BenchmarkDotNet, a few minutes)
#   faces        issue 5's faces run: train style --preset faces64 on the bundled faces up to 64² (resumes where the
#                last call stopped; run it again until it says done), then copies the newest sample grid to OUT
# Steps are split so each fits a 10-minute call; a failing step is logged and the next one still runs.
set -uo pipefail
bundle=$(cd "${1:?bundle folder}" && pwd)
out=$(mkdir -p "${2:?output folder}" && cd "$2" && pwd)
what=${3:-all}
status=0
step() {   # step NAME COMMAND...: runs the bundle's run.sh with the arguments, log in OUT/NAME.txt
    local name=$1; shift
    echo "== $name: run.sh $*"
    if ! (cd "$bundle" && ./run.sh "$@") > "$out/$name.txt" 2>&1; then echo "   failed, see $out/$name.txt"; status=1; fi
    tail -n 3 "$out/$name.txt"
}
if [ "$what" = correctness ] || [ "$what" = all ]; then
    step selftest selftest
    step cuda-tests test --filter "FullyQualifiedName~Cuda"
fi
if [ "$what" = training ] || [ "$what" = all ]; then
    step bench-mlp-128 bench train --preset mlp --batch 128 --device cuda --profile 3
    step bench-style-8-64 bench train --preset celeba-hq256 --res 8 --batch 64 --device cuda
    step bench-style-32-64 bench train --preset celeba-hq256 --res 32 --batch 64 --device cuda
    step bench-style-64-32 bench train --preset celeba-hq256 --res 64 --batch 32 --device cuda --profile 3
    step bench-style-128-32 bench train --preset celeba-hq256 --res 128 --batch 32 --device cuda
    step bench-style-256-16 bench train --preset celeba-hq256 --res 256 --batch 16 --device cuda
    step bench-mnist-32-128 bench train --preset mnist --res 32 --batch 128 --device cuda
fi
if [ "$what" = kernels ] || [ "$what" = all ]; then
    step kernel-benchmarks bench --filter '*Cuda*'
fi
if [ "$what" = faces ]; then
    resume=(); [ -d "$bundle/runs/faces64/checkpoints" ] && resume=(--resume)
    step faces64 train style --preset faces64 --data data/faces128-sample --out runs/faces64 --device cuda "${resume[@]}"
    grid=$(ls -t "$bundle/runs/faces64/samples/"*.png 2>/dev/null | head -n 1)
    [ -n "$grid" ] && cp "$grid" "$out/faces64-$(basename "$grid")" && cp "$bundle/runs/faces64/metrics.jsonl" "$out/" 2>/dev/null
fi
exit $status
