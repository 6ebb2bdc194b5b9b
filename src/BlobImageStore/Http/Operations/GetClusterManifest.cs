using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>GetClusterManifest</b> (not an image store operation; the shim clients need) —
/// <c>GET /$/GetClusterManifest?api-version=6.0</c>; 200 <c>ClusterManifest</c>, <c>{"Manifest":"&lt;ClusterManifest …&gt;"}</c>,
/// the manifest XML as one string, as Service Fabric answers it.
/// The official .NET client reads it before <c>UploadApplicationPackageAsync</c> and uploads over HTTP only when
/// <c>FabricSettings/Section[@Name='Management']/Parameter[@Name='ImageStoreConnectionString']</c> is
/// <c>fabric:ImageStore</c> (otherwise it copies files on its local disk). It finds that element with an XPath whose
/// namespace it takes from the root's literal <c>xmlns</c> attribute, so the manifest declares it explicitly.
/// This manifest is minimal: no node types, no other settings; it describes no real cluster. The optional
/// <c>ClusterManifestVersion</c> query parameter is accepted and ignored (there is one version).
/// </summary>
public sealed class GetClusterManifest : IImageStoreOperation
{
    public const string ImageStoreConnectionString = "fabric:ImageStore";

    public static XNamespace FabricNamespace { get; } = "http://schemas.microsoft.com/2011/01/fabric";

    private static readonly ClusterManifestBody Body = new(BuildManifest());

    public string OperationId => "GetClusterManifest";

    public OperationRoute Route => new("GET", "GetClusterManifest", HasContentPath: false, ClusterLevel: true);

    public Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(Results.Json(Body, ImageStoreJson.Wire.ClusterManifestBody));

    /// <summary>The manifest's XML text.</summary>
    public static string BuildManifest()
    {
        var ns = FabricNamespace;
        var manifest = new XElement(ns + "ClusterManifest",
            new XAttribute("xmlns", ns.NamespaceName),
            new XAttribute("Name", "BlobImageStore"),
            new XAttribute("Version", "1.0"),
            new XAttribute("Description", "Minimal manifest of the Blob Storage image store: only what image store clients read."),
            new XElement(ns + "NodeTypes"),
            new XElement(ns + "FabricSettings",
                new XElement(ns + "Section",
                    new XAttribute("Name", "Management"),
                    new XElement(ns + "Parameter",
                        new XAttribute("Name", "ImageStoreConnectionString"),
                        new XAttribute("Value", ImageStoreConnectionString)))));
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + manifest.ToString(SaveOptions.DisableFormatting);
    }
}
