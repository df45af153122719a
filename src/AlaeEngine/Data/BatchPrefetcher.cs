using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using AlaeEngine.Tensors;

namespace AlaeEngine.Data;

/// <summary>
/// Reads the batches of a schedule on a background thread while the training step runs, keeping at most
/// <c>depth</c> ready ones. Batches come out in schedule order, so a run is as deterministic as without prefetching.
/// Each batch is a host tensor owned by no <see cref="TensorScope"/>: the consumer owns it and disposes it (or moves
/// it to the device and disposes the host copy). An exception while reading (a bad cache file, an index out of range)
/// is rethrown to the consumer at the batch where it happened, and by every later call.
/// </summary>
public sealed class BatchPrefetcher : IDisposable
{
    private readonly BlockingCollection<Tensor> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile Exception? _error;
    private bool _disposed;

    /// <summary>
    /// Starts reading <paramref name="schedule"/> from <paramref name="source"/>. The schedule is enumerated on the
    /// background thread, lazily, so it may be long or endless but must not depend on state the consumer changes.
    /// </summary>
    public BatchPrefetcher(IImageSource source, IEnumerable<BatchRequest> schedule, int depth = 2)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "prefetch depth must be at least 1");
        _ready = new BlockingCollection<Tensor>(new ConcurrentQueue<Tensor>(), depth);
        _thread = new Thread(() => Produce(source, schedule)) { IsBackground = true, Name = "batch prefetcher" };
        _thread.Start();
    }

    /// <summary>The next batch in schedule order, or false once the schedule is exhausted.</summary>
    public bool TryNext([NotNullWhen(true)] out Tensor? batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ready.TryTake(out batch, Timeout.Infinite)) return true;
        // Taking fails only after the producer completed the queue: the schedule ended or an exception stopped it.
        if (_error != null) ExceptionDispatchInfo.Capture(_error).Throw();
        return false;
    }

    /// <summary>The next batch in schedule order; the schedule must not be exhausted.</summary>
    public Tensor Next() => TryNext(out var batch) ? batch : throw new InvalidOperationException("the batch schedule is exhausted");

    private void Produce(IImageSource source, IEnumerable<BatchRequest> schedule)
    {
        var token = _stop.Token;
        try
        {
            foreach (var r in schedule)
            {
                if (token.IsCancellationRequested) return;
                var batch = TensorScope.Unscoped(() => source.Batch(r.Resolution, r.Indices, r.Flip));
                try
                {
                    _ready.Add(batch, token);
                }
                catch (OperationCanceledException)
                {
                    batch.Dispose();
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // Published before CompleteAdding, so a consumer that sees the queue completed also sees the error.
            _error = e;
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    /// <summary>Stops the background thread (after the batch it is reading, if any) and frees the batches not taken.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _thread.Join();
        while (_ready.TryTake(out var batch)) batch.Dispose();
        _ready.Dispose();
        _stop.Dispose();
    }
}
