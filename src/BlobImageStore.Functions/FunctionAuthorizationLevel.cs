using System.Text.Json.Nodes;
using BlobImageStore.Security;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Functions;

/// <summary>
/// Chooses the HTTP triggers' authorization level from configuration at start, not at compile time. The worker indexes
/// its own functions (<c>workerIndexing</c> in worker.config.json): the Functions host asks it for the function metadata,
/// and this transformer rewrites each HTTP trigger binding's <c>authLevel</c> before the answer goes out:
/// <list type="bullet">
/// <item><b>function keys</b> (nothing in <c>ImageStore:Security</c>): <c>function</c>. The host checks the key; the app
/// treats every caller it lets through as an admin (<see cref="HostAccessMode.FunctionKeys"/>).</item>
/// <item><b>Entra ID or client certificates</b> (or <c>AllowAnonymous</c>): <c>anonymous</c> at the host, because the
/// app authenticates every request itself (<see cref="CallerAuthentication"/>), with the same rules as the self-host.
/// sfctl and the official .NET client cannot send function keys.</item>
/// </list>
/// </summary>
public sealed class FunctionAuthorizationLevel(IOptions<ImageStoreSecurityOptions> security) : IFunctionMetadataTransformer
{
    public string Name => nameof(FunctionAuthorizationLevel);

    /// <summary>The level the HTTP triggers get with these settings (the binding's JSON spelling).</summary>
    public static string For(ImageStoreSecurityOptions settings) =>
        settings.IsConfigured || settings.AllowAnonymous ? "anonymous" : "function";

    public void Transform(IList<IFunctionMetadata> original)
    {
        var level = For(security.Value);
        foreach (var function in original)
        {
            if (function.RawBindings is not { } bindings)
            {
                continue;
            }

            for (var i = 0; i < bindings.Count; i++)
            {
                // Only the API's triggers (declared at function level); the anonymous ones (probes, OpenAPI, the
                // explorer's files) stay anonymous whatever the mode.
                if (JsonNode.Parse(bindings[i]) is JsonObject binding
                    && string.Equals((string?)binding["type"], "httpTrigger", StringComparison.OrdinalIgnoreCase)
                    && !string.Equals((string?)binding["authLevel"], "anonymous", StringComparison.OrdinalIgnoreCase))
                {
                    binding["authLevel"] = level;
                    bindings[i] = binding.ToJsonString();
                }
            }
        }
    }
}
