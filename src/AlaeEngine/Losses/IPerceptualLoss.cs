using System.Text.Json.Serialization;
using AlaeEngine.Tensors;

namespace AlaeEngine.Losses;

/// <summary>Which perceptual term the reconstruction loss adds (the CLI's --perceptual).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PerceptualKind>))] // by name in checkpoints
public enum PerceptualKind
{
    None,
    /// <summary>Feature matching on the current D's activations (<see cref="DiscriminatorFeatureLoss"/>): needs no weights; not VGG.</summary>
    DFeatures,
    /// <summary>VGG16 up to conv4_3 (<see cref="Vgg16PerceptualLoss"/>), weights from a user-supplied file.</summary>
    Vgg16,
}

/// <summary>A perceptual distance between real images and their reconstructions, differentiable in the reconstructions.</summary>
public interface IPerceptualLoss
{
    /// <summary>A short name for progress lines and metrics ("vgg16", "d-features").</summary>
    string Name { get; }

    /// <summary>real, reconstruction: (N, C, R, R) in [-1, 1] → 0-d. No gradient flows into <paramref name="real"/>.</summary>
    Tensor Loss(Tensor real, Tensor reconstruction);
}
