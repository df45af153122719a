namespace AlaeEngine.Tests.Aegan;

/// <summary>
/// Deterministic values that tools/vgg16_fixture.py computes bit for bit too, so reference networks need no stored
/// weights: for a tensor named N, h = FNV-1a-64(UTF-8 N) and element i = (2·u − 1)·scale with
/// u = (splitmix64(h + i) &gt;&gt; 11)·2⁻⁵³ (integer arithmetic modulo 2⁶⁴; the float64 operations are exact or correctly rounded).
/// </summary>
internal static class FormulaValues
{
    public static double[] Make(string name, int count, double scale)
    {
        ulong h = 0xCBF29CE484222325;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(name)) h = (h ^ b) * 0x100000001B3;
        var v = new double[count];
        for (int i = 0; i < count; i++)
        {
            ulong z = h + (ulong)i + 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            double u = (z >> 11) * (1.0 / (1UL << 53));
            v[i] = (2 * u - 1) * scale;
        }
        return v;
    }
}
