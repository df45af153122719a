using AlaeEngine.Tensors;
using AlaeEngine.Training;
using NUnit.Framework;

namespace AlaeEngine.Tests.Pioneer;

/// <summary>The image pool: fill, swap with probability ½, determinism from the stream, and checkpoint round trips.</summary>
public class ImagePoolTests
{
    // image i of a batch is constant, with value `first + i`, so the returned images can be told apart by value
    private static Tensor Batch(int n, double first, int size = 2)
    {
        var v = new double[n * 3 * size * size];
        for (int i = 0; i < v.Length; i++) v[i] = first + i / (3 * size * size);
        return Tensor.FromArray(v, new Shape(n, 3, size, size)).Cast(DType.Float32);
    }

    private static double[] Ids(Tensor images) => images.ToFloatArray().Chunk(images.Length / images.Shape[0]).Select(c => (double)c[0]).ToArray();

    [Test]
    public void FillsFirstThenSwapsAboutHalfTheImagesWithStoredOnes()
    {
        using var scope = TensorScope.Begin();
        using var pool = new ImagePool(4);
        var random = new RandomStream(1);
        Assert.That(Ids(pool.Query(Batch(3, 0), random)), Is.EqualTo(new double[] { 0, 1, 2 }), "while filling, images come back as they are");
        Assert.That(pool.Count, Is.EqualTo(3));
        Assert.That(random.Position, Is.EqualTo(6), "2 draws per image whatever happens");
        var second = Ids(pool.Query(Batch(3, 10), random));
        Assert.That(second[0], Is.EqualTo(10), "the fourth image fills the pool");
        Assert.That(pool.Count, Is.EqualTo(4));

        // many queries: every returned image is either the queried one or one stored earlier; about half are swapped
        var seen = new HashSet<double> { 0, 1, 2, 10, 11, 12 };
        int swapped = 0, total = 0;
        for (int q = 0; q < 200; q++)
        {
            double first = 100 + 10 * q;
            var ids = Ids(pool.Query(Batch(5, first), random));
            for (int i = 0; i < 5; i++)
            {
                total++;
                if (ids[i] != first + i)
                {
                    swapped++;
                    // an image stored earlier in this very query may come back too, as in the reference's loop
                    Assert.That(seen, Does.Contain(ids[i]), "a swapped-in image must have been queried before");
                    Assert.That(ids.Count(v => v == ids[i]), Is.EqualTo(1), "a stored image leaves the pool when it is returned");
                }
                seen.Add(first + i);
            }
        }
        Assert.That(swapped / (double)total, Is.EqualTo(0.5).Within(0.06));
    }

    [Test]
    public void SameSeedSameOutputsAndASnapshotResumesExactly()
    {
        using var scope = TensorScope.Begin();
        using var a = new ImagePool(3);
        var ra = new RandomStream(7);
        for (int q = 0; q < 5; q++) a.Query(Batch(2, 10 * q), ra);
        var snapshot = a.Snapshot()!;
        Assert.That(snapshot.Shape, Is.EqualTo(new Shape(3, 3, 2, 2)));
        ulong position = ra.Position;

        using var b = new ImagePool(3);
        b.Restore(snapshot, Device.Cpu);
        var rb = new RandomStream(7, position);
        for (int q = 5; q < 12; q++)
            Assert.That(Ids(b.Query(Batch(2, 10 * q), rb)), Is.EqualTo(Ids(a.Query(Batch(2, 10 * q), ra))), $"query {q} after the restore");

        using var empty = new ImagePool(3);
        Assert.That(empty.Snapshot(), Is.Null);
        empty.Restore(null, Device.Cpu);
        Assert.That(empty.Count, Is.Zero);
    }

    [Test]
    public void ZeroCapacityPassesImagesThroughAndMisuseIsAnError()
    {
        using var scope = TensorScope.Begin();
        using var off = new ImagePool(0);
        Assert.That(Ids(off.Query(Batch(3, 5), new RandomStream(1))), Is.EqualTo(new double[] { 5, 6, 7 }));

        using var pool = new ImagePool(2);
        pool.Query(Batch(1, 0, size: 2), new RandomStream(1));
        Assert.That(() => pool.Query(Batch(1, 0, size: 4), new RandomStream(1)), Throws.ArgumentException.With.Message.Contains("(3, 2, 2)").And.Message.Contains("(3, 4, 4)"));
        pool.Clear();
        Assert.That(pool.Count, Is.Zero);
        Assert.That(Ids(pool.Query(Batch(1, 9, size: 4), new RandomStream(1))), Is.EqualTo(new double[] { 9 }), "after Clear the pool takes the new resolution");
        Assert.That(() => pool.Restore(Batch(3, 0), Device.Cpu), Throws.ArgumentException.With.Message.Contains("n ≤ 2"));
        Assert.That(() => new ImagePool(-1), Throws.ArgumentException);
    }
}
