using BlobImageStore.Sessions;
using CsCheck;

namespace BlobImageStore.UnitTests;

public sealed class BlockBufferPoolTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_request_waits_when_the_budget_is_spent_and_gets_its_buffer_when_one_comes_back()
    {
        using var pool = new BlockBufferPool(8 * MiB);
        var first = await pool.RentAsync(4 * MiB, CancellationToken.None);
        var second = await pool.RentAsync(4 * MiB, CancellationToken.None);

        var third = pool.RentAsync(4 * MiB, CancellationToken.None).AsTask();

        Assert.False(third.IsCompleted);
        Assert.Equal(1, pool.Waiting);
        pool.Return(first);
        var granted = await third.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(granted.Length >= 4 * MiB);
        Assert.Equal(8 * MiB, pool.Out);
        pool.Return(second);
        pool.Return(granted);
        Assert.Equal(0, pool.Out);
    }

    [Fact]
    public async Task A_waiting_request_is_handed_the_buffer_given_back_not_a_new_one()
    {
        using var pool = new BlockBufferPool(8 * MiB);
        var first = await pool.RentAsync(4 * MiB, CancellationToken.None);
        var second = await pool.RentAsync(4 * MiB, CancellationToken.None);
        var third = pool.RentAsync(4 * MiB, CancellationToken.None).AsTask();

        pool.Return(first);

        var granted = await third.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(first, granted);
        Assert.Equal(0, pool.Kept);
        pool.Return(second);
        pool.Return(granted);
    }

    [Fact]
    public void With_one_buffer_size_the_pool_never_allocates_more_buffers_than_the_budget_holds()
    {
        // Many requests of one block size through a budget of a few blocks: every buffer handed out is one of at most
        // budget / size arrays, however the requests interleave (a buffer given back while others wait goes to the first
        // waiter, not to the garbage collector).
        Gen.Select(Gen.Int[1, 4], Gen.Int[2, 60]).Sample((blocks, requests) =>
        {
            using var pool = new BlockBufferPool(blocks * MiB);
            var seen = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
            var tasks = Enumerable.Range(0, requests).Select(_ => Task.Run(async () =>
            {
                var buffer = await pool.RentAsync(MiB, CancellationToken.None);
                lock (seen)
                {
                    seen.Add(buffer);
                }

                await Task.Yield();
                pool.Return(buffer);
            })).ToArray();

            Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "a request waited forever");
            Assert.True(seen.Count <= blocks, $"{seen.Count} distinct 1 MiB buffers under a budget of {blocks} MiB");
        }, iter: 200);
    }

    [Fact]
    public async Task A_buffer_larger_than_the_whole_budget_is_served_alone()
    {
        using var pool = new BlockBufferPool(4 * MiB);
        var big = await pool.RentAsync(16 * MiB, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var next = pool.RentAsync(1 * MiB, CancellationToken.None).AsTask();

        Assert.False(next.IsCompleted);
        pool.Return(big);
        pool.Return(await next.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, pool.Out);
    }

    [Fact]
    public async Task A_cancelled_wait_takes_nothing_from_the_budget()
    {
        using var pool = new BlockBufferPool(4 * MiB);
        var held = await pool.RentAsync(4 * MiB, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = pool.RentAsync(4 * MiB, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, pool.Waiting);
        pool.Return(held);
        Assert.Equal(0, pool.Out);
        var again = await pool.RentAsync(4 * MiB, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        pool.Return(again);
    }

    [Fact]
    public void Buffers_out_and_kept_never_exceed_the_budget_and_every_request_is_served()
    {
        // Random requests of random sizes, each renting one buffer at a time and giving it back, many at once.
        Gen.Int[1, 3 * MiB].Array[1, 40].Sample(sizes =>
        {
            using var pool = new BlockBufferPool(4 * MiB);
            var peak = 0L;
            var tasks = sizes.Select(size => Task.Run(async () =>
            {
                var buffer = await pool.RentAsync(size, CancellationToken.None);
                Assert.True(buffer.Length >= size);
                lock (pool)
                {
                    peak = Math.Max(peak, pool.Held);
                }

                await Task.Yield();
                pool.Return(buffer);
            })).ToArray();

            Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "a request waited forever");
            Assert.Equal(0, pool.Out);
            Assert.True(peak <= pool.Budget, $"out + kept reached {peak} bytes, above the budget of {pool.Budget}");
            Assert.True(pool.Kept <= pool.Budget);
        }, iter: 200);
    }

    [Fact]
    public async Task Kept_buffers_are_dropped_once_idle()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var pool = new BlockBufferPool(16 * MiB, clock);
        pool.Return(await pool.RentAsync(4 * MiB, CancellationToken.None));
        Assert.Equal(4 * MiB, pool.Kept);

        clock.Advance(BlockBufferPool.IdleTrim * 2);

        Assert.Equal(0, pool.Kept);
    }
}
