#!/usr/bin/env bash
# Builds artifacts/alae-bundle-linux-x64.tar.gz: everything a bare x64 Linux box with an NVIDIA driver needs to run
# `alae`, the tests and the benchmarks, with no .NET SDK or runtime installed there. Layout of the unpacked folder:
#   run.sh           entry: DOTNET_ROOT=./dotnet, then alae (default), the tests (`run.sh test`) or the benchmarks (`run.sh bench`)
#   dotnet/          the .NET runtime of the SDK that built the bundle: the dotnet host, host/fxr, shared/Microsoft.NETCore.App
#   alae/ tests/ bench/   framework-dependent linux-x64 publishes (the CUDA kernels are embedded resources of AlaeEngine.dll)
#   data/mnist/      the bundled MNIST sample; AlaeEngine.sln marks the root, where the tests look for data/
#   data/faces128-sample/  the 32 bundled faces (train style's default data, tools/gpu-checks.sh faces)
#   gpu-checks.sh    tools/gpu-checks.sh: the prepared GPU step (./gpu-checks.sh . OUT_DIR)
#   peer/            bench/peer's PyTorch timing scripts (the MLP-ALAE twin, the official StyleALAE timer), and in
#                    peer/official-alae the code files (*.py, configs/*.yaml) of the user's own clone of the official
#                    ALAE code when bench/peer/official-alae holds one (ignored by git, never committed): the GPU step
#                    times it on the same GPU as the engine
# NVRTC and cuBLAS are not bundled (hundreds of MB): the box needs the CUDA toolkit's or the pip wheels' (see README).
# Usage: tools/bundle.sh   (from anywhere; needs the .NET 10 SDK; prints the archive's size and fails above 60 MB)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
name=alae-bundle-linux-x64
out="$repo/artifacts/$name.tar.gz"
limit=$((60 * 1024 * 1024))

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/dotnet" "$root/data"

publish() { # project, folder
    dotnet publish "$repo/$1" -c Release -r linux-x64 --self-contained false -p:DebugType=none -o "$root/$2" -v quiet -nologo
}
publish src/AlaeEngine.Cli alae
publish tests/AlaeEngine.Tests tests
publish bench/AlaeEngine.Bench bench

# only the runtime the apps roll forward to (the newest 10.0.x), not every runtime the SDK folder may hold
dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls "$dotnet_dir/shared/Microsoft.NETCore.App" | grep '^10\.' | sort -V | tail -1)
fxr=$(ls "$dotnet_dir/host/fxr" | sort -V | tail -1)
tar -C "$dotnet_dir" -cf - dotnet "host/fxr/$fxr" "shared/Microsoft.NETCore.App/$runtime" | tar -C "$root/dotnet" -xf -

cp -r "$repo/data/mnist" "$root/data/mnist"
cp -r "$repo/data/faces128-sample" "$root/data/faces128-sample"
cp "$repo/AlaeEngine.sln" "$root/"
cp "$repo/tools/gpu-checks.sh" "$root/"
mkdir -p "$root/peer"
cp "$repo"/bench/peer/{peer_common,mlp_alae_twin,official_stylealae}.py "$root/peer/"
official="$repo/bench/peer/official-alae"
if [ -f "$official/model.py" ]; then
    (cd "$official" && find -L . \( -name '*.py' -o -path './configs/*.yaml' \) -not -path './.git/*' -print0 |
        tar --null -T - -chf -) | (mkdir -p "$root/peer/official-alae" && tar -C "$root/peer/official-alae" -xf -)
    echo "bundle.sh: the official ALAE code from $official is in peer/official-alae ($(du -sh "$root/peer/official-alae" | cut -f1))"
else
    echo "bundle.sh: no official ALAE code in $official (git clone https://github.com/podgorskiy/ALAE there to time it on the GPU)"
fi
cat > "$root/run.sh" <<'RUN'
#!/usr/bin/env bash
# AlaeEngine bundle: runs on the bundled .NET runtime, from this folder (so data/mnist and runs/ are found here).
#   ./run.sh selftest | train mlp | gradcheck | ...   alae with these arguments (./run.sh --help)
#   ./run.sh test [options]    the NUnit suite; the GPU parity tests run when a GPU is found (--help for options)
#   ./run.sh bench [options]   the benchmarks, in-process: ./run.sh bench --filter '*Cuda*' (or '*Cpu*', '*Iteration*')
#   ./run.sh bench train ...   alae's training benchmark (alae bench train)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DOTNET_ROOT="$here/dotnet"
cd "$here"
case "${1:-}" in
    test) shift; exec "$here/tests/AlaeEngine.Tests" "$@" ;;
    bench)
        # `bench train` is alae's training benchmark; any other `bench` goes to the kernel benchmarks
        if [ "${2:-}" = train ]; then exec "$here/alae/alae" "$@"; fi
        shift; exec "$here/bench/AlaeEngine.Bench" "$@" ;;
    *) exec "$here/alae/alae" "$@" ;;
esac
RUN
chmod +x "$root/run.sh"

mkdir -p "$(dirname "$out")"
tar -C "$stage" -czf "$out" "$name"
size=$(stat -c %s "$out")
echo "$out: $((size / 1024 / 1024)) MB ($size bytes), limit 60 MB"
if [ "$size" -gt "$limit" ]; then echo "bundle.sh: the archive exceeds 60 MB" >&2; exit 1; fi
