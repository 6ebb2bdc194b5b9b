using System.Text.Json;

namespace BlobImageStore.InfraTests;

/// <summary>infra/main.bicep compiled to ARM JSON (<c>bicep build --stdout</c>) once per test run, and ways to read it.</summary>
internal static class CompiledMain
{
    private static readonly Lazy<JsonElement> s_template = new(() =>
    {
        var result = BicepCli.Run("build", Repo.MainBicep, "--stdout");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build infra/main.bicep: {result}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    });

    public static JsonElement Template => s_template.Value;

    /// <summary>
    /// Every resource of this type the deployment creates, in main.bicep or any module (the modules are nested
    /// deployments with their templates inline). <c>existing</c> references are not resources it creates.
    /// </summary>
    public static IReadOnlyList<JsonElement> Resources(string type)
    {
        var found = new List<JsonElement>();
        Walk(Template, found, type);
        return found;
    }

    public static JsonElement Single(string type) => Assert.Single(Resources(type));

    /// <summary>The default value of a parameter of main.bicep.</summary>
    public static JsonElement DefaultOf(string parameter) =>
        Template.GetProperty("parameters").GetProperty(parameter).GetProperty("defaultValue");

    /// <summary>A property path such as <c>properties.siteConfig.appSettings</c>.</summary>
    public static JsonElement At(this JsonElement element, string path)
    {
        foreach (var name in path.Split('.'))
        {
            Assert.True(element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out element), $"no '{path}'");
        }

        return element;
    }

    private static void Walk(JsonElement element, List<JsonElement> found, string type)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                    && string.Equals(t.GetString(), type, StringComparison.OrdinalIgnoreCase)
                    && element.TryGetProperty("apiVersion", out _)
                    && !(element.TryGetProperty("existing", out var existing) && existing.ValueKind == JsonValueKind.True))
                {
                    found.Add(element);
                }

                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, found, type);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, found, type);
                }

                break;
        }
    }
}
