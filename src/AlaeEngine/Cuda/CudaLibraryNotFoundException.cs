namespace AlaeEngine.Cuda;

/// <summary>No candidate file of a CUDA library could be loaded; <see cref="Tried"/> lists each path and why it failed.</summary>
public sealed class CudaLibraryNotFoundException(string library, IReadOnlyList<string> tried, string hint)
    : CudaException($"could not load the CUDA library '{library}' ({hint}); tried:\n  " + string.Join("\n  ", tried))
{
    public string Library { get; } = library;
    public IReadOnlyList<string> Tried { get; } = tried;
}
