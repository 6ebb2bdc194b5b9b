using Microsoft.Extensions.Options;

namespace BlobImageStore.Security;

/// <summary>
/// Checks <c>ImageStore:Security</c> at start (ValidateOnStart), so that a typo refuses to start with a message that
/// names the setting and says what to fix, instead of letting every caller in or keeping every caller out.
/// </summary>
public sealed class ImageStoreSecurityOptionsValidator : IValidateOptions<ImageStoreSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, ImageStoreSecurityOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.ClientCertificateThumbprints.Count; i++)
        {
            var entry = options.ClientCertificateThumbprints[i];
            if (!IsThumbprint(entry.CertificateThumbprint))
            {
                errors.Add($"ImageStore:Security:ClientCertificateThumbprints:{i}:CertificateThumbprint is '{entry.CertificateThumbprint}'. Set it to the certificate's SHA-1 thumbprint, 40 hex digits (e.g. from 'openssl x509 -noout -fingerprint -sha1').");
            }
        }

        for (var i = 0; i < options.ClientCertificateCommonNames.Count; i++)
        {
            var entry = options.ClientCertificateCommonNames[i];
            if (string.IsNullOrWhiteSpace(entry.CertificateCommonName))
            {
                errors.Add($"ImageStore:Security:ClientCertificateCommonNames:{i}:CertificateCommonName is empty. Set it to the subject common name (CN) of the client certificates to allow.");
            }

            foreach (var issuer in (entry.CertificateIssuerThumbprint ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IsThumbprint(issuer))
                {
                    errors.Add($"ImageStore:Security:ClientCertificateCommonNames:{i}:CertificateIssuerThumbprint has '{issuer}'. Use the issuing CA certificates' SHA-1 thumbprints (40 hex digits), comma-separated, or leave it empty to accept any trusted issuer.");
                }
            }
        }

        if (options.AzureActiveDirectory is { } aad)
        {
            if (!Guid.TryParse(aad.TenantId, out _))
            {
                errors.Add($"ImageStore:Security:AzureActiveDirectory:TenantId is '{aad.TenantId}'. Set it to the Entra tenant id (a GUID).");
            }

            if (!Guid.TryParse(aad.ClusterApplication, out _))
            {
                errors.Add($"ImageStore:Security:AzureActiveDirectory:ClusterApplication is '{aad.ClusterApplication}'. Set it to the application (client) id GUID of the cluster (web API) application, the tokens' audience.");
            }

            if (!Guid.TryParse(aad.ClientApplication, out _))
            {
                errors.Add($"ImageStore:Security:AzureActiveDirectory:ClientApplication is '{aad.ClientApplication}'. Set it to the application id GUID of the native client application that sfctl and the .NET client sign in with.");
            }

            if (!Uri.TryCreate(aad.Instance, UriKind.Absolute, out var instance) || instance.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"ImageStore:Security:AzureActiveDirectory:Instance is '{aad.Instance}'. Set it to the https sign-in endpoint, e.g. https://login.microsoftonline.com, or remove it.");
            }

            if (aad.MetadataAddress is { } metadata
                && !(Uri.TryCreate(metadata, UriKind.Absolute, out var m) && (m.Scheme == Uri.UriSchemeHttps || (m.Scheme == Uri.UriSchemeHttp && m.IsLoopback))))
            {
                errors.Add($"ImageStore:Security:AzureActiveDirectory:MetadataAddress is '{metadata}'. Set an https URL of an OpenID Connect document (http only on a loopback address), or remove it to use the tenant's.");
            }
        }

        foreach (var file in options.ClientCertificateAuthorities.Where(f => !File.Exists(f)))
        {
            errors.Add($"ImageStore:Security:ClientCertificateAuthorities names '{file}', which does not exist. Give the path of a CA certificate file (PEM or DER).");
        }

        if (!string.IsNullOrEmpty(options.ForwardedClientCertificateHeader) && !options.CertificatesConfigured)
        {
            errors.Add("ImageStore:Security:ForwardedClientCertificateHeader is set but no client certificate is allowed. Add ClientCertificateThumbprints or ClientCertificateCommonNames, or remove the header setting.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsThumbprint(string? text) => text is not null && Thumbprints.Normalise(text).Length == 40
        && text.All(c => char.IsAsciiHexDigit(c) || c is ' ' or ':');
}
