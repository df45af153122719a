using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AlaeEngine.Data;
using AlaeEngine.IO;
using AlaeEngine.Tensors;
using AlaeEngine.Tests.Data;
using NUnit.Framework;

namespace AlaeEngine.Tests.IO;

public class SafeTensorsTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = DataIoPaths.NewTempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void RoundTripKeepsNamesShapesDtypesValuesAndMetadata()
    {
        var p = Path.Combine(_dir, "ckpt.safetensors");
        var w = Enumerable.Range(0, 24).Select(i => (float)(i * 0.25 - 3)).ToArray();
        var d = new[] { Math.PI, -1e-300, double.MaxValue, 0.0, -0.0, double.NaN };
        using var tw = Tensor.FromArray(w, new Shape(2, 3, 4));
        using var td = Tensor.FromArray(d, new Shape(6));
        using var ts = Tensor.Scalar(2.5);
        using var te = Tensor.Zeros(new Shape(0, 3));
        var meta = new Dictionary<string, string> { ["step"] = "1200", ["config"] = "{\"lod\": 3}" };

        SafeTensors.Save(p, new Dictionary<string, Tensor> { ["enc.w"] = tw, ["dbl"] = td, ["scalar"] = ts, ["empty"] = te }, meta);
        var loaded = SafeTensors.Load(p, out var meta2);
        try
        {
            Assert.That(loaded.Keys, Is.EquivalentTo(new[] { "enc.w", "dbl", "scalar", "empty" }));
            Assert.That(loaded["enc.w"].Shape, Is.EqualTo(new Shape(2, 3, 4)));
            Assert.That(loaded["enc.w"].DType, Is.EqualTo(DType.Float32));
            Assert.That(loaded["enc.w"].ToFloatArray(), Is.EqualTo(w));
            Assert.That(loaded["dbl"].DType, Is.EqualTo(DType.Float64));
            var back = loaded["dbl"].ToDoubleArray();
            for (int i = 0; i < d.Length; i++)
                Assert.That(BitConverter.DoubleToInt64Bits(back[i]), Is.EqualTo(BitConverter.DoubleToInt64Bits(d[i])), $"element {i} bit-exact");
            Assert.That(loaded["scalar"].Shape.Rank, Is.EqualTo(0));
            Assert.That(loaded["scalar"].Item(), Is.EqualTo(2.5));
            Assert.That(loaded["empty"].Shape, Is.EqualTo(new Shape(0, 3)));
            Assert.That(meta2, Is.EquivalentTo(meta));
            Assert.That(loaded.Values.All(t => t.Device == Device.Cpu));
        }
        finally { foreach (var t in loaded.Values) t.Dispose(); }
    }

    [Test]
    public void NoMetadataLoadsAsEmpty()
    {
        var p = Path.Combine(_dir, "a.safetensors");
        using var t = Tensor.FromArray([1f, 2f], new Shape(2));
        SafeTensors.Save(p, new Dictionary<string, Tensor> { ["t"] = t });
        var loaded = SafeTensors.Load(p, out var meta);
        Assert.That(meta, Is.Empty);
        Assert.That(Encoding.UTF8.GetString(File.ReadAllBytes(p)), Does.Not.Contain("__metadata__"));
        foreach (var x in loaded.Values) x.Dispose();
    }

    [Test]
    public void WrittenFileFollowsTheSpec()
    {
        var p = Path.Combine(_dir, "a.safetensors");
        using var a = Tensor.FromArray([1.5f, -2f, 3.25f], new Shape(3, 1));
        using var b = Tensor.FromArray([0.1], new Shape(1));
        SafeTensors.Save(p, new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(p);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That((8 + n) % 8, Is.EqualTo(0), "data section is 8-byte aligned");
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("__metadata__").GetProperty("k").GetString(), Is.EqualTo("v"));
        var ea = root.GetProperty("a");
        var eb = root.GetProperty("b");
        Assert.That(ea.GetProperty("dtype").GetString(), Is.EqualTo("F32"));
        Assert.That(eb.GetProperty("dtype").GetString(), Is.EqualTo("F64"));
        Assert.That(ea.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 3, 1 }));
        long aBegin = ea.GetProperty("data_offsets")[0].GetInt64(), aEnd = ea.GetProperty("data_offsets")[1].GetInt64();
        long bBegin = eb.GetProperty("data_offsets")[0].GetInt64(), bEnd = eb.GetProperty("data_offsets")[1].GetInt64();
        Assert.That(aEnd - aBegin, Is.EqualTo(12));
        Assert.That(bEnd - bBegin, Is.EqualTo(8));
        Assert.That(bytes.Length, Is.EqualTo(8 + n + 20));
        int data = 8 + (int)n;
        Assert.That(BitConverter.ToSingle(bytes, data + (int)aBegin + 4), Is.EqualTo(-2f));
        Assert.That(BitConverter.ToDouble(bytes, data + (int)bBegin), Is.EqualTo(0.1));
    }

    [Test]
    public void HandBuiltFileLoads()
    {
        // Assembled byte by byte from the format description, with tensors stored out of name order and a hole-free layout.
        var header = """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}""";
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(-7.5));
        foreach (var f in new[] { 1f, 2f, 3f, 4.5f }) data.AddRange(BitConverter.GetBytes(f));
        var p = Path.Combine(_dir, "hand.safetensors");
        File.WriteAllBytes(p, Assemble(header, data.ToArray()));

        var loaded = SafeTensors.Load(p, out var meta);
        Assert.That(meta["format"], Is.EqualTo("pt"));
        Assert.That(loaded["w"].Shape, Is.EqualTo(new Shape(2, 2)));
        Assert.That(loaded["w"].ToFloatArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4.5f }));
        Assert.That(loaded["s"].Shape.Rank, Is.EqualTo(0));
        Assert.That(loaded["s"].DType, Is.EqualTo(DType.Float64));
        Assert.That(loaded["s"].Item(), Is.EqualTo(-7.5));
        foreach (var t in loaded.Values) t.Dispose();
    }

    [TestCase("""{"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 8, "'t'", "dtype 'F16'")]
    [TestCase("""{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "'t'", "needs 12 bytes")]
    [TestCase("""{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, "'t'", "out of range")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8, "'t'", "out of range")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "'u'", "overlaps")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2]}}""", 8, "'t'", "data_offsets")]
    [TestCase("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "'t'", "twice")]
    [TestCase("""{"__metadata__":{"step":3}}""", 0, "__metadata__", "expected a string")]
    [TestCase("""{"t":""", 0, "header", "not valid JSON")]
    public void CorruptHeaderIsReportedWithFileAndTensor(string header, int dataBytes, string names, string problem)
    {
        var p = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(p, Assemble(header, new byte[dataBytes]));
        var e = Assert.Throws<DataFormatException>(() => SafeTensors.Load(p))!;
        Assert.That(e.Message, Does.StartWith(p).And.Contain(names).And.Contain(problem));
    }

    [Test]
    public void HeaderLengthBeyondFileIsReported()
    {
        var p = Path.Combine(_dir, "bad.safetensors");
        var bytes = Assemble("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000_000);
        File.WriteAllBytes(p, bytes);
        var e = Assert.Throws<DataFormatException>(() => SafeTensors.Load(p))!;
        Assert.That(e.Message, Does.StartWith(p).And.Contain("header length 1000000").And.Contain($"{bytes.Length} bytes"));
    }

    [Test]
    public void TruncatedSavedFileIsReported()
    {
        var p = Path.Combine(_dir, "a.safetensors");
        using var t = Tensor.FromArray(new float[10], new Shape(10));
        SafeTensors.Save(p, new Dictionary<string, Tensor> { ["weights"] = t });
        var bytes = File.ReadAllBytes(p);
        File.WriteAllBytes(p, bytes.AsSpan(0, bytes.Length - 3).ToArray());
        var e = Assert.Throws<DataFormatException>(() => SafeTensors.Load(p))!;
        Assert.That(e.Message, Does.Contain("'weights'").And.Contain("out of range"));

        File.WriteAllBytes(p, bytes.AsSpan(0, 5).ToArray());
        e = Assert.Throws<DataFormatException>(() => SafeTensors.Load(p))!;
        Assert.That(e.Message, Does.Contain("truncated"));
    }

    [Test]
    public void MissingFileIsReported()
    {
        var p = Path.Combine(_dir, "none.safetensors");
        var e = Assert.Throws<DataFormatException>(() => SafeTensors.Load(p))!;
        Assert.That(e.Message, Does.Contain(p).And.Contain("not found"));
    }

    [Test]
    public void ReservedNameIsRefused()
    {
        using var t = Tensor.Scalar(1);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(Path.Combine(_dir, "x"), new Dictionary<string, Tensor> { ["__metadata__"] = t }));
    }

    private static byte[] Assemble(string headerJson, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(headerJson);
        var r = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)h.Length);
        h.CopyTo(r, 8);
        data.CopyTo(r, 8 + h.Length);
        return r;
    }
}
