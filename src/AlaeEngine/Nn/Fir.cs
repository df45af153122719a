using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>Separable FIR filters for <see cref="Ops.Op.Upfirdn2d"/>: the outer product of 1-D taps, normalised to sum 1, times a gain.</summary>
public static class Fir
{
    /// <summary>StyleGAN2's resampling filter [1, 3, 3, 1] (a binomial, 4 taps).</summary>
    public static readonly double[] StyleGan2Taps = [1, 3, 3, 1];

    /// <summary>
    /// taps ⊗ taps / (Σ taps)² · gain: (k, k). Gain 1 blurs and down-samples; 4 (= factor²) up-samples by 2 keeping the
    /// mean, since three of every four samples the filter sees are inserted zeros.
    /// </summary>
    public static Tensor Kernel(double[] taps, double gain = 1, DType dtype = DType.Float32, Device? device = null)
    {
        if (taps.Length == 0) throw new ArgumentException("a FIR filter needs at least one tap");
        double sum = taps.Sum();
        if (sum == 0) throw new ArgumentException($"FIR taps [{string.Join(", ", taps)}] sum to 0 and cannot be normalised");
        int k = taps.Length;
        var v = new double[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) v[i * k + j] = taps[i] * taps[j] / (sum * sum) * gain;
        var f = Tensor.FromArray(v, new Shape(k, k));
        if (dtype == DType.Float64 && device is null or { Kind: DeviceKind.Cpu }) return f;
        using (f) return f.Cast(dtype).MoveTo(device ?? Device.Cpu);
    }
}
