using System.Text.Json;

namespace BlobImageStore.Client;

/// <summary>
/// The answer of <c>GET /$/GetAadMetadata</c> (the Service Fabric REST API's <c>AadMetadataObject</c>): whether the
/// server takes Entra ID tokens, and for which applications. A server without Entra ID answers <c>type</c> "".
/// </summary>
/// <param name="Type"><c>aad</c> when the server takes Entra ID tokens.</param>
/// <param name="Authority">The tenant's authority, e.g. <c>https://login.microsoftonline.com/{tenant}</c>.</param>
/// <param name="Client">The client (public) application users sign in with.</param>
/// <param name="Cluster">The cluster application: the tokens' audience.</param>
/// <param name="Login">The login host, e.g. <c>https://login.microsoftonline.com</c>.</param>
/// <param name="Redirect">The client application's redirect URI.</param>
/// <param name="Tenant">The tenant id.</param>
public sealed record ClusterAadMetadata(string Type, string? Authority, string? Client, string? Cluster, string? Login, string? Redirect, string? Tenant)
{
    /// <summary>True when the server takes Entra ID tokens (<c>type</c> is <c>aad</c> and the cluster application is set).</summary>
    public bool IsAad => string.Equals(Type, "aad", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(Cluster);

    /// <summary>The scope of a token for the cluster application: <c>{cluster}/.default</c>.</summary>
    public string Scope => $"{Cluster}/.default";

    /// <summary>Reads the JSON body of <c>GET /$/GetAadMetadata</c>.</summary>
    /// <param name="json">The body.</param>
    /// <exception cref="JsonException">The body is not an <c>AadMetadataObject</c>.</exception>
    public static ClusterAadMetadata Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("GetAadMetadata answered something that is not a JSON object.");
        }

        var type = Text(root, "type") ?? "";
        var m = root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object ? metadata : default;
        return new ClusterAadMetadata(type, Text(m, "authority"), Text(m, "client"), Text(m, "cluster"), Text(m, "login"), Text(m, "redirect"), Text(m, "tenant"));

        static string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
