namespace AlaeEngine.Tensors;

/// <summary>Element type of a tensor. Float64 exists for the CPU oracle (finite-difference checks).</summary>
public enum DType { Float32, Float64 }

public static class DTypeExtensions
{
    public static int SizeOf(this DType d) => d == DType.Float32 ? 4 : 8;
    public static string Name(this DType d) => d == DType.Float32 ? "float32" : "float64";
}
