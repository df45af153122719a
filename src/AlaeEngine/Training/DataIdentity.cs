namespace AlaeEngine.Training;

/// <summary>
/// What a run trained on, independent of where the data lies: the image count and a SHA-256 of the image content (null
/// when the source cannot say). Saved in every checkpoint; a resume refuses data that differs, so data moved to another
/// folder can be pointed at, and other data cannot slip in silently.
/// </summary>
public sealed record DataIdentity(long Count, string? Sha256)
{
    /// <summary>Whether <paramref name="other"/> can be the same data: equal counts, and equal hashes when both are known.</summary>
    public bool Matches(DataIdentity other) => Count == other.Count && (Sha256 == null || other.Sha256 == null || Sha256 == other.Sha256);

    public override string ToString() => $"{Count} images, content sha256 {(Sha256 == null ? "unknown" : Sha256[..16] + "…")}";
}
