using System.CommandLine;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>
/// `alae reconstruct | generate | interpolate | mix | manipulate`, writing PNG grids. The checkpoint's "format" field
/// says which model it holds (<see cref="CheckpointFormat"/>); MLP-ALAE work is in <see cref="MlpInference"/>, StyleALAE
/// in <see cref="StyleInference"/>, Balanced PIONEER in <see cref="PioneerInference"/>, AE-StyleGAN in <see cref="AeStyleGanInference"/>.
/// </summary>
internal static class InferenceCommands
{
    private static Option<string> CheckpointOption(string kinds = "MLP-ALAE, StyleALAE, Balanced PIONEER or AE-StyleGAN")
        => Opt.Required<string>("--checkpoint", $"run folder (newest checkpoint) or checkpoints/step-*.json; {kinds}");
    private static Option<string> OutOption(string name) => Opt.Of("--out", "PNG file to write", name);
    private static Option<string?> DataOption(string what) => Opt.Of<string?>("--data",
        $"{what} (default: {MlpInference.DefaultData} for MLP-ALAE and one-channel PIONEER and AE-StyleGAN, {StyleImages.DefaultFolder} for the other image models)", null);
    private static Option<string?> CacheOption() => Opt.Of<string?>("--cache", "StyleALAE, PIONEER, AE-StyleGAN: folder of the image cache (default: the run's cache folder)", null);
    private static Option<double> PsiOption() => Opt.Of("--psi", "StyleALAE, AE-StyleGAN: truncation ψ, w pulled towards the average w (1: none)", 0.7);
    private static Option<bool> TrainingWeightsOption() => Opt.Of("--training-weights",
        "StyleALAE, AE-StyleGAN: the training weights instead of their EMA (the sampling model); PIONEER: the training decoder instead of its EMA", false);
    private static Option<int> CutoffOption() => Opt.AtLeast("--cutoff", "StyleALAE, AE-StyleGAN: truncate the first N style layers (8: up to 32²)", 8, 0);
    private static Option<string> DeviceOption() => ComputeDevice.Option("cpu");

    /// <summary>
    /// The checkpoint's JSON and kind; options that a kind does not understand are refused: <paramref name="notMlp"/> for
    /// MLP-ALAE, <paramref name="styleOnly"/> (StyleALAE's truncation) for the others.
    /// </summary>
    private static (string Path, CheckpointKind Kind) Open(ParseResult r, Option<string> checkpoint, Option[] notMlp, params Option[] styleOnly)
    {
        var path = CliRunner.ResolveCheckpoint(r.GetValue(checkpoint)!);
        var kind = CheckpointFormat.Detect(path);
        var refused = kind switch { CheckpointKind.Mlp => notMlp.Concat(styleOnly), CheckpointKind.Pioneer => styleOnly, _ => [] };
        foreach (var o in refused)
            if (r.GetResult(o) is { Implicit: false }) throw new ArgumentException($"{o.Name} does not apply to {Describe(kind)} checkpoints ({path})");
        return (path, kind);
    }

    private static string Describe(CheckpointKind kind) => kind switch
    {
        CheckpointKind.Mlp => "MLP-ALAE", CheckpointKind.Style => "StyleALAE", CheckpointKind.Pioneer => "Balanced PIONEER", _ => "AE-StyleGAN",
    };

    private static string StyleData(string? data) => data ?? DataPaths.Default(StyleImages.DefaultFolder);
    private static string MlpData(string? data) => data ?? DataPaths.Default(MlpInference.DefaultData);
    private static string Cache(string? cache, string path) => cache ?? StyleInference.DefaultCache(path);

    public static Command Reconstruct()
    {
        var ckpt = CheckpointOption(); var outFile = OutOption("reconstructions.png");
        var data = DataOption("MLP: MNIST folder, test digits; StyleALAE, AE-StyleGAN: image folder; PIONEER and AE-StyleGAN: image folder, or MNIST folder for a one-channel model");
        var count = Opt.AtLeastOrUnset("--count", "number of images (default: 32 digits, 16 StyleALAE, PIONEER or AE-StyleGAN images)", 1);
        var cache = CacheOption(); var training = TrainingWeightsOption(); var device = DeviceOption();
        var cmd = new Command("reconstruct",
            "images and their reconstructions G(E(x)) (StyleALAE: EMA model, PIONEER: EMA decoder, at the checkpoint's level; AE-StyleGAN: EMA of E and G, and the MSE)")
        {
            ckpt, data, count, cache, training, device, outFile, NonFiniteNumbers.AllowOption(),
        };
        cmd.SetAction(r =>
        {
            var (path, kind) = Open(r, ckpt, [cache, training]);
            var on = ComputeDevice.Open(r.GetValue(device)!);
            if (kind == CheckpointKind.Mlp) MlpInference.Reconstruct(path, MlpData(r.GetValue(data)), r.GetValue(count) ?? 32, r.GetValue(outFile)!, on);
            else if (kind == CheckpointKind.Pioneer)
                PioneerInference.Reconstruct(path, !r.GetValue(training), r.GetValue(data), Cache(r.GetValue(cache), path), r.GetValue(count) ?? 16, r.GetValue(outFile)!, on);
            else if (kind == CheckpointKind.AeStyleGan)
                AeStyleGanInference.Reconstruct(path, !r.GetValue(training), r.GetValue(data), Cache(r.GetValue(cache), path), r.GetValue(count) ?? 16, r.GetValue(outFile)!, on);
            else StyleInference.Reconstruct(path, !r.GetValue(training), StyleData(r.GetValue(data)), Cache(r.GetValue(cache), path), r.GetValue(count) ?? 16, r.GetValue(outFile)!, on);
            return 0;
        });
        return cmd;
    }

    public static Command Generate()
    {
        var ckpt = CheckpointOption(); var outFile = OutOption("generations.png");
        var count = Opt.AtLeastOrUnset("--count", "number of samples (default: 64 MLP, 16 StyleALAE, PIONEER or AE-StyleGAN)", 1);
        var seed = Opt.Of("--seed", "seed of z (and of the per-pixel noise of StyleALAE and AE-StyleGAN)", 1UL);
        var psi = PsiOption(); var cutoff = CutoffOption(); var training = TrainingWeightsOption(); var device = DeviceOption();
        var cmd = new Command("generate", "samples G(F(z)), z ~ N(0, I); StyleALAE and AE-StyleGAN with the truncation trick; PIONEER: G(z), z on the unit sphere")
        {
            ckpt, count, seed, psi, cutoff, training, device, outFile, NonFiniteNumbers.AllowOption(),
        };
        cmd.SetAction(r =>
        {
            var (path, kind) = Open(r, ckpt, [training], psi, cutoff);
            var on = ComputeDevice.Open(r.GetValue(device)!);
            if (kind == CheckpointKind.Mlp) MlpInference.Generate(path, r.GetValue(count) ?? 64, r.GetValue(seed), r.GetValue(outFile)!, on);
            else if (kind == CheckpointKind.Pioneer) PioneerInference.Generate(path, !r.GetValue(training), r.GetValue(count) ?? 16, r.GetValue(seed), r.GetValue(outFile)!, on);
            else if (kind == CheckpointKind.AeStyleGan)
                AeStyleGanInference.Generate(path, !r.GetValue(training), r.GetValue(count) ?? 16, r.GetValue(seed), r.GetValue(psi), r.GetValue(cutoff), r.GetValue(outFile)!, on);
            else StyleInference.Generate(path, !r.GetValue(training), r.GetValue(count) ?? 16, r.GetValue(seed), r.GetValue(psi), r.GetValue(cutoff), r.GetValue(outFile)!, on);
            return 0;
        });
        return cmd;
    }

    public static Command Interpolate()
    {
        var ckpt = CheckpointOption(); var outFile = OutOption("interpolations.png");
        var data = DataOption("--space w: pairs of images (MLP: MNIST test digits) are encoded and interpolated");
        var pairs = Opt.AtLeast("--pairs", "number of rows (pairs)", 8, 1);
        var steps = Opt.AtLeast("--steps", "images per row, ends included", 10, 2);
        var space = Opt.Of("--space", "w: straight lines between E(a) and E(b) of image pairs (PIONEER: great circles between their codes; AE-StyleGAN: in its W or W+ code); " +
            "z: paths between random z, through F (PIONEER: random latents on the sphere)", "w");
        var path = Opt.Of("--path", "--space z: slerp (great circle, keeps |z|) or lerp; PIONEER always slerps", "slerp");
        var seed = Opt.Of("--seed", "--space z: seed of the z pairs", 1UL);
        var psi = PsiOption(); var cutoff = CutoffOption(); var cache = CacheOption(); var training = TrainingWeightsOption(); var device = DeviceOption();
        var cmd = new Command("interpolate", "rows of images along paths between two codes, in W or in Z")
        {
            ckpt, data, pairs, steps, space, path, seed, psi, cutoff, cache, training, device, outFile, NonFiniteNumbers.AllowOption(),
        };
        cmd.SetAction(r =>
        {
            bool inZ = r.GetValue(space) switch { "w" => false, "z" => true, var s => throw new ArgumentException($"--space {s}: expected w or z") };
            bool spherical = r.GetValue(path) switch { "slerp" => true, "lerp" => false, var s => throw new ArgumentException($"--path {s}: expected slerp or lerp") };
            if (!inZ && r.GetResult(path) is { Implicit: false }) throw new ArgumentException("--path applies to --space z (W is interpolated linearly)");
            var (file, kind) = Open(r, ckpt, [cache, training], psi, cutoff);
            var on = ComputeDevice.Open(r.GetValue(device)!);
            if (kind == CheckpointKind.Pioneer && !spherical) throw new ArgumentException("--path lerp: PIONEER's codes live on the unit sphere and are interpolated with slerp");
            if (kind == CheckpointKind.Pioneer)
                PioneerInference.Interpolate(file, !r.GetValue(training), r.GetValue(data), Cache(r.GetValue(cache), file), r.GetValue(pairs), r.GetValue(steps), inZ, r.GetValue(seed), r.GetValue(outFile)!, on);
            else if (kind == CheckpointKind.AeStyleGan)
                AeStyleGanInference.Interpolate(file, !r.GetValue(training), r.GetValue(data), Cache(r.GetValue(cache), file), r.GetValue(pairs), r.GetValue(steps),
                    inZ, spherical, r.GetValue(seed), r.GetValue(psi), r.GetValue(cutoff), r.GetValue(outFile)!, on);
            else if (kind == CheckpointKind.Mlp)
                MlpInference.Interpolate(file, MlpData(r.GetValue(data)), r.GetValue(pairs), r.GetValue(steps), inZ, spherical, r.GetValue(seed), r.GetValue(outFile)!, on);
            else
                StyleInference.Interpolate(file, !r.GetValue(training), StyleData(r.GetValue(data)), Cache(r.GetValue(cache), file), r.GetValue(pairs), r.GetValue(steps),
                    inZ, spherical, r.GetValue(seed), r.GetValue(psi), r.GetValue(cutoff), r.GetValue(outFile)!, on);
            return 0;
        });
        return cmd;
    }

    public static Command Mix()
    {
        var ckpt = CheckpointOption("StyleALAE or AE-StyleGAN"); var outFile = OutOption("mix.png");
        var data = Opt.Of<string?>("--data", $"image folder (one-channel AE-StyleGAN: MNIST folder, test digits): images 0…N−1 are A, N…2N−1 are B (default: {StyleImages.DefaultFolder}, or {TrainingImages.DefaultMnist})", null);
        var pairs = Opt.AtLeast("--pairs", "number of (A, B) pairs, one per column", 6, 1);
        var layers = Opt.Of<string?>("--layers", "AE-StyleGAN: the style-layer ranges to take from A, one row each, e.g. 0-3,4-7,8-11 (default: the coarse, middle and fine bands)", null);
        var cache = CacheOption(); var training = TrainingWeightsOption(); var device = DeviceOption();
        var cmd = new Command("mix",
            "StyleALAE style mixing of real images (StyleGAN §3.1; the ALAE paper's mixing figures). Rows: A, B, G(E(A)), G(E(B)), then " +
            "A's coarse styles (4²–8²: pose, shape) with B's rest, A's middle styles (16²–32²: features, expression) with B's rest, " +
            "A's fine styles (64² and up: colours, texture) with B's rest; bands the checkpoint's level does not reach are left out. " +
            "AE-StyleGAN: the same bands of its style layers (or --layers) on E's codes.")
        {
            ckpt, data, pairs, layers, cache, training, device, outFile, NonFiniteNumbers.AllowOption(),
        };
        cmd.SetAction(r =>
        {
            var (path, kind) = Open(r, ckpt, []);
            if (kind is CheckpointKind.Mlp or CheckpointKind.Pioneer) throw new ArgumentException($"mix needs a StyleALAE or AE-StyleGAN checkpoint; {path} is {Describe(kind)}");
            if (kind == CheckpointKind.AeStyleGan)
            {
                AeStyleGanInference.Mix(path, !r.GetValue(training), r.GetValue(data), Cache(r.GetValue(cache), path), r.GetValue(pairs),
                    r.GetValue(layers) is { } spec ? LayerRanges(spec) : null, r.GetValue(outFile)!, ComputeDevice.Open(r.GetValue(device)!));
                return 0;
            }
            if (r.GetResult(layers) is { Implicit: false }) throw new ArgumentException($"--layers applies to AE-StyleGAN checkpoints; {path} is StyleALAE");
            StyleInference.Mix(path, !r.GetValue(training), StyleData(r.GetValue(data)), Cache(r.GetValue(cache), path), r.GetValue(pairs), r.GetValue(outFile)!,
                ComputeDevice.Open(r.GetValue(device)!));
            return 0;
        });
        return cmd;
    }

    public static Command Manipulate()
    {
        var ckpt = CheckpointOption("Balanced PIONEER"); var outFile = OutOption("manipulate.png");
        var with = Opt.Required<string>("--with", "image folder of examples with the attribute (the paper used 32–64)");
        var without = Opt.Required<string>("--without", "image folder of examples without it");
        var data = DataOption("held-out images to manipulate (an image folder, or an MNIST folder's test digits for a one-channel model)");
        var count = Opt.AtLeast("--count", "number of held-out images (the folder's first N)", 8, 1);
        var strength = Opt.Of("--strength", "comma-separated strengths λ, one row each (the paper: within [−2, 2]; 0 is the plain reconstruction)", "-2,-1,0,1,2");
        var expected = Opt.Of<string?>("--expected", "image folder holding the held-out images with the attribute truly applied, in the same order: print each row's error against them", null);
        var cache = CacheOption(); var training = TrainingWeightsOption(); var device = DeviceOption();
        var cmd = new Command("manipulate",
            "Balanced PIONEER attribute manipulation (paper §3.4): v = mean E(with) − mean E(without); rows G(n(E(x) + λ·v)) for each strength λ, n the projection onto the unit sphere")
        {
            ckpt, with, without, data, count, strength, expected, cache, training, device, outFile, NonFiniteNumbers.AllowOption(),
        };
        cmd.SetAction(r =>
        {
            var (path, kind) = Open(r, ckpt, []);
            if (kind != CheckpointKind.Pioneer) throw new ArgumentException($"manipulate needs a Balanced PIONEER checkpoint; {path} is {Describe(kind)}");
            var strengths = r.GetValue(strength)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                    ? v : throw new ArgumentException($"--strength: '{t}' is not a number")).ToList();
            if (strengths.Count == 0) throw new ArgumentException("--strength: give at least one strength");
            PioneerInference.Manipulate(path, !r.GetValue(training), r.GetValue(with)!, r.GetValue(without)!, r.GetValue(data), r.GetValue(expected),
                Cache(r.GetValue(cache), path), r.GetValue(count), strengths, r.GetValue(outFile)!,
                ComputeDevice.Open(r.GetValue(device)!));
            return 0;
        });
        return cmd;
    }

    /// <summary>"0-3,4-7,8" → style layers [0, 4), [4, 8), [8, 9): inclusive ranges, one row of the mix grid each.</summary>
    private static IReadOnlyList<StyleBand> LayerRanges(string spec)
    {
        var bands = new List<StyleBand>();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2 || !int.TryParse(ends[0], out int first) || !int.TryParse(ends[^1], out int last) || first < 0 || last < first)
                throw new ArgumentException($"--layers: '{part}' is not a range of style layers (expected FIRST-LAST, e.g. 0-3, or one layer)");
            bands.Add(new StyleBand("", first, last + 1));
        }
        if (bands.Count == 0) throw new ArgumentException("--layers: give at least one range, e.g. 0-3,4-7");
        return bands;
    }
}
