using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Security;

/// <summary>How a caller proved who it is.</summary>
public enum CallerKind
{
    /// <summary>No credentials: loopback without security, or <c>AllowAnonymous</c>.</summary>
    Anonymous,

    /// <summary>An X.509 client certificate (TLS, or forwarded by App Service).</summary>
    Certificate,

    /// <summary>A Microsoft Entra ID bearer token for the cluster application.</summary>
    Entra,

    /// <summary>A Functions key checked by the Functions host (function-keys mode); keys carry no role.</summary>
    FunctionKey,
}

/// <summary>
/// The authenticated principal of one request, in the one form the HTTP layer uses: its <see cref="Kind"/>, a stable
/// <see cref="Identity"/> (<c>certificate:{SHA-1 thumbprint}</c>, <c>entra:{tenant}/{object id}</c>, <c>anonymous</c>,
/// <c>function-key</c>) that is the same on every request of that principal, and whether it is an admin.
/// <see cref="ImageStoreAccess"/> stores it on the request (<see cref="Of"/>) before the operation runs; binding upload
/// sessions to their owner records <see cref="Identity"/> and <see cref="Kind"/>.
/// </summary>
public sealed record Caller(CallerKind Kind, string Identity, bool IsAdmin)
{
    public static Caller AnonymousAdmin { get; } = new(CallerKind.Anonymous, "anonymous", IsAdmin: true);

    public static Caller FunctionKeyAdmin { get; } = new(CallerKind.FunctionKey, "function-key", IsAdmin: true);

    /// <summary>The caller of this request; null before authorization ran (or for the unauthenticated paths).</summary>
    public static Caller? Of(HttpContext context) => context.Features.Get<Caller>();

    /// <summary>
    /// Who the upload-session rules see (<c>SessionOwners</c> in the core) when this caller deletes a session: null for an
    /// authenticated admin (certificate or Entra ID), who may end any session; else its <see cref="Identity"/>, so that an
    /// anonymous or function-key caller ends only its own sessions.
    /// </summary>
    public string? SessionDeleter => IsAdmin && Kind is CallerKind.Certificate or CallerKind.Entra ? null : Identity;

    /// <summary>The identity the upload-session rules record as a session's owner, for the request's caller.</summary>
    public static string? SessionOwner(HttpContext context) => Of(context)?.Identity;

    /// <summary>The role's name as the denial messages and the docs say it.</summary>
    public string Role => IsAdmin ? "Admin" : "ReadOnly";
}
