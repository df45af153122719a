namespace AlaeEngine.Data;

/// <summary>One batch of a training schedule: the images at <paramref name="Indices"/> at level <paramref name="Resolution"/>, mirrored when <paramref name="Flip"/>.</summary>
public readonly record struct BatchRequest(int Resolution, int[] Indices, bool Flip);
