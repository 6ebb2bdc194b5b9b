using System.Reflection;
using System.Text.Json;
using BlobImageStore.Security;
using Microsoft.Extensions.Configuration;

namespace BlobImageStore.InfraTests;

/// <summary>
/// The <c>authMode</c> parameter against what the app reads: every <c>ImageStore__Security__*</c> name the template
/// sets is a member of <see cref="ImageStoreSecurityOptions"/> (found by reflection, so a rename fails here), each value
/// depends on <c>authMode</c>, the other modes' values are empty and then mean "not configured" to the app, and the
/// platform settings each mode needs (clientCertEnabled, authsettingsV2) follow the same parameter.
/// </summary>
public sealed class SecuritySettingsContractTests
{
    private const string Prefix = "ImageStore__Security__";

    /// <summary>Every setting name the app binds under ImageStore:Security (list entries 0–9), as environment names.</summary>
    public static IEnumerable<string> SecuritySettings()
    {
        var options = typeof(ImageStoreSecurityOptions);
        foreach (var property in Settable(options))
        {
            if (property.PropertyType == typeof(AzureActiveDirectorySettings))
            {
                foreach (var member in Settable(typeof(AzureActiveDirectorySettings)))
                {
                    yield return $"{Prefix}{property.Name}__{member.Name}";
                }
            }
            else if (property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                var element = property.PropertyType.GetGenericArguments()[0];
                for (var i = 0; i < 10; i++)
                {
                    if (element == typeof(string))
                    {
                        yield return $"{Prefix}{property.Name}__{i}";
                        continue;
                    }

                    foreach (var member in Settable(element))
                    {
                        yield return $"{Prefix}{property.Name}__{i}__{member.Name}";
                    }
                }
            }
            else
            {
                yield return Prefix + property.Name;
            }
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true });

    private static IReadOnlyList<(string Name, string Value)> Security() =>
        AppSettingsContractTests.AppSettings().Where(s => s.Name.StartsWith(Prefix, StringComparison.Ordinal)).ToList();

    [Fact]
    public void Main_takes_the_auth_mode_with_function_keys_by_default()
    {
        Assert.Equal("functionKeys", CompiledMain.DefaultOf("authMode").GetString());
        var allowed = CompiledMain.Template.GetProperty("parameters").GetProperty("authMode").GetProperty("allowedValues")
            .EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal(["functionKeys", "entraId", "clientCertificates"], allowed);
    }

    [Fact]
    public void Every_security_setting_is_bound_by_the_app_and_set_for_its_mode_only()
    {
        var names = SecuritySettings().ToHashSet(StringComparer.Ordinal);
        var settings = Security();
        Assert.NotEmpty(settings);
        Assert.All(settings, s => Assert.Contains(s.Name, names));

        // Entra ID: the three ids, each only in entraId mode.
        foreach (var member in new[] { "TenantId", "ClusterApplication", "ClientApplication" })
        {
            var value = Assert.Single(settings, s => s.Name == $"{Prefix}AzureActiveDirectory__{member}").Value;
            Assert.Contains("variables('entra')", value);
        }

        // Client certificates: an admin and a read-only common name pinned to the issuers, and the forwarded header.
        Assert.Contains(settings, s => s.Name == $"{Prefix}ClientCertificateCommonNames__0__IsAdmin" && s.Value == "true");
        Assert.Contains(settings, s => s.Name == $"{Prefix}ClientCertificateCommonNames__1__IsAdmin" && s.Value == "false");
        Assert.Contains("variables('certificates')", Assert.Single(settings, s => s.Name == $"{Prefix}ClientCertificateCommonNames__0__CertificateCommonName").Value);
        Assert.Contains("X-ARR-ClientCert", Assert.Single(settings, s => s.Name == $"{Prefix}ForwardedClientCertificateHeader").Value);
    }

    [Fact]
    public void In_function_keys_mode_the_empty_values_mean_no_security_to_the_app()
    {
        // The values the template gives in functionKeys mode: every name, every mode-dependent value empty.
        var values = Security().ToDictionary(
            s => s.Name.Replace("__", ":", StringComparison.Ordinal),
            s => s.Value.StartsWith('[') ? "" : s.Value);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values!).Build();
        var options = configuration.GetSection(ImageStoreSecurityOptions.SectionName).Get<ImageStoreSecurityOptions>()!;
        options.IgnoreEmptyEntries();

        Assert.False(options.IsConfigured);
        Assert.True(new ImageStoreSecurityOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Client_certificate_mode_turns_on_the_platforms_certificate_request_and_leaves_it_optional()
    {
        var site = CompiledMain.Single("Microsoft.Web/sites");
        Assert.Equal("[variables('certificates')]", site.At("properties.clientCertEnabled").GetString());
        Assert.Equal("Optional", site.At("properties.clientCertMode").GetString());
    }

    [Fact]
    public void Entra_mode_adds_app_service_authentication_for_the_cluster_application_except_GetAadMetadata()
    {
        var auth = Assert.Single(CompiledMain.Resources("Microsoft.Web/sites/config"), r => r.GetProperty("name").GetString()!.Contains("authsettingsV2", StringComparison.Ordinal));
        Assert.Equal("[variables('entra')]", auth.GetProperty("condition").GetString());
        var validation = auth.At("properties.globalValidation");
        Assert.True(validation.GetProperty("requireAuthentication").GetBoolean());
        Assert.Equal("Return401", validation.GetProperty("unauthenticatedClientAction").GetString());
        Assert.Equal(["/$/GetAadMetadata"], validation.GetProperty("excludedPaths").EnumerateArray().Select(p => p.GetString()));
        var audiences = auth.At("properties.identityProviders.azureActiveDirectory.validation.allowedAudiences").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal(2, audiences.Count);
        Assert.All(audiences, a => Assert.Contains("entraClusterApplication", a));
    }
}
