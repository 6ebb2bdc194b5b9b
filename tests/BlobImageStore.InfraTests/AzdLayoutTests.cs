namespace BlobImageStore.InfraTests;

/// <summary>azure.yaml and the template agree on the service azd deploys: service <c>api</c>, found by its tag.</summary>
public sealed class AzdLayoutTests
{
    private static readonly string[] AzureYaml = File.ReadAllLines(Path.Combine(Repo.Root, "azure.yaml"));

    [Fact]
    public void Azure_yaml_provisions_infra_main_and_deploys_the_functions_project_as_api()
    {
        var lines = AzureYaml.Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.TrimStart().StartsWith('#')).ToList();

        Assert.Contains("infra:", lines);
        Assert.Contains("  provider: bicep", lines);
        Assert.Contains("  path: infra", lines);
        Assert.Contains("  module: main", lines);

        var api = lines.IndexOf("  api:");
        Assert.True(lines.IndexOf("services:") is var services and >= 0 && api > services, "services: api: missing");
        var service = lines.Skip(api + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).ToList();
        Assert.Contains("    project: ./src/BlobImageStore.Functions", service);
        Assert.Contains("    language: dotnet", service);
        Assert.Contains("    host: function", service);
    }

    [Fact]
    public void Function_app_is_tagged_with_the_service_name()
    {
        var site = CompiledMain.Single("Microsoft.Web/sites");
        Assert.Equal("[union(parameters('tags'), createObject('azd-service-name', parameters('serviceName')))]",
            site.GetProperty("tags").GetString());

        var apiModule = Assert.Single(CompiledMain.Resources("Microsoft.Resources/deployments"),
            d => d.GetProperty("name").GetString() == "api");
        Assert.Equal("[variables('apiServiceName')]", apiModule.At("properties.parameters.serviceName.value").GetString());
        Assert.Equal("api", CompiledMain.Template.At("variables.apiServiceName").GetString());
    }
}
