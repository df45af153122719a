namespace AlaeEngine.Cuda;

/// <summary>A failed CUDA driver, NVRTC or cuBLAS call; the message names the call and the library's error name and text.</summary>
public class CudaException(string message) : Exception(message);
