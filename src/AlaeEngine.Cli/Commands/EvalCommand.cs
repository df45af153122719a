using System.CommandLine;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;
using AlaeEngine.Training;

namespace AlaeEngine.Cli.Commands;

/// <summary>`alae eval mnist`: 1-NN and linear-classifier accuracy on the codes (MLP-ALAE's W, PIONEER's and AE-StyleGAN's E(x)), reconstruction MSE.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var ckpt = Opt.Required<string>("--checkpoint", "run folder (newest checkpoint) or checkpoints/step-*.json");
        var data = Opt.Of<string?>("--data", $"folder with MNIST IDX files (train and t10k; default: {MlpInference.DefaultData})", null);
        var json = Opt.Of<string?>("--json", "also write the scores to this JSON file", null);
        var training = Opt.Of("--training-weights", "AE-StyleGAN: the training E and G instead of their EMA", false);
        var device = ComputeDevice.Option("cpu");
        var mnist = new Command("mnist",
            "score the codes with 1-NN and a linear classifier (fit on train, scored on test): MLP-ALAE's W, a one-channel Balanced PIONEER's E(x) " +
            "(training encoder, EMA decoder for the reconstructions) or a one-channel AE-StyleGAN's E(x) (W, or W+ flattened to one vector of StyleCount·L; EMA weights)")
        {
            ckpt, data, json, training, device, NonFiniteNumbers.AllowOption(),
        };
        mnist.SetAction(r =>
        {
            var path = CliRunner.ResolveCheckpoint(r.GetValue(ckpt)!);
            string folder = r.GetValue(data) ?? DataPaths.Default(MlpInference.DefaultData);
            var on = ComputeDevice.Open(r.GetValue(device)!);
            var kind = CheckpointFormat.Detect(path);
            if (kind == CheckpointKind.Style)
                throw new ArgumentException($"eval mnist reads MLP-ALAE and one-channel Balanced PIONEER and AE-StyleGAN checkpoints; {path} is StyleALAE");
            if (kind != CheckpointKind.AeStyleGan && r.GetResult(training) is { Implicit: false })
                throw new ArgumentException($"--training-weights applies to AE-StyleGAN checkpoints; {path} is {kind}");
            var train = MnistDataset.LoadFolder(folder, train: true);
            var test = MnistDataset.LoadFolder(folder, train: false);
            MnistScores s;
            string codes;
            if (kind == CheckpointKind.Mlp)
            {
                using var model = MlpInference.Load(path, on);
                s = MnistEvaluation.Evaluate(model, train, test);
                codes = $"W dimension {model.LatentSize}";
            }
            else if (kind == CheckpointKind.AeStyleGan)
            {
                using var model = AeStyleGanInference.Load(path, ema: !r.GetValue(training), on);
                var c = model.Config;
                if (c.ImageChannels != 1 || c.Resolution != MnistImages.Side)
                    throw new ArgumentException($"eval mnist needs a one-channel {MnistImages.Side}² AE-StyleGAN model (aegan-mnist); {path} is {c.ImageChannels}-channel {c.Resolution}²");
                s = MnistEvaluation.Evaluate(x => AeStyleGanOnDigits(model, x), c.EncoderOutputs, on, train, test);
                codes = c.Latent == AeStyleGanLatent.W ? $"E(x) in W, dimension {c.LatentSize}" : $"E(x) in W+ flattened, {c.StyleCount} × {c.LatentSize} = {c.EncoderOutputs}";
            }
            else // Balanced PIONEER (StyleALAE was refused above)
            {
                using var model = PioneerInference.Load(path, emaDecoder: true, on);
                if (model.Config.ImageChannels != 1 || model.Config.Resolution != MnistImages.Side)
                    throw new ArgumentException($"eval mnist needs a one-channel {MnistImages.Side}² PIONEER model (pioneer-mnist32); {path} is {model.Config.ImageChannels}-channel {model.Config.Resolution}²");
                s = MnistEvaluation.Evaluate(x => PioneerOnDigits(model, x), model.LatentSize, on, train, test);
                codes = $"E(x) on the unit sphere, dimension {model.LatentSize}, at {model.CurrentResolution}²";
            }
            Console.WriteLine($"checkpoint          {path}");
            Console.WriteLine($"codes               {s.TrainCount} train / {s.TestCount} test, {codes}");
            Console.WriteLine($"1-NN accuracy       {s.NearestNeighbourAccuracy:P2}");
            Console.WriteLine($"linear accuracy     {s.LinearAccuracy:P2}");
            Console.WriteLine($"reconstruction MSE  {s.ReconstructionMse:F5} (pixels in [-1, 1])");
            if (r.GetValue(json) is { } file)
                AtomicFile.WriteAllText(file, MnistEvaluation.ToJson(s));
            return 0;
        });
        return new Command("eval", "evaluate a trained model") { mnist };
    }

    // digits (N, 784) → padded to 32², averaged down to the model's level; reconstructions brought back to 32² (nearest) and cropped to 28²
    private static (Tensor Codes, Tensor Reconstructions) PioneerOnDigits(BalancedPioneer model, Tensor digits)
    {
        var x = MnistImages.Pad(digits);
        for (int r = MnistImages.Side; r > model.CurrentResolution; r /= 2) x = Op.AvgPool2x2(x);
        var z = model.Encode(x);
        var rec = model.Decode(z);
        for (int r = model.CurrentResolution; r < MnistImages.Side; r *= 2) rec = Op.Upsample2x(rec);
        return (z, MnistImages.Crop(rec));
    }

    // digits (N, 784) → padded to 32² → E's code, flattened (N, EncoderOutputs); G(E(x)) with fixed noise, cropped back to 28²
    private static (Tensor Codes, Tensor Reconstructions) AeStyleGanOnDigits(AeStyleGan model, Tensor digits)
    {
        var code = model.Encode(MnistImages.Pad(digits));
        var rec = model.Generate(model.StylesOf(code), new RandomStream(999));
        return (Op.Reshape(code, digits.Shape[0], model.Config.EncoderOutputs), MnistImages.Crop(rec));
    }
}
