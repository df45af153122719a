namespace AlaeEngine.Nn;

/// <summary>Output gains of leaky ReLU (slope 0.2) layers.</summary>
public static class LeakyReluGain
{
    /// <summary>
    /// StyleGAN2's (rosinality's FusedLeakyReLU): √2 after the activation, with equalized weights at gain 1, so that
    /// activations keep unit variance; ALAE instead puts √2 into the weights (<see cref="EqualizedLinear"/>'s default).
    /// </summary>
    public const double StyleGan2 = 1.4142135623730951;
}
