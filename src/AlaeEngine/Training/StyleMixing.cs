using AlaeEngine.Models;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>A band of style layers [Start, End) of the generator, named after the resolutions it drives.</summary>
public sealed record StyleBand(string Name, int Start, int End)
{
    public bool Contains(int layer) => layer >= Start && layer < End;
}

/// <summary>One row of a style-mixing grid: a label and, per style layer, whether it takes A's code (else B's).</summary>
public sealed record MixRow(string Label, bool[] FromA);

/// <summary>
/// Style mixing of two codes as in StyleGAN §3.1 and the ALAE paper's mixing figures: the generator's style layers are split into coarse
/// (4²–8²), middle (16²–32²) and fine (64² and up) bands, block r (4·2^r pixels) owning layers 2r and 2r + 1; a mixed
/// image takes one band from A and every other layer from B. Coarse styles carry pose and face shape, middle ones
/// features and expression, fine ones colours and micro-structure.
/// </summary>
public static class StyleMixing
{
    /// <summary>The bands that have layers at a generator with <paramref name="styleLayers"/> style layers (2·(level + 1)).</summary>
    public static IReadOnlyList<StyleBand> Bands(int styleLayers)
    {
        var all = new[] { new StyleBand("coarse", 0, 4), new StyleBand("middle", 4, 8), new StyleBand("fine", 8, int.MaxValue) };
        return all.Where(b => b.Start < styleLayers).Select(b => b with { End = Math.Min(b.End, styleLayers) }).ToList();
    }

    /// <summary>The generated rows: G(E(A)), G(E(B)), then for every band "A's band, B's rest".</summary>
    public static IReadOnlyList<MixRow> Rows(int styleLayers)
    {
        var rows = new List<MixRow>
        {
            new("G(E(A))", Enumerable.Repeat(true, styleLayers).ToArray()),
            new("G(E(B))", new bool[styleLayers]),
        };
        foreach (var band in Bands(styleLayers))
            rows.Add(new($"{band.Name} from A, rest from B", Enumerable.Range(0, styleLayers).Select(band.Contains).ToArray()));
        return rows;
    }

    /// <summary>The per-layer codes of a row: wA where the row takes A, else wB. wA, wB: (N, L).</summary>
    public static Tensor[] Styles(MixRow row, Tensor wA, Tensor wB) => row.FromA.Select(a => a ? wA : wB).ToArray();

    /// <summary>
    /// The grid's images, one tensor (N, C, R, R) per row of <see cref="Rows"/>: the reconstructions G(E(a)) and G(E(b))
    /// and the mixes, at the model's level. Noise comes from <see cref="StyleAlae.Noise"/>, reset to
    /// <paramref name="noiseSeed"/> for every row so rows differ only by their styles.
    /// </summary>
    public static IReadOnlyList<Tensor> Generate(StyleAlae model, Tensor a, Tensor b, ulong noiseSeed)
    {
        var wA = model.Encode(a);
        var wB = model.Encode(b);
        var images = new List<Tensor>();
        foreach (var row in Rows(2 * (model.Level + 1)))
        {
            model.Noise = new RandomStream(noiseSeed);
            images.Add(model.GenerateStyles(Styles(row, wA, wB), model.Noise));
        }
        return images;
    }
}
