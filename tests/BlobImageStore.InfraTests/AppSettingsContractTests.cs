using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace BlobImageStore.InfraTests;

/// <summary>
/// The function app's settings in the compiled template against what the code reads: every name the template sets
/// is read by the app or the Functions host, and every setting the app needs to run on Azure is set, in the
/// managed-identity form. The app's names come from <see cref="ImageStoreOptions"/> by reflection, so a renamed or
/// new option shows up here.
/// </summary>
public sealed class AppSettingsContractTests
{
    private static readonly string Section = ImageStoreOptions.SectionName;

    /// <summary>ImageStore:Storage as environment names (Microsoft.Extensions.Azure's client section).</summary>
    private static readonly string StorageSection = ImageStoreOptions.StorageSectionName.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The identity form of the storage client section: the Blob service URI and the managed identity.</summary>
    private static readonly string[] StorageIdentitySettings =
    [
        $"{StorageSection}__serviceUri",
        $"{StorageSection}__credential",
        $"{StorageSection}__clientId",
    ];

    /// <summary>Names the Functions host (not the app) owns that the template may set.</summary>
    private static readonly string[] HostSettings =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    ];

    /// <summary>Host settings the template must set: host storage and telemetry through the managed identity.</summary>
    private static readonly string[] RequiredHostSettings =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    ];

    /// <summary>Options the template must set; the rest keep the code's defaults.</summary>
    private static readonly string[] RequiredOptions =
    [
        nameof(ImageStoreOptions.Container),
        nameof(ImageStoreOptions.SessionContainer),
        nameof(ImageStoreOptions.MaxChunkSize),
        nameof(ImageStoreOptions.SessionExpiry),
    ];

    /// <summary>Every public settable property of ImageStoreOptions, as the configuration binder reads it.</summary>
    private static IEnumerable<string> OptionSettings() =>
        typeof(ImageStoreOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => $"{Section}__{p.Name}");

    private static JsonElement Site => CompiledMain.Single("Microsoft.Web/sites");

    internal static IReadOnlyList<(string Name, string Value)> AppSettings() =>
        Site.At("properties.siteConfig.appSettings").EnumerateArray()
            .Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("value").ToString()))
            .ToList();

    private static string ValueOf(string name) => Assert.Single(AppSettings(), s => s.Name == name).Value;

    [Fact]
    public void Setting_names_are_literal_and_unique()
    {
        var names = AppSettings().Select(s => s.Name).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.False(n.StartsWith('['), $"'{n}' is an expression; the contract needs literal names"));
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Every_setting_the_template_sets_is_read_by_the_app_or_the_host()
    {
        var known = OptionSettings().Concat(StorageIdentitySettings).Concat(HostSettings)
            .Concat(SecuritySettingsContractTests.SecuritySettings()).ToHashSet(StringComparer.Ordinal);

        Assert.All(AppSettings(), s => Assert.True(known.Contains(s.Name), $"'{s.Name}' is read by neither the app nor the host"));
    }

    [Fact]
    public void Every_setting_the_app_and_host_need_is_set()
    {
        var names = AppSettings().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var options = OptionSettings().ToHashSet(StringComparer.Ordinal);
        var required = RequiredOptions.Select(o => $"{Section}__{o}").ToList();

        // The required list names real options (a rename in ImageStoreOptions fails here, not silently).
        Assert.All(required, r => Assert.Contains(r, options));
        Assert.All(required.Concat(StorageIdentitySettings).Concat(RequiredHostSettings),
            r => Assert.True(names.Contains(r), $"'{r}' is not set"));
    }

    [Fact]
    public void Storage_is_reached_with_the_managed_identity_and_no_secret()
    {
        var names = AppSettings().Select(s => s.Name).ToList();

        // No connection-string forms: ImageStore:Storage as a string is for local runs only, and the account
        // has shared-key access disabled.
        Assert.DoesNotContain(StorageSection, names);
        Assert.DoesNotContain("AzureWebJobsStorage", names);
        Assert.Equal("managedidentity", ValueOf($"{StorageSection}__credential"));
        Assert.Equal("managedidentity", ValueOf("AzureWebJobsStorage__credential"));

        // Client IDs are the user-assigned identity's; service URIs are the account's Blob endpoint.
        foreach (var clientId in new[] { $"{StorageSection}__clientId", "AzureWebJobsStorage__clientId" })
        {
            var value = ValueOf(clientId);
            Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", value, StringComparison.Ordinal);
            Assert.EndsWith(".clientId]", value, StringComparison.Ordinal);
        }

        Assert.EndsWith(".primaryEndpoints.blob]", ValueOf($"{StorageSection}__serviceUri"), StringComparison.Ordinal);
        Assert.EndsWith(".primaryEndpoints.blob]", ValueOf("AzureWebJobsStorage__blobServiceUri"), StringComparison.Ordinal);

        var identity = Site.At("identity");
        Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
        Assert.All(AppSettings(), s =>
        {
            Assert.DoesNotContain("AccountKey", s.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", s.Value, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void Telemetry_authenticates_with_the_managed_identity()
    {
        var value = ValueOf("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");

        Assert.Contains("ClientId={0};Authorization=AAD", value, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Flex_runtime_comes_from_functionAppConfig_not_app_settings()
    {
        var names = AppSettings().Select(s => s.Name).ToList();
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", names);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", names);
        Assert.DoesNotContain(names, n => n.StartsWith("WEBSITE_", StringComparison.Ordinal));

        var runtime = Site.At("properties.functionAppConfig.runtime");
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
        Assert.Equal("UserAssignedIdentity",
            Site.At("properties.functionAppConfig.deployment.storage.authentication.type").GetString());

        var plan = CompiledMain.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FlexConsumption", plan.At("sku.tier").GetString());
        Assert.Equal("FC1", plan.At("sku.name").GetString());
    }

    [Fact]
    public void Template_defaults_are_valid_options_equal_to_the_code_defaults()
    {
        var defaults = new ImageStoreOptions();
        var fromTemplate = new ImageStoreOptions
        {
            Container = CompiledMain.DefaultOf("fileContainerName").GetString()!,
            SessionContainer = CompiledMain.DefaultOf("sessionContainerName").GetString()!,
            MaxChunkSize = CompiledMain.DefaultOf("maxChunkSize").GetInt64(),
            SessionExpiry = TimeSpan.Parse(CompiledMain.DefaultOf("sessionExpiry").GetString()!, CultureInfo.InvariantCulture),
        };

        // The options' own annotations (container name pattern, chunk size range) accept the template's values.
        var errors = new List<ValidationResult>();
        Assert.True(Validator.TryValidateObject(fromTemplate, new ValidationContext(fromTemplate), errors, validateAllProperties: true),
            string.Join("; ", errors.Select(e => e.ErrorMessage)));

        Assert.Equal(defaults.Container, fromTemplate.Container);
        Assert.Equal(defaults.SessionContainer, fromTemplate.SessionContainer);
        Assert.Equal(defaults.MaxChunkSize, fromTemplate.MaxChunkSize);
        Assert.Equal(defaults.SessionExpiry, fromTemplate.SessionExpiry);
    }

    [Fact]
    public void Parameters_file_sets_only_parameters_of_main()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Infra, "main.parameters.json")));
        var declared = CompiledMain.Template.GetProperty("parameters");

        foreach (var parameter in file.RootElement.GetProperty("parameters").EnumerateObject())
        {
            Assert.True(declared.TryGetProperty(parameter.Name, out _), $"main.bicep has no parameter '{parameter.Name}'");
        }
    }
}
