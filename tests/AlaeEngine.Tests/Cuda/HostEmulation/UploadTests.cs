using AlaeEngine.Cuda;
using AlaeEngine.Tensors;
using NUnit.Framework;

namespace AlaeEngine.Tests.Cuda.HostEmulation;

/// <summary>
/// Host → device uploads through pinned staging buffers on a copy stream (Cuda/HostUploader.cs). The fake driver runs a
/// copy from pinned memory only when its stream is waited for (fake_cuda.cpp, "Streams"), so a kernel on the compute
/// stream sees an upload only if the compute stream waited for it, and a staging buffer refilled too early uploads
/// the wrong bytes. Runs only under run.sh.
/// </summary>
public class UploadTests : GpuParity
{
    /// <summary>
    /// Uploads of 1 element, 1 chunk, 5¼ chunks and the same again with other values, each read at once by a kernel on
    /// the compute stream: every result equals the host data, the two staging buffers are allocated once and reused by
    /// every chunk, and disposing the uploader frees them.
    /// </summary>
    [Test]
    public unsafe void UploadsAreSeenByTheComputeStreamAndReuseTwoPinnedBuffers()
    {
        var before = Emulation.Pinned();
        const int chunk = 4096;
        int chunks = 0;
        using (var uploader = new HostUploader(Cuda.Gpu, chunk))
        {
            int seed = 40;
            foreach (int n in new[] { 1, 1024, 5376, 1024, 5376, 3 })
            {
                var host = Rand([n], DType.Float32, seed++);
                using var device = Tensor.Empty(host.Shape, DType.Float32, Gpu);
                using var doubled = Tensor.Empty(host.Shape, DType.Float32, Gpu);
                uploader.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(host.Span<float>()), ((CudaStorage)device.Storage).Pointer);
                chunks += (n * 4 + chunk - 1) / chunk;
                Cuda.Unary(UnaryOp.Scale, device, doubled, 2);
                var expected = host.ToDoubleArray().Select(v => (double)(2 * (float)v)).ToArray();
                Assert.That(doubled.ToDoubleArray(), Is.EqualTo(expected), $"upload of {n} floats, doubled on the compute stream");
            }
            var during = Emulation.Pinned();
            Assert.That(during.Allocations - before.Allocations, Is.EqualTo(2), "two staging buffers, reused by every chunk");
            Assert.That(during.DeferredCopies - before.DeferredCopies, Is.EqualTo(chunks), "every chunk copied from pinned memory, asynchronously");
        }
        Assert.That(Emulation.Pinned().Live, Is.EqualTo(before.Live), "Dispose frees the staging buffers");
    }

    /// <summary>MoveTo (every upload of the engine: image batches, weights) goes through the device's uploader.</summary>
    [Test]
    public void MoveToUploadsThroughPinnedStaging()
    {
        var host = Rand([3, 64, 64], DType.Float32, 50);
        _ = Cuda.Gpu.Uploads;   // made at the first upload of the session
        var before = Emulation.Pinned();
        using var device = host.MoveTo(Gpu);
        var after = Emulation.Pinned();
        Assert.That(after.DeferredCopies - before.DeferredCopies, Is.EqualTo(1), "one chunk (48 KiB) from pinned memory");
        Assert.That(after.StreamWaits - before.StreamWaits, Is.EqualTo(2), "the copy stream waits for the compute stream, and the compute stream for the copy");
        AssertClose(host, device.MoveTo(Device.Cpu), (0, 0), "host → device → host");
    }

    /// <summary>
    /// The emulation itself: a copy from pinned memory on another stream that the compute stream does not wait for is
    /// not seen by a kernel queued after it (the kernel reads the allocator's fill pattern), as on a GPU it may not be.
    /// </summary>
    [Test]
    public unsafe void AnUploadTheComputeStreamDoesNotWaitForIsNotSeen()
    {
        var g = Cuda.Gpu;
        g.MakeCurrent();
        nint stream;
        void* pinned;
        Cu.Check(Cu.StreamCreate(&stream, Cu.StreamNonBlocking));
        Cu.Check(Cu.MemHostAlloc(&pinned, 16, 0));
        try
        {
            new Span<float>(pinned, 4).Fill(1.5f);
            using var device = Tensor.Empty(new Shape(4), DType.Float32, Gpu);
            using var copy = Tensor.Empty(new Shape(4), DType.Float32, Gpu);
            Cuda.Fill(device, 0);
            Cu.Check(Cu.MemcpyHtoDAsync(((CudaStorage)device.Storage).Pointer, pinned, 16, stream));
            Cuda.Unary(UnaryOp.Scale, device, copy, 1);
            Assert.That(copy.ToDoubleArray(), Is.All.EqualTo(0), "the kernel ran before the copy");
            Cu.Check(Cu.StreamSynchronize(stream));
            Assert.That(device.ToDoubleArray(), Is.All.EqualTo(1.5), "the copy ran when its stream was synchronised");
        }
        finally
        {
            Cu.Check(Cu.MemFreeHost(pinned));
            Cu.Check(Cu.StreamDestroy(stream));
        }
    }
}
