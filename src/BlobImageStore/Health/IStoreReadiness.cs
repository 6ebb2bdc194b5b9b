namespace BlobImageStore.Health;

/// <summary>What the readiness probe found: ready, or why not (a sentence an operator can act on).</summary>
public sealed record StoreReadiness(bool Ready, string Description);

/// <summary>Whether the store can serve requests now: storage reachable and both containers present.</summary>
public interface IStoreReadiness
{
    Task<StoreReadiness> CheckAsync(CancellationToken cancellationToken);
}
