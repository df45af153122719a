using System.Text.Json.Serialization;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Losses;

/// <summary>The pixel term of AE-StyleGAN's reconstruction loss (phymhan's --pix_loss).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PixelLossKind>))] // by name in checkpoints
public enum PixelLossKind { L2, L1 }

/// <summary>Pixel reconstruction errors as the code computes them: means over every element (the paper writes ‖·‖₂).</summary>
public static class PixelLoss
{
    /// <summary>mean (x̂ − x)² (L2) or mean |x̂ − x| (L1); reconstruction, real: (N, C, H, W) → 0-d.</summary>
    public static Tensor Compute(Tensor reconstruction, Tensor real, PixelLossKind kind)
    {
        if (reconstruction.Shape != real.Shape)
            throw new ArgumentException($"pixel loss: reconstruction {reconstruction.Shape} and images {real.Shape} differ");
        var d = Op.Sub(reconstruction, real);
        return Op.Mean(kind == PixelLossKind.L2 ? Op.Square(d) : Op.Abs(d));
    }
}
