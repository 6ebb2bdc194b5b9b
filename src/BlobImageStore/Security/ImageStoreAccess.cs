using BlobImageStore.Http;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Security;

/// <summary>
/// Authorization of one image store operation, run by <see cref="ImageStoreEndpoint"/> in both hosts before the operation:
/// <list type="bullet">
/// <item>Paths in <see cref="SecurityExemptions"/> need no caller.</item>
/// <item>Every other request needs a <see cref="Caller"/> (<see cref="CallerAuthentication"/>: 401 without one).</item>
/// <item>Readers (ReadOnly) may run every GET: listings, sizes, info, GetUploadSession, the cluster manifest.</item>
/// <item>Everything else writes (UploadFile, UploadChunk, CommitUploadSession, DeleteUploadSession, Delete, Copy) and
/// needs an admin: 403 <c>E_ACCESSDENIED</c>, the code the gateway sends, naming the role needed.</item>
/// </list>
/// </summary>
public sealed class ImageStoreAccess(CallerAuthentication authentication)
{
    /// <summary>Whether the operation only reads.</summary>
    public static bool IsRead(IImageStoreOperation operation) =>
        HttpMethods.IsGet(operation.Route.Method) || HttpMethods.IsHead(operation.Route.Method);

    /// <summary>Throws the 401/403 FabricError when the request's caller may not run the operation.</summary>
    public async Task AuthorizeAsync(HttpContext context, IImageStoreOperation operation)
    {
        if (SecurityExemptions.IsExempt(context))
        {
            return;
        }

        var caller = await authentication.AuthenticateAsync(context);
        if (!caller.IsAdmin && !IsRead(operation))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.AdminRequired(operation.OperationId, caller.Kind));
        }
    }
}
