using AlaeEngine.Nn;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>
/// The four networks of ALAE (F: Z→W, G: W→X, E: X→W, D: W→ℝ) as the training algorithm sees them.
/// The optimizer groups follow the reference: (E, D) and (F, G).
/// Parameters are listed per network so that each step of Algorithm 1 differentiates only what it updates.
/// </summary>
public interface IAlaeModel
{
    int LatentSize { get; }
    Tensor Map(Tensor z);          // F: (N, L) → (N, L)
    Tensor Generate(Tensor w);     // G: (N, L) → images
    Tensor Encode(Tensor x);       // E: images → (N, L)
    Tensor Discriminate(Tensor w); // D: (N, L) → (N, 1)
    IReadOnlyList<Parameter> MappingParameters { get; }       // F
    IReadOnlyList<Parameter> GeneratorParameters { get; }     // G
    IReadOnlyList<Parameter> EncoderParameters { get; }       // E
    IReadOnlyList<Parameter> DiscriminatorParameters { get; } // D
    IReadOnlyList<(string path, Parameter p)> NamedParameters();
}
