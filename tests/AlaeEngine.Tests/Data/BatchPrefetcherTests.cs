using System.Collections.Concurrent;
using NUnit.Framework;
using AlaeEngine.Data;
using AlaeEngine.Tensors;

namespace AlaeEngine.Tests.Data;

public class BatchPrefetcherTests
{
    /// <summary>
    /// A source whose batch (B, 1, 1, 1) holds index + 1000·flip + 10000·resolution per image, recording every call;
    /// it throws at the call numbered <see cref="FailAt"/>.
    /// </summary>
    private sealed class FakeSource : IImageSource
    {
        public int FailAt = -1;
        public int Calls;
        public readonly ConcurrentBag<int> Threads = new();
        public readonly ConcurrentBag<bool> HadScope = new();
        public readonly ConcurrentQueue<Tensor> Made = new();

        public int Count => 100;
        public int Channels => 1;

        public Tensor Batch(int resolution, ReadOnlySpan<int> indices, bool flip)
        {
            int call = Interlocked.Increment(ref Calls) - 1;
            Threads.Add(Environment.CurrentManagedThreadId);
            HadScope.Add(TensorScope.Current != null);
            if (call == FailAt) throw new DataFormatException("fake.alaecache", $"broken at call {call}");
            var v = new float[indices.Length];
            for (int b = 0; b < v.Length; b++) v[b] = indices[b] + (flip ? 1000 : 0) + 10000 * resolution;
            var t = Tensor.FromArray(v, new Shape(indices.Length, 1, 1, 1));
            Made.Enqueue(t);
            return t;
        }
    }

    private static IEnumerable<BatchRequest> Schedule(int n)
    {
        for (int i = 0; i < n; i++) yield return new BatchRequest(i < n / 2 ? 4 : 8, [i, i + 1], i % 3 == 0);
    }

    private static float[] Expected(BatchRequest r) => r.Indices.Select(i => i + (r.Flip ? 1000f : 0) + 10000f * r.Resolution).ToArray();

    [Test]
    public void BatchesComeInScheduleOrderFromAnotherThreadOutsideAnyScope()
    {
        var source = new FakeSource();
        var expected = Schedule(12).Select(Expected).ToList();
        var got = new List<float[]>();
        using (var prefetcher = new BatchPrefetcher(source, Schedule(12), depth: 3))
        using (TensorScope.Begin())
        {
            var batches = new List<Tensor>();
            while (prefetcher.TryNext(out var batch))
            {
                batches.Add(batch);
                got.Add(batch.ToFloatArray());
            }
            Assert.That(prefetcher.TryNext(out _), Is.False, "stays exhausted");
            Assert.Throws<InvalidOperationException>(() => prefetcher.Next());
            // The consumer's scope does not own the batches: they survive it until disposed by the consumer.
            TensorScope.Current!.Dispose();
            Assert.That(batches.Select(b => b.IsDisposed), Has.All.False);
            batches.ForEach(b => b.Dispose());
        }
        Assert.That(got, Is.EqualTo(expected));
        Assert.That(source.Threads, Has.None.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(source.HadScope, Has.All.False);
    }

    [Test]
    public void AtMostDepthBatchesAreReadAhead()
    {
        var source = new FakeSource();
        using var prefetcher = new BatchPrefetcher(source, Schedule(20), depth: 2);
        // Two batches queued and a third read that waits for room.
        Assert.That(() => Volatile.Read(ref source.Calls), Is.EqualTo(3).After(5000, 10));
        Thread.Sleep(200);
        Assert.That(Volatile.Read(ref source.Calls), Is.EqualTo(3));

        prefetcher.Next().Dispose();
        Assert.That(() => Volatile.Read(ref source.Calls), Is.EqualTo(4).After(5000, 10));
    }

    [Test]
    public void ExceptionReachesTheConsumerAtItsBatchAndAfter()
    {
        var source = new FakeSource { FailAt = 2 };
        var schedule = Schedule(6).ToList();
        using var prefetcher = new BatchPrefetcher(source, schedule);

        using (var b0 = prefetcher.Next()) Assert.That(b0.ToFloatArray(), Is.EqualTo(Expected(schedule[0])));
        using (var b1 = prefetcher.Next()) Assert.That(b1.ToFloatArray(), Is.EqualTo(Expected(schedule[1])));
        var e = Assert.Throws<DataFormatException>(() => prefetcher.Next())!;
        Assert.That(e.Message, Does.Contain("fake.alaecache").And.Contain("broken at call 2"));
        Assert.Throws<DataFormatException>(() => prefetcher.TryNext(out _));
        Assert.That(source.Calls, Is.EqualTo(3), "reading stops at the failure");
    }

    [Test]
    public void ExceptionFromTheScheduleItselfIsPropagated()
    {
        static IEnumerable<BatchRequest> Failing()
        {
            yield return new BatchRequest(4, [0], false);
            throw new InvalidOperationException("schedule broke");
        }
        using var prefetcher = new BatchPrefetcher(new FakeSource(), Failing());
        prefetcher.Next().Dispose();
        Assert.That(() => prefetcher.Next(), Throws.InvalidOperationException.With.Message.EqualTo("schedule broke"));
    }

    [Test]
    public void DisposeStopsAnEndlessScheduleAndFreesUntakenBatches()
    {
        static IEnumerable<BatchRequest> Endless()
        {
            for (int i = 0; ; i++) yield return new BatchRequest(4, [i % 100], false);
        }
        var source = new FakeSource();
        var prefetcher = new BatchPrefetcher(source, Endless(), depth: 3);
        var taken = new[] { prefetcher.Next(), prefetcher.Next() };

        var watch = System.Diagnostics.Stopwatch.StartNew();
        prefetcher.Dispose();
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));

        int calls = source.Calls;
        Thread.Sleep(100);
        Assert.That(source.Calls, Is.EqualTo(calls), "the thread has stopped");
        Assert.That(source.Made.Where(t => !taken.Contains(t)).Select(t => t.IsDisposed), Has.All.True);
        Assert.That(taken.Select(t => t.IsDisposed), Has.All.False);
        Assert.Throws<ObjectDisposedException>(() => prefetcher.Next());
        prefetcher.Dispose();
    }

    [Test]
    public void PrefetchedCacheBatchesEqualDirectOnes()
    {
        var dir = DataIoPaths.NewTempDir();
        try
        {
            using var cache = MultiResolutionCache.Open(ImageFolderTests.SampleDir, 16, dir);
            var schedule = Enumerable.Range(0, 8).Select(i => new BatchRequest(i < 4 ? 8 : 16, [i, 31 - i, 2 * i], i % 2 == 1)).ToList();
            using var prefetcher = new BatchPrefetcher(cache, schedule);
            foreach (var r in schedule)
            {
                using var direct = cache.Batch(r.Resolution, r.Indices, r.Flip);
                using var fetched = prefetcher.Next();
                Assert.That(fetched.Shape, Is.EqualTo(direct.Shape));
                Assert.That(fetched.ToFloatArray(), Is.EqualTo(direct.ToFloatArray()));
            }
            Assert.That(prefetcher.TryNext(out _), Is.False);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
