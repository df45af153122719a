using AlaeEngine.Autograd;
using AlaeEngine.Tensors;

namespace AlaeEngine.Ops;

/// <summary>
/// Differentiable ops: each validates its arguments (errors name the op and the shapes), runs the device's kernel and,
/// when gradients are being recorded, puts a node on the tape whose backward is written in these same ops — so a
/// backward pass recorded with createGraph can be differentiated again. One family per partial file.
/// </summary>
public static partial class Op
{
    /// <summary>Records a single-output op when grad mode is on and an input is on the tape.</summary>
    internal static Tensor Record(string name, Tensor output, Tensor[] inputs, Func<Tensor, bool[], Tensor?[]> backward)
    {
        Record(name, new[] { output }, inputs, (g, needs) => backward(g[0]!, needs));
        return output;
    }

    internal static Tensor[] Record(string name, Tensor[] outputs, Tensor[] inputs, BackwardFn backward, bool secondOrder = true)
    {
        if (!GradMode.IsEnabled || !inputs.Any(t => t.TracksGrad)) return outputs;
        var node = new Node(name, inputs, outputs, backward, secondOrder);
        for (int i = 0; i < outputs.Length; i++) { outputs[i].GradFn = node; outputs[i].OutputIndex = i; }
        return outputs;
    }

    internal static void SameKind(string op, Tensor a, Tensor b)
    {
        a.ThrowIfDisposed(); b.ThrowIfDisposed();
        if (a.DType != b.DType) throw new ArgumentException($"{op}: dtype mismatch, {a.Shape} is {a.DType.Name()} and {b.Shape} is {b.DType.Name()}");
        if (a.Device != b.Device) throw new ArgumentException($"{op}: device mismatch, {a.Shape} is on {a.Device} and {b.Shape} is on {b.Device}");
    }

    internal static void RequireRank(string op, Tensor t, int rank, string what)
    {
        t.ThrowIfDisposed();
        if (t.Rank != rank) throw new ArgumentException($"{op}: {what} must have rank {rank}, got shape {t.Shape}");
    }

    internal static Tensor Like(Tensor t, Shape? shape = null) => Tensor.Empty(shape ?? t.Shape, t.DType, t.Device);
}
