using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// Validates answer bodies against the definitions of <c>spec/servicefabric-imagestore.json</c> with
/// JsonSchema.Net, made stricter than the spec where the spec is loose, so that what a client could trip over fails here:
/// <list type="bullet">
/// <item>every object definition with properties gets <c>additionalProperties: false</c> (exact field casing: a
/// <c>fileSize</c> is an unknown member) and all its properties required (this server always sends them all);</item>
/// <item>documented extras are allowed: <c>ContinuationToken</c> on <c>ImageStoreContent</c> (note S11), and in
/// <c>FabricErrorCodes</c> the codes the runtime sends beyond the spec's enum (note S16; the enum is
/// <c>modelAsString</c>, so clients accept them);</item>
/// <item><c>format</c> is enforced (<c>date-time</c>, <c>uuid</c>); 64-bit numbers are <c>type: string</c> as in the spec.</item>
/// </list>
/// <c>ClusterManifest</c> (the manifest shim) is not in the image store subset; it is the full Service Fabric spec's
/// one-member definition, <c>{"Manifest": string}</c>, added here.
/// </summary>
public static class SpecSchema
{
    /// <summary>Codes sent by the runtime that the 9.1 enum lacks (IMAGESTORE-API.md §4, S16).</summary>
    public static readonly string[] RuntimeOnlyErrorCodes =
    [
        "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE",
        "FABRIC_E_INVALID_UPLOAD_SESSION_ID",
        "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT",
        "FABRIC_E_IMAGESTORE_IOERROR",
        "FABRIC_E_SERVICE_TOO_BUSY",
    ];

    private static readonly Lazy<JsonObject> Definitions = new(Load);
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();

    public static string SpecFile => Path.Combine(RepoPaths.Spec, "servicefabric-imagestore.json");

    /// <summary>Asserts that <paramref name="json"/> is a valid <paramref name="definition"/>.</summary>
    public static void AssertValid(string json, string definition)
    {
        var errors = Validate(json, definition);
        Assert.True(errors.Count == 0, $"Not a valid {definition}: {string.Join("; ", errors)}\n{json}");
    }

    /// <summary>The validation errors (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(string json, string definition)
    {
        var schema = Schemas.GetOrAdd(definition, Build);
        using var document = JsonDocument.Parse(json);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        if (result.IsValid)
        {
            return [];
        }

        return (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
            .DefaultIfEmpty("invalid")
            .ToList();
    }

    private static JsonSchema Build(string definition)
    {
        var definitions = (JsonObject)Definitions.Value.DeepClone();
        if (!definitions.ContainsKey(definition))
        {
            throw new ArgumentException($"The spec has no definition '{definition}'.", nameof(definition));
        }

        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://blobimagestore.test/spec/{definition}",
            ["$defs"] = definitions,
            ["$ref"] = $"#/$defs/{definition}",
        };
        var text = root.ToJsonString().Replace("#/definitions/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    private static JsonObject Load()
    {
        var spec = JsonNode.Parse(File.ReadAllText(SpecFile))!.AsObject();
        var definitions = spec["definitions"]!.AsObject();
        definitions["ClusterManifest"] = new JsonObject
        {
            ["description"] = "The full Service Fabric spec's ClusterManifest: the manifest XML as a string.",
            ["properties"] = new JsonObject { ["Manifest"] = new JsonObject { ["type"] = "string" } },
        };

        foreach (var (name, node) in definitions)
        {
            if (node is JsonObject definition && definition["properties"] is JsonObject properties)
            {
                definition["required"] = new JsonArray(properties.Select(p => (JsonNode)JsonValue.Create(p.Key)!).ToArray());
                definition["additionalProperties"] = false;
                if (name == "ImageStoreContent")
                {
                    properties["ContinuationToken"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 };
                }
            }
        }

        var codes = definitions["FabricErrorCodes"]!["enum"]!.AsArray();
        foreach (var code in RuntimeOnlyErrorCodes)
        {
            codes.Add(code);
        }

        return definitions;
    }
}
