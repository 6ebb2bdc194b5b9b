using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlobImageStore.Functions;
using Microsoft.Extensions.Configuration;

namespace BlobImageStore.InfraTests;

/// <summary>
/// The function app's settings in the compiled template against what the code reads, both ways: every name the
/// template sets is read by the app or the Functions host, and every setting the app reads is set, in the
/// managed-identity form, with the code's default as the template's default. The app's names come from
/// <see cref="ImageStoreOptions"/> and from the binding expressions on the Functions app's triggers, by reflection, so a
/// renamed or new option shows up here.
/// </summary>
public sealed partial class AppSettingsContractTests
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

    /// <summary>
    /// Options the template leaves at the code's default, because another setting governs them there (named beside each;
    /// <see cref="CleanupIntervalContractTests"/> holds the default to it).
    /// </summary>
    internal static readonly string[] DefaultedOptions =
    [
        // The Functions app runs the cleanup on its timer (ImageStore:CleanupSchedule), but $/Info reads CleanupInterval
        // for how old the session usage summary may get (2 x it): its default is the default schedule's period.
        nameof(ImageStoreOptions.CleanupInterval),
    ];

    /// <summary>Names the Functions host and the telemetry pipeline (not the image store's options) own that the template may set.</summary>
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

    /// <summary>
    /// Every scalar public settable property of ImageStoreOptions, as the configuration binder reads it (sections such as
    /// a nested options object are not one setting), less those the template leaves at their default.
    /// </summary>
    private static IEnumerable<string> OptionSettings() =>
        typeof(ImageStoreOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && IsScalar(p.PropertyType) && !DefaultedOptions.Contains(p.Name))
            .Select(p => $"{Section}__{p.Name}");

    /// <summary>
    /// The app settings the Functions host resolves for the app's triggers: every <c>%Name%</c> in a trigger attribute of
    /// the Functions assembly (the cleanup timer's <c>%ImageStore:CleanupSchedule%</c>), as environment names.
    /// </summary>
    internal static IEnumerable<string> BindingSettings() =>
        typeof(SessionCleanupFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetParameters())
            .SelectMany(p => p.GetCustomAttributes(inherit: false))
            .SelectMany(a => a.GetType().GetProperties().Where(p => p.PropertyType == typeof(string)).Select(p => p.GetValue(a) as string))
            .SelectMany(v => v is null ? [] : BindingExpression().Matches(v).Select(m => m.Groups[1].Value.Replace(":", "__", StringComparison.Ordinal)))
            .Distinct();

    /// <summary>Every setting the app itself reads (options and binding expressions), as environment names.</summary>
    internal static IReadOnlyList<string> AppSettingsRead() => OptionSettings().Concat(BindingSettings()).Distinct().Order().ToList();

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal) || type == typeof(Uri)
        || (Nullable.GetUnderlyingType(type) is { } inner && IsScalar(inner));

    private static JsonElement Site => CompiledMain.Single("Microsoft.Web/sites");

    internal static IReadOnlyList<(string Name, string Value)> AppSettings() =>
        Site.At("properties.siteConfig.appSettings").EnumerateArray()
            .Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("value").ToString()))
            .ToList();

    internal static string ValueOf(string name) => Assert.Single(AppSettings(), s => s.Name == name).Value;

    [Fact]
    public void Setting_names_are_literal_and_unique()
    {
        var names = AppSettings().Select(s => s.Name).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.False(n.StartsWith('['), $"'{n}' is an expression; the contract needs literal names"));
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void The_app_reads_the_cleanup_schedule_through_the_timers_binding_expression()
    {
        Assert.Equal(["ImageStore__CleanupSchedule"], BindingSettings());
        Assert.Equal("%ImageStore:CleanupSchedule%", SessionCleanupFunction.Schedule);
    }

    [Fact]
    public void Every_setting_the_template_sets_is_read_by_the_app_or_the_host()
    {
        var known = AppSettingsRead().Concat(StorageIdentitySettings).Concat(HostSettings)
            .Concat(DefaultedOptions.Select(o => $"{Section}__{o}"))
            .Concat(SecuritySettingsContractTests.SecuritySettings()).ToHashSet(StringComparer.Ordinal);

        Assert.All(AppSettings(), s => Assert.True(known.Contains(s.Name), $"'{s.Name}' is read by neither the app nor the host"));
    }

    [Fact]
    public void Every_setting_the_app_reads_is_set_and_so_are_the_hosts()
    {
        var names = AppSettings().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

        // Every option the Functions app uses, the timer's schedule among them: settable from Bicep, never left to chance.
        Assert.Contains("ImageStore__TombstoneRetention", AppSettingsRead());
        Assert.All(AppSettingsRead().Concat(StorageIdentitySettings).Concat(RequiredHostSettings),
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

        // The form ImageStoreOpenTelemetry.CredentialFrom turns into the worker's exporter credential (and the host reads).
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
    public void Template_defaults_bind_to_valid_options_equal_to_the_code_defaults()
    {
        // Each ImageStore__* setting's value traced to the main.bicep parameter that feeds it, and that parameter's default.
        var defaults = AppSettingsRead().ToDictionary(s => s, s => MainParameterDefault(ValueOf(s)));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(defaults.Select(d => KeyValuePair.Create(d.Key.Replace("__", ":", StringComparison.Ordinal), (string?)d.Value)))
            .Build();

        var code = new ImageStoreOptions();
        var fromTemplate = configuration.GetSection(Section).Get<ImageStoreOptions>(o => o.ErrorOnUnknownConfiguration = false)!;

        var errors = new List<ValidationResult>();
        Assert.True(Validator.TryValidateObject(fromTemplate, new ValidationContext(fromTemplate), errors, validateAllProperties: true),
            string.Join("; ", errors.Select(e => e.ErrorMessage)));
        foreach (var setting in OptionSettings())
        {
            var property = typeof(ImageStoreOptions).GetProperty(setting[(Section.Length + 2)..])!;
            Assert.True(Equals(property.GetValue(code), property.GetValue(fromTemplate)),
                $"{setting}: the template's default '{defaults[setting]}' is not the code's '{property.GetValue(code)}'");
        }

        Assert.Equal(SessionCleanupFunction.DefaultSchedule, defaults["ImageStore__CleanupSchedule"]);
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

    [Fact]
    public void The_local_settings_sample_sets_every_binding_setting_with_the_default()
    {
        // Without them the Functions host cannot index the timer ('%ImageStore:CleanupSchedule%' does not resolve).
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "src", "BlobImageStore.Functions", "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");

        Assert.All(BindingSettings(), s => Assert.True(values.TryGetProperty(s, out _), $"local.settings.sample.json lacks {s}"));
        Assert.Equal(SessionCleanupFunction.DefaultSchedule, values.GetProperty("ImageStore__CleanupSchedule").GetString());
    }

    [Theory]
    [InlineData("src/BlobImageStore.Functions/README.md")]
    [InlineData("infra/README.md")]
    public void The_readmes_list_every_setting_the_app_reads(string readme)
    {
        var text = File.ReadAllText(Repo.FullPath(readme));

        Assert.All(AppSettingsRead(), s => Assert.True(text.Contains($"`{s}`", StringComparison.Ordinal), $"{readme} does not list `{s}`"));
    }

    [Fact]
    public void The_Functions_readme_lists_the_options_left_at_their_default_as_read_by_the_app()
    {
        // They are read by the app (CleanupInterval by $/Info), so its settings table lists them, with their default.
        var text = File.ReadAllText(Repo.FullPath("src/BlobImageStore.Functions/README.md"));
        Assert.All(DefaultedOptions, o => Assert.Matches($@"\n\| `{Section}__{o}` \| `[^`]+` \|", text));
        Assert.DoesNotContain("is not read here", text, StringComparison.Ordinal);
    }

    /// <summary>"[parameters('p')]" or "[string(parameters('p'))]" in the api module → the main.bicep parameter feeding p → its default, as text.</summary>
    internal static string MainParameterDefault(string value)
    {
        var apiParameter = ParameterReference().Match(value) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"'{value}' is not a parameter of the api module");
        var api = Assert.Single(CompiledMain.Resources("Microsoft.Resources/deployments"), d => d.GetProperty("name").GetString() == "api");
        var fed = api.At($"properties.parameters.{apiParameter}.value").GetString()!;
        var mainParameter = ParameterReference().Match(fed) is { Success: true } n ? n.Groups[1].Value
            : throw new InvalidOperationException($"api parameter {apiParameter} is fed '{fed}', not a parameter of main.bicep");
        var d = CompiledMain.DefaultOf(mainParameter);
        return d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText();
    }

    [GeneratedRegex(@"^\[(?:string\()?parameters\('([^']+)'\)\)?\]$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex BindingExpression();
}
