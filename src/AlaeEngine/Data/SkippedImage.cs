namespace AlaeEngine.Data;

/// <summary>A file of an image folder that was left out of the data set, and why (for example "cannot decode image (...)").</summary>
public sealed record SkippedImage(string File, string Reason);
