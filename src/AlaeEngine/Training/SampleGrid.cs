using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// A trainer's sample grid: groups of images (N, C, H, W) in [-1, 1] with the same H and W, each a block of
/// <paramref name="Columns"/> columns, stacked (inputs, reconstructions, generations, …), each labelled in the image
/// with its entry of <paramref name="Labels"/> (printable ASCII) when given. The frame writes it as samples/step-NNNNNNN.png.
/// </summary>
public sealed record SampleGrid(IReadOnlyList<Tensor> Groups, int Columns, IReadOnlyList<string>? Labels = null)
{
    /// <summary>The run folder's folder of grids.</summary>
    public const string Folder = "samples";
}
