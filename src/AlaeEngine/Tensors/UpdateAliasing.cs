namespace AlaeEngine.Tensors;

/// <summary>
/// The check both backends make on a multi-tensor update (Adam, lerp): a tensor the update writes must not share its
/// storage with any other tensor of the same call. On a GPU one launch covers a whole table of tensors, so two slots
/// writing one buffer, or one slot reading what another writes, race; on the CPU they would silently apply the update
/// twice. Read-only tensors may repeat (two EMA targets of one source).
/// </summary>
internal static class UpdateAliasing
{
    /// <param name="tensors">every tensor of the call: its slot, its role in the slot ("parameter", "gradient", …), and whether the update writes it</param>
    public static void RequireDistinct(string op, IEnumerable<(int Slot, string Role, Tensor Tensor, bool Written)> tensors)
    {
        var seen = new Dictionary<Storage, (int Slot, string Role, Tensor Tensor, bool Written)>(ReferenceEqualityComparer.Instance);
        foreach (var t in tensors)
        {
            if (!seen.TryGetValue(t.Tensor.Storage, out var first)) { seen[t.Tensor.Storage] = t; continue; }
            if (!first.Written && !t.Written) continue;
            throw new ArgumentException($"{op}: {Describe(first)} and {Describe(t)} are the same tensor (one storage); a tensor the update " +
                                        "writes may appear only once in one call (on a GPU the two would race)");
        }
    }

    private static string Describe((int Slot, string Role, Tensor Tensor, bool Written) t)
        => $"the {t.Role} of slot {t.Slot} ({(t.Tensor.Name is { } n ? $"'{n}' " : "")}{t.Tensor.Shape})";

    public static void RequireDistinct(IReadOnlyList<AdamSlot> slots)
        => RequireDistinct("AdamStep", slots.SelectMany((s, k) => new[]
        {
            (k, "parameter", s.Param, true), (k, "second moment", s.SecondMoment, true), (k, "gradient", s.Grad, false),
        }));

    public static void RequireDistinct(IReadOnlyList<(Tensor A, Tensor B)> pairs)
        => RequireDistinct("LerpInPlace", pairs.SelectMany((p, k) => new[] { (k, "target", p.A, true), (k, "source", p.B, false) }));
}
