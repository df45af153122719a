namespace AlaeEngine.Tensors;

/// <summary>How a per-channel kernel walks an (N, C, ...) tensor: N samples of C channels of <c>Inner</c> contiguous values.</summary>
internal readonly record struct ChannelLayout(int N, int C, int Inner)
{
    /// <summary>The layout of x, checked to have rank ≥ 2 and the shape of the output y; errors name the op.</summary>
    public static ChannelLayout Of(string op, Tensor x, Tensor y)
    {
        if (x.Rank < 2) throw new ArgumentException($"{op}: input must be (N, C, ...), got {x.Shape}");
        if (y.Shape != x.Shape) throw new ArgumentException($"{op}: output {y.Shape} differs from input {x.Shape}");
        int n = x.Shape[0], c = x.Shape[1];
        return new ChannelLayout(n, c, n * c == 0 ? 0 : x.Length / (n * c));
    }
}
