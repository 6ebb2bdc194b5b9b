using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlobImageStore.Client;

/// <summary>
/// The HTTP handlers that carry <see cref="ImageStoreClientOptions"/>' security settings: the TLS client certificate and
/// the server certificate check on the connection, and the Entra ID bearer token on each request.
/// <see cref="ImageStoreClientServiceCollectionExtensions.AddImageStoreClient"/> installs them; without dependency
/// injection, <see cref="Create"/> gives the same chain for <c>new HttpClient(handler)</c>.
/// </summary>
public static partial class ImageStoreHttpHandlers
{
    /// <summary>The whole chain for <paramref name="options"/>: the bearer-token handler (when a credential is set) over
    /// the connection handler. Give it to an <see cref="HttpClient"/> whose timeout is infinite.</summary>
    /// <param name="options">Certificate, trust and credential settings.</param>
    /// <param name="logger">Logs the <see cref="ImageStoreClientOptions.SkipServerCertificateValidation"/> warning and token renewals; optional.</param>
    public static HttpMessageHandler Create(ImageStoreClientOptions options, ILogger? logger = null)
    {
        var primary = CreatePrimaryHandler(options, logger);
        return options.Credential is null && options.CredentialFactory is null
            ? primary
            : new BearerTokenHandler(new BearerTokenSource(options, TimeProvider.System, logger)) { InnerHandler = primary };
    }

    /// <summary>
    /// The connection handler: presents <see cref="ImageStoreClientOptions.ClientCertificate"/> and checks the server's
    /// certificate against the system's roots and <see cref="ImageStoreClientOptions.TrustedCertificates"/> (or not at
    /// all with <see cref="ImageStoreClientOptions.SkipServerCertificateValidation"/>).
    /// </summary>
    /// <param name="options">Certificate and trust settings.</param>
    /// <param name="logger">Logs the warning of an unchecked server certificate; optional.</param>
    public static SocketsHttpHandler CreatePrimaryHandler(ImageStoreClientOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var handler = new SocketsHttpHandler();
        if (options.ClientCertificate is { } certificate)
        {
            if (!certificate.HasPrivateKey)
            {
                throw new ImageStoreAuthenticationException(
                    $"The client certificate {certificate.Subject} ({certificate.Thumbprint}) has no private key, so it cannot be presented; load it with its key (ClientCertificates.LoadPem).");
            }

            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        if (options.SkipServerCertificateValidation)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, errors) =>
            {
                if (errors != SslPolicyErrors.None)
                {
                    LogUncheckedServerCertificate(logger, server?.Subject, errors);
                }

                return true;
            };
        }
        else if (options.TrustedCertificates.Count > 0)
        {
            var trusted = new X509Certificate2Collection(options.TrustedCertificates);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, server, chain, errors) =>
                errors == SslPolicyErrors.None || IsTrusted(server, chain, errors, trusted);
        }

        return handler;
    }

    /// <summary>The server's certificate names the host and is one of <paramref name="trusted"/> or chains to one.</summary>
    internal static bool IsTrusted(X509Certificate? server, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (server is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        var leaf = server as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(server.GetRawCertData());
        if (trusted.Any(t => t.RawData.AsSpan().SequenceEqual(leaf.RawData)))
        {
            return true; // the server's own certificate, given as trusted (pinned)
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The server's certificate ({Subject}: {Errors}) is accepted unchecked (SkipServerCertificateValidation, --insecure): anyone on the network path could be answering. Trust its CA instead (TrustedCertificates, --ca).")]
    private static partial void LogUncheckedServerCertificate(ILogger logger, string? subject, SslPolicyErrors errors);
}
