using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>
/// The path claim for whole-file writers: UploadFile, a Copy onto a path, a Delete of a path. Any write of a blob
/// (Put Blob, Put Block List, Copy Blob, Delete Blob) discards its uncommitted blocks, so it must hold the path's claim
/// like a session does: taken with a conditional write before the first byte is written (never check-then-act), held
/// as a lease (<see cref="SessionRules.WriteLease"/>, renewed while the write goes on, and the write is cancelled when
/// it can no longer be renewed), released after. A path held by an open session is refused (409 naming the session),
/// except for a Delete, which ends the session first (the client asked for everything there to be gone).
/// </summary>
public sealed class PathWrites(UploadSessions sessions, IPathClaims claims, ConflictRetry retry, TimeProvider clock)
{
    /// <summary>Takes the path's write claim: <see cref="WriteClaimed"/>, <see cref="PathHeld"/> or <see cref="Busy"/>.</summary>
    public Task<Outcome> AcquireAsync(StorePath path, WriteAction action, CancellationToken cancellationToken) =>
        retry.RunAsync(async _ =>
        {
            var now = clock.GetUtcNow();
            var wanted = new PathClaim(path.Value, ClaimKind.Write, Guid.NewGuid(), 0, now, now + sessions.Machine.Rules.WriteLease);
            var outcome = await sessions.TryTakeClaimAsync(path, wanted, action, cancellationToken);
            if (outcome is PathHeld { Holder: { } holder } && action == WriteAction.Delete)
            {
                await sessions.DeleteAsync(holder.SessionId, null, cancellationToken);
                return null;
            }

            return outcome;
        }, () => new Busy(null, path.Value), cancellationToken);

    /// <summary>Extends the lease if half of it has passed; null when the claim was lost (the write must stop).</summary>
    public async Task<Versioned<PathClaim>?> RenewAsync(Versioned<PathClaim> claim, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lease = sessions.Machine.Rules.WriteLease;
        if (claim.Value.Until is { } until && until - now > lease / 2)
        {
            return claim;
        }

        var renewed = claim.Value with { Until = now + lease };
        return await claims.TryReplaceAsync(renewed, claim.Version, cancellationToken) is { } version ? new(renewed, version) : null;
    }

    public Task ReleaseAsync(Versioned<PathClaim> claim, CancellationToken cancellationToken) =>
        claims.TryDeleteAsync(StorePath.Parse(claim.Value.Path), claim.Version, cancellationToken);

    /// <summary>
    /// Runs <paramref name="write"/> under the path's write claim; the token it gets is cancelled when the lease ends.
    /// Returns the refusal when the claim cannot be taken, else null.
    /// </summary>
    public async Task<Outcome?> RunAsync(StorePath path, WriteAction action, Func<WriteLease, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var acquired = await AcquireAsync(path, action, cancellationToken);
        return acquired is WriteClaimed claimed ? await RunClaimedAsync(claimed.Claim, write, cancellationToken) : acquired;
    }

    /// <summary>A lease over a claim taken with <see cref="AcquireAsync"/>; release it with <see cref="ReleaseAsync"/>.</summary>
    public WriteLease Lease(Versioned<PathClaim> claim) => new(this, claim, clock);

    private async Task<Outcome?> RunClaimedAsync(Versioned<PathClaim> claim, Func<WriteLease, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var lease = new WriteLease(this, claim, clock);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Ending);
            await write(lease, linked.Token);
            return null;
        }
        finally
        {
            using var release = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ReleaseAsync(lease.Claim, release.Token);
            lease.Dispose();
        }
    }
}

/// <summary>A held write claim: <see cref="KeepAsync"/> before each step of the write renews it when due.</summary>
public sealed class WriteLease : IDisposable
{
    private readonly PathWrites _writes;
    private CancellationTokenSource _ending;

    internal WriteLease(PathWrites writes, Versioned<PathClaim> claim, TimeProvider clock)
    {
        _writes = writes;
        Claim = claim;
        Clock = clock;
        _ending = new CancellationTokenSource(Remaining(claim, clock), clock);
    }

    public Versioned<PathClaim> Claim { get; private set; }

    public CancellationToken Ending => _ending.Token;

    private TimeProvider Clock { get; }

    /// <summary>Renews the lease when half of it has passed; false when the claim was lost (stop, write nothing more).</summary>
    public async Task<bool> KeepAsync(CancellationToken cancellationToken)
    {
        if (await _writes.RenewAsync(Claim, cancellationToken) is not { } renewed)
        {
            return false;
        }

        if (renewed.Version != Claim.Version)
        {
            Claim = renewed;
            _ending.CancelAfter(Remaining(renewed, Clock));
        }

        return true;
    }

    public void Dispose() => _ending.Dispose();

    private static TimeSpan Remaining(Versioned<PathClaim> claim, TimeProvider clock)
    {
        var left = (claim.Value.Until ?? clock.GetUtcNow()) - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
