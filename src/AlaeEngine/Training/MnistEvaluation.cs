using AlaeEngine.Autograd;
using AlaeEngine.Data;
using AlaeEngine.Models;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Optim;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>Scores of a trained autoencoder's codes on MNIST (ALAE Table 2 uses the same two classifiers on W codes).</summary>
public sealed record MnistScores(double NearestNeighbourAccuracy, double LinearAccuracy, double ReconstructionMse, int TrainCount, int TestCount);

/// <summary>An autoencoder as the MNIST evaluation sees it: digits (N, 784) in [-1, 1] → codes (N, L) and reconstructions (N, 784).</summary>
public delegate (Tensor Codes, Tensor Reconstructions) MnistAutoencoder(Tensor digits);

/// <summary>
/// Encodes train and test digits and scores (a) 1-nearest-neighbour and (b) a softmax linear classifier, both fit on
/// the train codes and scored on the test codes, plus (c) the mean squared reconstruction error ‖G(E(x)) − x‖² / 784 on
/// the test digits (pixels in [-1, 1]).
/// </summary>
public static class MnistEvaluation
{
    /// <summary>The scores as JSON (for `alae eval mnist --json`).</summary>
    public static string ToJson(MnistScores scores) => System.Text.Json.JsonSerializer.Serialize(scores, TrainingJson.Default.MnistScores);

    /// <summary>MLP-ALAE: codes W = E(x), reconstructions G(W), on the model's device.</summary>
    public static MnistScores Evaluate(MlpAlae model, MnistDataset train, MnistDataset test, int batch = 500)
        => Evaluate(x => { var w = model.Encode(x); return (w, model.Generate(w)); }, model.LatentSize, train, test, model.EncoderParameters[0].Value.Device, batch);

    /// <param name="device">where the digits go before <paramref name="model"/> sees them (null: the CPU)</param>
    public static MnistScores Evaluate(MnistAutoencoder model, int codeSize, MnistDataset train, MnistDataset test, Device? device = null, int batch = 500)
    {
        var trainCodes = Encode(model, codeSize, train, batch, device, out _);
        var testCodes = Encode(model, codeSize, test, batch, device, out double mse);
        double nn = NearestNeighbourAccuracy(trainCodes, train.Labels, testCodes, test.Labels, codeSize);
        double lin = LinearAccuracy(trainCodes, train.Labels, testCodes, test.Labels, codeSize);
        return new MnistScores(nn, lin, mse, train.Count, test.Count);
    }

    /// <summary>The codes of every image, row-major (count × L), encoded on <paramref name="device"/>; also the mean squared reconstruction error.</summary>
    public static float[] Encode(MnistAutoencoder model, int codeSize, MnistDataset data, int batch, Device? device, out double reconstructionMse)
    {
        var codes = new float[data.Count * codeSize];
        double sq = 0;
        using var noGrad = GradMode.NoGrad();
        for (int start = 0; start < data.Count; start += batch)
        {
            using var scope = TensorScope.Begin();
            int n = Math.Min(batch, data.Count - start);
            var x = data.Batch(Enumerable.Range(start, n).ToArray(), device);
            var (w, rec) = model(x);
            if (w.Shape != new Shape(n, codeSize) || rec.Shape != x.Shape)
                throw new ArgumentException($"MNIST evaluation: codes {w.Shape} and reconstructions {rec.Shape} for digits {x.Shape}, expected ({n}, {codeSize}) and {x.Shape}");
            w.ToFloatArray().CopyTo(codes, start * codeSize);
            sq += Op.Sum(Op.Square(Op.Sub(rec, x))).Item();
        }
        reconstructionMse = sq / ((double)data.Count * MnistDataset.Pixels);
        return codes;
    }

    public static double NearestNeighbourAccuracy(float[] trainCodes, byte[] trainLabels, float[] testCodes, byte[] testLabels, int dim)
    {
        int nTrain = trainLabels.Length, nTest = testLabels.Length, correct = 0;
        var hits = new int[nTest];
        Parallel.For(0, nTest, i =>
        {
            var q = testCodes.AsSpan(i * dim, dim);
            double best = double.MaxValue; int label = -1;
            for (int j = 0; j < nTrain; j++)
            {
                var r = trainCodes.AsSpan(j * dim, dim);
                double d = 0;
                for (int k = 0; k < dim; k++) { double t = q[k] - r[k]; d += t * t; }
                if (d < best) { best = d; label = trainLabels[j]; }
            }
            hits[i] = label == testLabels[i] ? 1 : 0;
        });
        foreach (var h in hits) correct += h;
        return (double)correct / nTest;
    }

    /// <summary>Multinomial logistic regression on standardised codes, full-batch, 500 Adam steps; deterministic.</summary>
    public static double LinearAccuracy(float[] trainCodes, byte[] trainLabels, float[] testCodes, byte[] testLabels, int dim, int steps = 500)
    {
        const int classes = 10;
        var (mean, std) = Standardisation(trainCodes, dim);
        using var scope = TensorScope.Begin();
        var xTrain = Standardise(trainCodes, dim, mean, std);
        var yTrain = OneHot(trainLabels, classes);
        var init = new Init(7);
        var w = new Parameter("w", TensorScope.Unscoped(() => init.Normal(new Shape(dim, classes), 0.01)));
        var b = new Parameter("b", TensorScope.Unscoped(() => init.Zeros(new Shape(classes))));
        using var opt = new Adam(new[] { w, b }, 0.01, beta2: 0.999);
        for (int s = 0; s < steps; s++)
        {
            using var step = TensorScope.Begin();
            var logits = Op.Add(Op.MatMul(xTrain, w.Value), b.Value);
            // cross-entropy: log Σ exp(logits) − ⟨onehot, logits⟩ (logits of standardised codes stay small)
            var lse = Op.Log(Op.Sum(Op.Exp(logits), 1));
            var loss = Op.Mean(Op.Sub(lse, Op.Sum(Op.Mul(yTrain, logits), 1)));
            Autograd.Autograd.Backward(loss, new[] { w.Value, b.Value });
            opt.Step();
        }
        var xTest = Standardise(testCodes, dim, mean, std);
        float[] scores;
        using (GradMode.NoGrad()) scores = Op.Add(Op.MatMul(xTest, w.Value), b.Value).ToFloatArray();
        int correct = 0;
        for (int i = 0; i < testLabels.Length; i++)
        {
            int arg = 0;
            for (int c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + arg]) arg = c;
            if (arg == testLabels[i]) correct++;
        }
        w.Value.Dispose(); b.Value.Dispose();
        return (double)correct / testLabels.Length;
    }

    private static (double[] mean, double[] std) Standardisation(float[] codes, int dim)
    {
        int n = codes.Length / dim;
        var mean = new double[dim]; var std = new double[dim];
        for (int i = 0; i < n; i++) for (int k = 0; k < dim; k++) mean[k] += codes[i * dim + k];
        for (int k = 0; k < dim; k++) mean[k] /= n;
        for (int i = 0; i < n; i++) for (int k = 0; k < dim; k++) { double d = codes[i * dim + k] - mean[k]; std[k] += d * d; }
        for (int k = 0; k < dim; k++) std[k] = Math.Sqrt(std[k] / n) + 1e-8;
        return (mean, std);
    }

    private static Tensor Standardise(float[] codes, int dim, double[] mean, double[] std)
    {
        var v = new float[codes.Length];
        for (int i = 0; i < v.Length; i++) v[i] = (float)((codes[i] - mean[i % dim]) / std[i % dim]);
        return Tensor.FromArray(v, new Shape(codes.Length / dim, dim));
    }

    private static Tensor OneHot(byte[] labels, int classes)
    {
        var v = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) v[i * classes + labels[i]] = 1;
        return Tensor.FromArray(v, new Shape(labels.Length, classes));
    }
}
