namespace BlobImageStore.Sessions;

/// <summary>
/// Sessions are bound to the principal that started them (<see cref="UploadSessionRecord.Owner"/>). The rules:
/// <list type="bullet">
/// <item>The first chunk records its caller as the owner: a stable identity <c>{kind}</c> or <c>{kind}:{id}</c>
/// (<c>certificate:{thumbprint}</c>, <c>entra:{tenant}/{object id}</c>, <c>anonymous</c>, <c>function-key</c>).</item>
/// <item>Chunks and commits from any other caller are refused (<see cref="NotOwner"/>), before anything is read or written.</item>
/// <item>A delete from another caller is refused too, unless the caller may end any session (an authenticated admin:
/// the HTTP layer passes no caller then), as are the store's own deletes of a path and its cleanup.</item>
/// <item>A record without an owner (written before sessions were bound) and a request without a caller are not checked.</item>
/// </list>
/// The refusal names only the owner's kind, never its identity.
/// </summary>
public static class SessionOwners
{
    /// <summary>The kind part of an owner identity: <c>certificate</c>, <c>entra</c>, <c>anonymous</c>, <c>function-key</c>.</summary>
    public static string KindOf(string owner) => owner.Split(':', 2)[0];

    /// <summary>Null when <paramref name="caller"/> may act on <paramref name="record"/>'s session, else the refusal.</summary>
    public static NotOwner? Check(UploadSessionRecord record, string? caller) =>
        caller is null || record.Owner is null || string.Equals(record.Owner, caller, StringComparison.Ordinal)
            ? null
            : new NotOwner(record.SessionId, KindOf(record.Owner));
}
