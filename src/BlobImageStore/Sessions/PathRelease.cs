using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>
/// Discards the staged blocks of a path whose session is gone, safely against a new session taking the path at the same
/// moment. A discard (see <see cref="IBlockStaging.DiscardUncommittedAsync"/>) drops every uncommitted block of the blob,
/// whoever staged it, so it may only run while no other session can stage there: the claim is first marked "releasing"
/// with a conditional write on the version the decision was made from. A new session that read the claim before that
/// loses its own conditional takeover and waits for the release; one that took the path first makes the mark fail, and
/// then nothing is discarded (the old blocks are left for that session's commit or discard, or for Azure, to drop; they
/// never count for it, since block IDs carry the session and its incarnation). A committed file is never touched.
/// </summary>
public sealed class PathRelease(IBlockStaging staging, IPathClaims claims)
{
    /// <summary>
    /// Marks the claim (as read at its version) releasing and discards the path's uncommitted blocks. Returns the marked
    /// claim's version, which the caller releases when done, or null when the claim changed meanwhile and nothing was done.
    /// If the discard fails the mark stays; it lapses after <see cref="SessionLifetime.ReleaseGrace"/> and the cleanup
    /// tries again.
    /// </summary>
    public async Task<string?> DiscardUnderClaimAsync(StorePath path, Versioned<PathClaim> claim, CancellationToken cancellationToken)
    {
        var marked = await claims.TryMarkReleasingAsync(path, claim, cancellationToken);
        if (marked is null)
        {
            return null;
        }

        // The mark holds new sessions off for ReleaseGrace: never let the discard run past it.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(SessionLifetime.DiscardTimeout);
        await staging.DiscardUncommittedAsync(path, deadline.Token);
        return marked;
    }

    /// <summary>Discards under the claim, then releases it; false when the claim changed meanwhile (nothing done).</summary>
    public async Task<bool> DiscardAndReleaseAsync(StorePath path, Versioned<PathClaim> claim, CancellationToken cancellationToken)
    {
        if (await DiscardUnderClaimAsync(path, claim, cancellationToken) is not { } marked)
        {
            return false;
        }

        await claims.ReleaseAsync(path, marked, cancellationToken);
        return true;
    }
}
