using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// What <see cref="Training.AlaeAlgorithm"/> needs beyond <see cref="IAlaeModel"/> from a style-based model: the
/// reference's training-time generate(), which mixes styles and tracks the running average of w. Models without it
/// (MLP-ALAE) are trained with plain <see cref="IAlaeModel.Generate"/> and draw nothing extra from the stream.
/// </summary>
public interface IStyleAlaeModel : IAlaeModel
{
    /// <summary>
    /// G(w) as in training: updates the w average with mean_b(w); when <paramref name="mix"/> is set, with the
    /// model's mixing probability a second w₂ = F(z₂) drives the style layers from a uniform cutoff in [1, 2·(level+1)] on.
    /// Every random choice (z₂, cutoff, per-pixel noise) comes from <paramref name="random"/>. w: (N, L) → images.
    /// </summary>
    Tensor GenerateForTraining(Tensor w, RandomStream random, bool mix);
}
