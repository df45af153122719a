namespace AlaeEngine.Data;

/// <summary>
/// The geometric steps that turn a decoded photograph into a training image: a centre crop to a square, an area
/// (box-filter) resize to the target side, and the exact 2×2 reduction between the levels of a progressive data set.
/// Images are channel-major planes, (C, H, W) row-major.
/// </summary>
public static class ImageResampling
{
    /// <summary>
    /// The middle square of (C, H, W): (C, S, S) with S = min(H, W). When the excess is odd the extra row (column)
    /// is dropped at the bottom (right).
    /// </summary>
    public static float[] CentreCrop(ReadOnlySpan<float> chw, int channels, int height, int width)
    {
        CheckPlanes(chw.Length, channels, height, width);
        int side = Math.Min(height, width), y0 = (height - side) / 2, x0 = (width - side) / 2;
        var r = new float[channels * side * side];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < side; y++)
                chw.Slice((c * height + y0 + y) * width + x0, side).CopyTo(r.AsSpan((c * side + y) * side, side));
        return r;
    }

    /// <summary>
    /// Resizes square planes (C, S, S) to (C, D, D) by area averaging: output pixel j covers source interval
    /// [j·S/D, (j+1)·S/D) and is the mean of the source pixels weighted by their overlap with it (fractional at the
    /// edges). Separable, so each axis uses the same weights. An exact 2× reduction is the mean of each 2×2 block
    /// (AvgPool2x2); enlarging (D &gt; S) replicates pixels and blends where an output pixel straddles two.
    /// </summary>
    public static float[] AreaResize(ReadOnlySpan<float> src, int channels, int side, int newSide)
    {
        CheckPlanes(src.Length, channels, side, side);
        if (newSide < 1) throw new ArgumentOutOfRangeException(nameof(newSide), newSide, "resized side must be positive");
        if (newSide == side) return src.ToArray();

        var taps = AxisWeights(side, newSide);
        // Rows first: (C, S, S) → (C, S, D), then columns: → (C, D, D); double sums so each output is rounded once.
        var rows = new double[channels * side * newSide];
        for (int cy = 0; cy < channels * side; cy++)
        {
            var line = src.Slice(cy * side, side);
            for (int j = 0; j < newSide; j++)
            {
                var (first, w) = taps[j];
                double s = 0;
                for (int k = 0; k < w.Length; k++) s += w[k] * line[first + k];
                rows[cy * newSide + j] = s;
            }
        }
        var r = new float[channels * newSide * newSide];
        for (int c = 0; c < channels; c++)
            for (int j = 0; j < newSide; j++)
            {
                var (first, w) = taps[j];
                for (int x = 0; x < newSide; x++)
                {
                    double s = 0;
                    for (int k = 0; k < w.Length; k++) s += w[k] * rows[(c * side + first + k) * newSide + x];
                    r[(c * newSide + j) * newSide + x] = (float)s;
                }
            }
        return r;
    }

    /// <summary>
    /// Halves 8-bit square planes, (C, 2S, 2S) → (C, S, S): each output is the mean of a 2×2 block, computed exactly in
    /// integers and rounded half to even (unbiased, so repeated halving does not drift brighter).
    /// </summary>
    public static byte[] Halve(ReadOnlySpan<byte> src, int channels, int side)
    {
        if (side < 2 || side % 2 != 0) throw new ArgumentException($"side {side} cannot be halved", nameof(side));
        if (src.Length != channels * side * side) throw new ArgumentException($"{src.Length} bytes given for ({channels}, {side}, {side})", nameof(src));
        int half = side / 2;
        var r = new byte[channels * half * half];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < half; y++)
                for (int x = 0; x < half; x++)
                {
                    int top = (c * side + 2 * y) * side + 2 * x, bottom = top + side;
                    int sum = src[top] + src[top + 1] + src[bottom] + src[bottom + 1];
                    int q = sum >> 2, rem = sum & 3;
                    if (rem == 3 || (rem == 2 && (q & 1) == 1)) q++;
                    r[(c * half + y) * half + x] = (byte)q;
                }
        return r;
    }

    /// <summary>
    /// For each output pixel j of an axis resized from <paramref name="from"/> to <paramref name="to"/>: the first
    /// source pixel it overlaps and the weights of the consecutive ones. Working in units of 1/to of a source pixel
    /// makes all interval ends integers (source i = [i·to, (i+1)·to), output j = [j·from, (j+1)·from)), so the
    /// overlaps are exact and each weight is overlap / from.
    /// </summary>
    private static (int First, double[] Weights)[] AxisWeights(int from, int to)
    {
        var taps = new (int, double[])[to];
        for (int j = 0; j < to; j++)
        {
            long begin = (long)j * from, end = begin + from;
            int first = (int)(begin / to), last = (int)((end - 1) / to);
            var w = new double[last - first + 1];
            for (int i = first; i <= last; i++)
            {
                long overlap = Math.Min(end, (long)(i + 1) * to) - Math.Max(begin, (long)i * to);
                w[i - first] = (double)overlap / from;
            }
            taps[j] = (first, w);
        }
        return taps;
    }

    private static void CheckPlanes(int length, int channels, int height, int width)
    {
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentException($"empty image ({channels}, {height}, {width})");
        if (length != channels * height * width)
            throw new ArgumentException($"{length} values given for ({channels}, {height}, {width})");
    }
}
