using AlaeEngine.Tensors;

namespace AlaeEngine.Cpu;

/// <summary>
/// Walks an output shape together with inputs that broadcast to it. Adjacent axes that are laid out alike in every
/// operand are merged, so (N, C, H, W) + (1, C, 1, 1) walks as (N, C, H·W) with input strides (0, 1, 0) and the
/// innermost run is one contiguous or one repeated element.
/// </summary>
internal sealed class BroadcastPlan
{
    public readonly int[] Dims;          // merged output dims, outermost first
    public readonly int[][] Strides;     // per operand, per merged dim (0 where broadcast)

    public BroadcastPlan(Shape output, params Shape[] inputs)
    {
        int r = Math.Max(output.Rank, 1);
        var dims = new int[r];
        for (int i = 0; i < r; i++) dims[i] = output.Rank == 0 ? 1 : output[i];
        var strides = new int[inputs.Length][];
        for (int k = 0; k < inputs.Length; k++)
        {
            var s = new int[r];
            var inShape = inputs[k];
            int acc = 1;
            for (int i = r - 1; i >= 0; i--)
            {
                int j = i - (r - inShape.Rank);
                int d = j >= 0 ? inShape[j] : 1;
                s[i] = d == 1 ? 0 : acc;
                acc *= d;
            }
            strides[k] = s;
        }
        // merge axis i into i+1 when every operand steps through both as one axis
        var md = new List<int> { dims[r - 1] };
        var ms = strides.Select(s => new List<int> { s[r - 1] }).ToArray();
        for (int i = r - 2; i >= 0; i--)
        {
            if (dims[i] == 1) continue;
            bool merge = true;
            for (int k = 0; k < inputs.Length && merge; k++)
                merge = md[0] == 1 || strides[k][i] == ms[k][0] * md[0];
            if (merge)
            {
                for (int k = 0; k < inputs.Length; k++)
                    if (md[0] == 1) ms[k][0] = strides[k][i];
                md[0] *= dims[i];
            }
            else
            {
                md.Insert(0, dims[i]);
                for (int k = 0; k < inputs.Length; k++) ms[k].Insert(0, strides[k][i]);
            }
        }
        Dims = md.ToArray();
        Strides = ms.Select(l => l.ToArray()).ToArray();
    }

    public int Inner => Dims[^1];
    public int Outer => Dims.Length == 1 ? 1 : Dims.Take(Dims.Length - 1).Aggregate(1, (a, b) => a * b);

    /// <summary>Start offset of operand k for outer row index o (rows enumerate all but the innermost merged axis).</summary>
    public int Offset(int k, int o)
    {
        int off = 0;
        var s = Strides[k];
        for (int i = Dims.Length - 2; i >= 0; i--)
        {
            int d = Dims[i];
            off += (o % d) * s[i];
            o /= d;
        }
        return off;
    }
}
