using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http;

/// <summary>
/// Where an operation lives: method, the name after <c>/$/</c> (null for none), and whether a content path precedes it.
/// <paramref name="ClusterLevel"/> operations live at the gateway's root, <c>/$/{Name}</c>, outside <c>/ImageStore</c>
/// (the cluster manifest that clients read before uploading).
/// </summary>
public readonly record struct OperationRoute(string Method, string? Name, bool HasContentPath, bool ClusterLevel = false)
{
    public override string ToString() => ClusterLevel
        ? $"{Method} /$/{Name}"
        : $"{Method} /ImageStore{(HasContentPath ? "/{contentPath}" : "")}{(Name is null ? "" : "/$/" + Name)}";
}

/// <summary>One image store operation: one class per operation of the spec, each opening with the contract it implements.</summary>
public interface IImageStoreOperation
{
    /// <summary>The spec's operationId.</summary>
    string OperationId { get; }

    OperationRoute Route { get; }

    /// <summary>Runs the operation. A refusal is answered with its <see cref="ErrorCatalogue"/> error (returned for an
    /// outcome, thrown as <see cref="Errors.FabricException"/> by request parsing).</summary>
    Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken);
}
