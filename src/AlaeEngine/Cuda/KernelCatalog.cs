using AlaeEngine.Tensors;

namespace AlaeEngine.Cuda;

/// <summary>One kernels/&lt;Name&gt;.cu source and the entry points the launchers call in it.</summary>
/// <param name="Typed">base names that exist as name_f32 and name_f64</param>
/// <param name="Untyped">names without a dtype suffix</param>
internal sealed record KernelFamily(string Name, string[] Typed, string[] Untyped)
{
    public IEnumerable<string> EntryPoints => Typed.SelectMany(t => new[] { t + "_f32", t + "_f64" }).Concat(Untyped);

    public string EntryPoint(string baseName, DType dtype)
    {
        if (!Typed.Contains(baseName)) throw new ArgumentException($"kernels/{Name}.cu lists no typed entry point '{baseName}'");
        return baseName + (dtype == DType.Float32 ? "_f32" : "_f64");
    }
}

/// <summary>
/// Every kernel source and entry point the CUDA backend launches. The compile test checks each name against the symbol
/// table of the CUBIN, so a renamed kernel fails there rather than at the first launch on a GPU.
/// </summary>
internal static class KernelCatalog
{
    public static readonly KernelFamily Elementwise = new("elementwise",
        ["binary", "broadcast_to", "unary", "leaky_relu_grad", "fill"], ["convert_f32_f64", "convert_f64_f32"]);
    public static readonly KernelFamily Epilogue = new("epilogue", ["bias_leaky_relu", "add_noise", "style_modulate", "bias_leaky_relu_backward", "style_modulate_backward", "add_noise_backward"], []);
    public static readonly KernelFamily Reduce = new("reduce", ["sum_to"], []);
    public static readonly KernelFamily Conv = new("conv", ["im2col", "col2im"], []);
    public static readonly KernelFamily Resample = new("resample",
        ["upfirdn2d_u1d1", "upfirdn2d_u2d1", "upfirdn2d_u1d2", "upfirdn2d_u2d2", "upfirdn2d", "upfirdn2d_adjoint", "pool2x2", "upsample2x"], []);
    public static readonly KernelFamily MaxPool = new("maxpool", ["max_pool2x2", "max_pool2x2_backward"], []);
    public static readonly KernelFamily Norm = new("norm",
        ["instance_norm_planes", "instance_norm_sums", "instance_norm_apply", "instance_norm_backward_planes", "instance_norm_backward_apply"], []);
    public static readonly KernelFamily Axis = new("axis", ["copy_axis_range"], []);
    public static readonly KernelFamily Random = new("random", ["fill_random"], []);
    public static readonly KernelFamily Optim = new("optim", ["adam_step", "lerp"], []);

    public static readonly KernelFamily[] All = [Elementwise, Epilogue, Reduce, Conv, Resample, MaxPool, Norm, Axis, Random, Optim];
}
