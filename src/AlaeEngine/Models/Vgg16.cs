using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Nn;
using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Models;

/// <summary>The preprocessing a set of VGG16 weights was trained with (the safetensors metadata "input").</summary>
public enum Vgg16Input
{
    /// <summary>
    /// "caffe-bgr": in-domain inversion's (genforce/idinvert_pytorch perceptual_model.py, which AE-StyleGAN uses, with
    /// Keras/Caffe weights): (x + 1)·127.5, RGB → BGR, minus the means (103.939, 116.779, 123.68) as float32 constants.
    /// </summary>
    CaffeBgr,
    /// <summary>"torchvision-rgb": torchvision's ImageNet weights: (x + 1)/2, minus (0.485, 0.456, 0.406), over (0.229, 0.224, 0.225).</summary>
    TorchvisionRgb,
}

/// <summary>
/// VGG16's convolutional trunk up to conv4_3 and its ReLU (torchvision's vgg16().features[:23], in-domain inversion's
/// output_layer_idx 23): ten 3×3 convolutions with bias and padding 1, each followed by ReLU, with 2×2 max pooling after
/// conv1_2, conv2_2 and conv3_3. Frozen (its parameters do not require gradients). Input: images in [-1, 1],
/// (N, 3, H, W) or (N, 1, H, W) (grey, repeated to three channels, as in-domain inversion does), preprocessed per
/// <see cref="Input"/>; output (N, 512, ⌊H/8⌋, ⌊W/8⌋). Weights come from a safetensors file written by
/// tools/vgg16-to-safetensors.py (<see cref="Load"/>); nothing is downloaded.
/// </summary>
public sealed class Vgg16 : Module
{
    /// <summary>The tensors' names in the file: "&lt;layer&gt;.weight" (out, in, 3, 3) and "&lt;layer&gt;.bias" (out).</summary>
    public static readonly string[] LayerNames = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3"];
    /// <summary>VGG16's widths; the trunk also accepts narrower ones (a test network).</summary>
    public static readonly int[] StandardWidths = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512];
    public const string FormatName = "alae-vgg16-trunk";
    private static readonly HashSet<int> PoolAfter = [1, 3, 6];
    // in-domain inversion keeps the means as float32 (torch.FloatTensor), so these are the float32 roundings
    private static readonly double[] CaffeMeansBgr = [(float)103.939, (float)116.779, (float)123.68];
    private static readonly double[] TorchvisionMeans = [0.485, 0.456, 0.406], TorchvisionStds = [0.229, 0.224, 0.225];

    private readonly Parameter[] _weights, _biases;
    private readonly Tensor _inputScale, _inputShift;

    public Vgg16(int[] widths, Vgg16Input input, DType dtype = DType.Float32, Device? device = null)
    {
        if (widths.Length != LayerNames.Length || widths.Any(w => w < 1))
            throw new ArgumentException($"VGG16 needs {LayerNames.Length} positive widths, got [{string.Join(", ", widths)}]");
        Widths = widths; Input = input;
        var dev = device ?? Device.Cpu;
        _weights = new Parameter[widths.Length]; _biases = new Parameter[widths.Length];
        for (int i = 0; i < widths.Length; i++)
        {
            int cin = i == 0 ? 3 : widths[i - 1];
            _weights[i] = AddParameter($"{LayerNames[i]}.weight", new Shape(widths[i], cin, 3, 3), s => Tensor.Zeros(s, dtype, dev));
            _biases[i] = AddParameter($"{LayerNames[i]}.bias", new Shape(widths[i]), s => Tensor.Zeros(s, dtype, dev));
            _weights[i].Value.RequiresGrad = false; _biases[i].Value.RequiresGrad = false;
        }
        // the preprocessing as one affine map per (RGB) channel, y = x·scale + shift; the BGR reorder is separate
        var (scale, shift) = input == Vgg16Input.CaffeBgr
            ? (new[] { 127.5, 127.5, 127.5 }, new[] { 127.5 - CaffeMeansBgr[2], 127.5 - CaffeMeansBgr[1], 127.5 - CaffeMeansBgr[0] })
            : (TorchvisionStds.Select(s => 0.5 / s).ToArray(), TorchvisionMeans.Zip(TorchvisionStds, (m, s) => (0.5 - m) / s).ToArray());
        _inputScale = TensorScope.Unscoped(() => Constant(scale, dtype, dev));
        _inputShift = TensorScope.Unscoped(() => Constant(shift, dtype, dev));
    }

    public int[] Widths { get; }
    public Vgg16Input Input { get; }

    /// <summary>conv4_3's activations after ReLU; x: (N, 3 or 1, H, W) in [-1, 1], H and W ≥ 8.</summary>
    public Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] is not (1 or 3) || x.Shape[2] < 8 || x.Shape[3] < 8)
            throw new ArgumentException($"VGG16 takes images (N, 3 or 1, H, W) with H, W ≥ 8, got {x.Shape}");
        if (x.Shape[1] == 1) x = Op.Concat(1, x, x, x);
        var h = Op.Add(Op.Mul(x, _inputScale), _inputShift);
        if (Input == Vgg16Input.CaffeBgr) h = Op.Concat(1, Op.Slice(h, 1, 2, 1), Op.Slice(h, 1, 1, 1), Op.Slice(h, 1, 0, 1));
        for (int i = 0; i < _weights.Length; i++)
        {
            h = Op.BiasLeakyRelu(Op.Conv2d(h, _weights[i].Value, 1, 1), _biases[i].Value, 0);
            if (PoolAfter.Contains(i)) h = Op.MaxPool2x2(h);
        }
        return h;
    }

    /// <summary>
    /// Reads a trunk written by tools/vgg16-to-safetensors.py: the 20 tensors of <see cref="LayerNames"/>, float32 or
    /// float64, widths as the file has them (chained: each layer's input is the previous one's output), and the metadata
    /// "input" (caffe-bgr or torchvision-rgb). Errors name the file and what is wrong.
    /// </summary>
    public static Vgg16 Load(string path, DType dtype = DType.Float32, Device? device = null)
    {
        using var scope = TensorScope.Begin();
        var tensors = SafeTensors.Load(path, out var metadata);
        if (!metadata.TryGetValue("input", out var inputName))
            throw new DataFormatException(path, "no \"input\" metadata (caffe-bgr or torchvision-rgb): write the file with tools/vgg16-to-safetensors.py");
        var input = inputName switch
        {
            "caffe-bgr" => Vgg16Input.CaffeBgr,
            "torchvision-rgb" => Vgg16Input.TorchvisionRgb,
            _ => throw new DataFormatException(path, $"unknown \"input\" metadata '{inputName}' (expected caffe-bgr or torchvision-rgb)"),
        };
        try { return FromTensors(tensors, input, dtype, device); }
        catch (ArgumentException e) { throw new DataFormatException(path, e.Message); }
    }

    /// <summary>A trunk with the given weights (names as <see cref="LayerNames"/>; copied, converted to dtype and moved to device).</summary>
    public static Vgg16 FromTensors(IReadOnlyDictionary<string, Tensor> tensors, Vgg16Input input, DType dtype = DType.Float32, Device? device = null)
    {
        var widths = new int[LayerNames.Length];
        for (int i = 0; i < LayerNames.Length; i++)
        {
            var w = Find(tensors, $"{LayerNames[i]}.weight");
            int cin = i == 0 ? 3 : widths[i - 1];
            if (w.Rank != 4 || w.Shape[1] != cin || w.Shape[2] != 3 || w.Shape[3] != 3)
                throw new ArgumentException($"{LayerNames[i]}.weight must be (out, {cin}, 3, 3), got {w.Shape}");
            widths[i] = w.Shape[0];
            var b = Find(tensors, $"{LayerNames[i]}.bias");
            if (b.Shape != new Shape(widths[i])) throw new ArgumentException($"{LayerNames[i]}.bias must be ({widths[i]}), got {b.Shape}");
        }
        var extra = tensors.Keys.Where(k => !LayerNames.Any(l => k == $"{l}.weight" || k == $"{l}.bias")).ToList();
        if (extra.Count > 0) throw new ArgumentException($"unexpected tensors {string.Join(", ", extra.Take(5))}: not a VGG16 trunk up to conv4_3");
        var model = new Vgg16(widths, input, dtype, device);
        foreach (var (name, p) in model.NamedParameters())
        {
            using var scope = TensorScope.Begin();
            var src = tensors[name];
            var converted = src.DType == dtype ? src : src.Cast(dtype);
            p.Value.Kernels.Copy(p.Value.Device == Device.Cpu ? converted : converted.MoveTo(p.Value.Device), p.Value);
        }
        return model;
    }

    private static Tensor Find(IReadOnlyDictionary<string, Tensor> tensors, string name)
        => tensors.TryGetValue(name, out var t) ? t : throw new ArgumentException($"tensor '{name}' is missing");

    // (1, 3, 1, 1)
    private static Tensor Constant(double[] v, DType dtype, Device device)
    {
        var t = Tensor.FromArray(v, new Shape(1, 3, 1, 1));
        if (dtype == DType.Float64 && device.Kind == DeviceKind.Cpu) return t;
        using (t) return t.Cast(dtype).MoveTo(device);
    }

    public override void Dispose()
    {
        base.Dispose();
        _inputScale.Dispose();
        _inputShift.Dispose();
    }
}
