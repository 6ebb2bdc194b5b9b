namespace BlobImageStore.Sessions;

/// <summary>
/// The staging buffers of every request in flight, under one memory budget (<c>ImageStore:BufferBudget</c>). A request
/// that wants a buffer when the budget is spent <b>waits</b> (first come, first served) until others give theirs
/// back; it never fails for it. A single buffer larger than the whole budget is granted when no other is out, so no
/// request waits forever. Buffers given back are kept for reuse only within the budget, and those idle for
/// <see cref="IdleTrim"/> are dropped (and the memory handed back to the OS), so a burst of connections does not pin
/// its memory once they close.
/// </summary>
public sealed class BlockBufferPool : IDisposable
{
    /// <summary>Buffers idle this long are dropped.</summary>
    public static readonly TimeSpan IdleTrim = TimeSpan.FromSeconds(5);

    private const int MiB = 1024 * 1024;
    private readonly object _gate = new();
    private readonly Dictionary<int, Stack<(byte[] Buffer, long Since)>> _free = [];
    private readonly LinkedList<(int Size, TaskCompletionSource<byte[]?> Ready)> _waiters = new();
    private readonly TimeProvider _clock;
    private readonly ITimer? _trim;
    private long _out;
    private long _kept;

    /// <param name="budget">Most bytes of buffers out at once plus kept for reuse.</param>
    public BlockBufferPool(long budget, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        Budget = budget;
        _clock = clock ?? TimeProvider.System;
        _trim = budget == long.MaxValue ? null : _clock.CreateTimer(_ => Trim(), null, IdleTrim, IdleTrim);
    }

    /// <summary>A pool without a budget (tests, and callers that bound their buffers themselves).</summary>
    public static BlockBufferPool Unbounded() => new(long.MaxValue);

    public long Budget { get; }

    /// <summary>Bytes of buffers rented and not yet given back.</summary>
    public long Out
    {
        get
        {
            lock (_gate)
            {
                return _out;
            }
        }
    }

    /// <summary>Bytes of buffers kept for reuse.</summary>
    public long Kept
    {
        get
        {
            lock (_gate)
            {
                return _kept;
            }
        }
    }

    /// <summary>Bytes of buffers out and kept together (what the budget bounds), read at one instant.</summary>
    public long Held
    {
        get
        {
            lock (_gate)
            {
                return _out + _kept;
            }
        }
    }

    /// <summary>Requests waiting for budget right now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>A buffer of at least <paramref name="size"/> bytes if the budget allows it now, without waiting.</summary>
    public bool TryRent(int size, out byte[] buffer)
    {
        var rounded = Round(size);
        lock (_gate)
        {
            if (_waiters.Count == 0 && Fits(rounded))
            {
                buffer = TakeLocked(rounded);
                return true;
            }
        }

        buffer = [];
        return false;
    }

    /// <summary>A buffer of at least <paramref name="size"/> bytes, waiting for budget if it is spent.</summary>
    public async ValueTask<byte[]> RentAsync(int size, CancellationToken cancellationToken)
    {
        var rounded = Round(size);
        LinkedListNode<(int, TaskCompletionSource<byte[]?>)> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && Fits(rounded))
            {
                return TakeLocked(rounded);
            }

            node = _waiters.AddLast((rounded, new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously)));
        }

        var ready = node.Value.Item2;
        byte[]? handed;
        using (cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                if (node.List is not null && ready.TrySetCanceled(cancellationToken))
                {
                    _waiters.Remove(node);
                }
            }
        }))
        {
            // Granted by Release: the budget for this buffer is already counted as out, and a buffer given back is
            // handed over as it is (null when none of this size was free: allocated here, outside the lock).
            handed = await ready.Task.ConfigureAwait(false);
        }

        return handed ?? GC.AllocateUninitializedArray<byte>(rounded);
    }

    /// <summary>A buffer for callers that cannot wait (counted against the budget, never refused).</summary>
    public byte[] Rent(int size)
    {
        var rounded = Round(size);
        lock (_gate)
        {
            return TakeLocked(rounded);
        }
    }

    public void Return(byte[]? buffer)
    {
        if (buffer is null || buffer.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            _out -= buffer.Length;
            if (_out + _kept + buffer.Length <= Budget && Budget != long.MaxValue)
            {
                Keep(buffer);
            }

            GrantLocked();
        }
    }

    /// <summary>Drops kept buffers idle for <see cref="IdleTrim"/>; when that freed much, asks the GC to give it back to the OS.</summary>
    public void Trim()
    {
        long dropped = 0;
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            foreach (var (size, stack) in _free)
            {
                var keep = new List<(byte[] Buffer, long Since)>();
                while (stack.TryPop(out var entry))
                {
                    if (_clock.GetElapsedTime(entry.Since, now) >= IdleTrim)
                    {
                        dropped += size;
                    }
                    else
                    {
                        keep.Add(entry);
                    }
                }

                for (var i = keep.Count - 1; i >= 0; i--)
                {
                    stack.Push(keep[i]);
                }
            }

            _kept -= dropped;
        }

        if (dropped >= 8 * MiB)
        {
            // Large buffers live on the large object heap, which only a full collection frees; without one an idle
            // server would keep the memory of its last burst for good. Measured (docs/benchmarks.md, 200 slow
            // connections): without a collection RSS stayed at the peak; a Forced one freed the arrays but the GC kept
            // their regions committed (RSS down 15 MiB of 96); Aggressive also decommits them (RSS back within 25 MiB of
            // idle). It runs only after 5 s without a rent or return of the dropped buffers, so no request waits on it.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    public void Dispose() => _trim?.Dispose();

    /// <summary>Sizes are rounded so that buffers of nearby sizes are shared: powers of two up to 1 MiB, whole MiB above.</summary>
    private static int Round(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return size <= MiB ? (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size)) : (int)Math.Min(Array.MaxLength, ((long)size + MiB - 1) / MiB * MiB);
    }

    private bool Fits(int size) => _out == 0 || _out + size <= Budget;

    private byte[] TakeLocked(int size) => TakeFreeLockedCounted(size) ?? Allocate(size);

    private byte[] Allocate(int size)
    {
        _out += size;
        MakeRoomLocked();
        return GC.AllocateUninitializedArray<byte>(size);
    }

    private byte[]? TakeFreeLockedCounted(int size)
    {
        if (TakeFreeLocked(size) is not { } buffer)
        {
            return null;
        }

        _out += size;
        return buffer;
    }

    private byte[]? TakeFreeLocked(int size)
    {
        if (_free.TryGetValue(size, out var stack) && stack.TryPop(out var entry))
        {
            _kept -= size;
            return entry.Buffer;
        }

        return null;
    }

    private void Keep(byte[] buffer)
    {
        if (!_free.TryGetValue(buffer.Length, out var stack))
        {
            _free[buffer.Length] = stack = new();
        }

        stack.Push((buffer, _clock.GetTimestamp()));
        _kept += buffer.Length;
    }

    /// <summary>Drops kept buffers until out + kept fits the budget again.</summary>
    private void MakeRoomLocked()
    {
        foreach (var (size, stack) in _free)
        {
            while (_out + _kept > Budget && stack.TryPop(out _))
            {
                _kept -= size;
            }
        }
    }

    /// <summary>
    /// Grants waiting requests in order while the budget allows (their bytes are counted as out here), handing each a
    /// kept buffer of its size when there is one: a buffer given back goes to the next waiter, not to the garbage
    /// collector, so a queue of requests reuses the same arrays instead of allocating one per request.
    /// </summary>
    private void GrantLocked()
    {
        while (_waiters.First is { } first && Fits(first.Value.Size))
        {
            _waiters.RemoveFirst();
            var size = first.Value.Size;
            var buffer = TakeFreeLocked(size);
            if (first.Value.Ready.TrySetResult(buffer))
            {
                _out += size;
                MakeRoomLocked();
            }
            else if (buffer is not null)
            {
                Keep(buffer);
            }
        }
    }
}
