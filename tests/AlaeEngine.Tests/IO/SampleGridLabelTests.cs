using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Models;
using AlaeEngine.Tests.Style;
using AlaeEngine.Training;
using NUnit.Framework;
using StbImageSharp;

namespace AlaeEngine.Tests.IO;

/// <summary>The trainers' sample grids say in the image what each block of rows is (inputs, reconstructions, …).</summary>
public class SampleGridLabelTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("alae-grid-labels-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>Black pixels in the label margin, left of the first block (which starts with a 64-grey border).</summary>
    private static (int Width, int Margin, int Ink) Margin(string png)
    {
        var img = ImageResult.FromMemory(File.ReadAllBytes(png), ColorComponents.RedGreenBlue);
        int margin = 0;
        while (margin < img.Width && img.Data[3 * margin] == 255) margin++;
        int ink = 0;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < margin; x++)
                if (img.Data[3 * (y * img.Width + x)] == 0) ink++;
        return (img.Width, margin, ink);
    }

    [Test]
    public void MlpGridLabelsItsThreeRows()
    {
        var digits = MnistDataset.LoadFolder(Path.Combine(Data.DataIoPaths.RepoRoot, "data", "mnist"), train: true).Subset(64);
        var options = new MlpTrainingOptions
        {
            OutDir = _dir, Epochs = 1, BatchSize = 32, MaxIterations = 1, Model = new MlpAlaeConfig { HiddenSize = 16, LatentSize = 4, MappingLayers = 1 },
        };
        using var trainer = new MlpTrainer(options, digits);
        var (width, margin, ink) = Margin(trainer.WriteSamples());
        Assert.That(margin, Is.EqualTo(BitmapFont.Width("G(E(x))", 1) + 6), "the widest label and its padding");
        Assert.That(width, Is.EqualTo(margin + 16 * 28 + 17 * ImageGrid.Border));
        Assert.That(ink, Is.GreaterThan(3 * 20), "three labels drawn");
    }

    [Test]
    public void StyleGridLabelsItsFourBlocks()
    {
        var options = new StyleTrainingOptions { OutDir = _dir, MaxIterations = 1, SampleCount = 2, Preset = StyleAlaePreset.Tiny };
        using var trainer = new StyleTrainer(options, new SmoothImageSource(8, 3, 16, seed: 3));
        var (_, margin, ink) = Margin(trainer.WriteSamples());
        Assert.That(margin, Is.EqualTo(BitmapFont.Width("EMA G(F(z)), psi 0.7", 1) + 6));
        Assert.That(ink, Is.GreaterThan(4 * 20), "four labels drawn");
    }
}
