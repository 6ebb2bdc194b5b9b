using System.CommandLine;
using System.CommandLine.Parsing;
using BlobImageStore.Client;
using BlobImageStore.Client.Uploads;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Cli;

/// <summary>The options every command takes, and the services built from them.</summary>
public sealed class GlobalOptions
{
    public Option<Uri> Endpoint { get; } = new("--endpoint", "-e")
    {
        Description = "Image store address (env IMAGESTORE_ENDPOINT; without either, the profile saved by 'imagestore cluster select')",
        Recursive = true,
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("IMAGESTORE_ENDPOINT") is { Length: > 0 } e ? e : "http://127.0.0.1:19080"),
        CustomParser = ParseEndpoint,
    };

    public Option<TimeSpan> Timeout { get; } = new("--timeout")
    {
        Description = "Time one request may take, e.g. 90s, 5m (default 120s)",
        Recursive = true,
        DefaultValueFactory = _ => TimeSpan.FromSeconds(120),
        CustomParser = r => Sizes.TryParseDuration(r.Tokens.Single().Value, out var d, out var error) ? d : Fail<TimeSpan>(r, error!),
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "Azure Functions key, sent as x-functions-key (env IMAGESTORE_API_KEY)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IMAGESTORE_API_KEY") is { Length: > 0 } k ? k : null,
    };

    public Option<string> JournalDir { get; } = new("--journal-dir")
    {
        Description = "Folder of the resume journal (env IMAGESTORE_JOURNAL_DIR)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IMAGESTORE_JOURNAL_DIR") is { Length: > 0 } d ? d : UploadJournalOptions.DefaultDirectory,
    };

    public Option<int> Retries { get; } = new("--retries")
    {
        Description = "Retries of a request that failed transiently (network, timeout, 408, 429, 5xx); 0 for none",
        Recursive = true,
        DefaultValueFactory = _ => 6,
        CustomParser = r => int.TryParse(r.Tokens.Single().Value, out var n) && n >= 0 ? n : Fail<int>(r, $"--retries takes a whole number from 0 up, not '{r.Tokens.Single().Value}'."),
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log what the client does (retries, resumes) to stderr",
        Recursive = true,
    };

    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "Result on stdout as text or json (one JSON document per command)",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "No progress and no log lines on stderr; results and errors only",
        Recursive = true,
    };

    public Option<string?> Pem { get; } = new("--pem")
    {
        Description = "Client certificate and its unencrypted private key in one PEM file (mutual TLS)",
        Recursive = true,
    };

    public Option<string?> Cert { get; } = new("--cert")
    {
        Description = "Client certificate file (PEM or DER), with --key",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "Private key file (unencrypted PEM) of --cert",
        Recursive = true,
    };

    public Option<string?> Ca { get; } = new("--ca")
    {
        Description = "Trust the server's certificate when it chains to these: a CA bundle (PEM), a folder of CA files, or the server's own certificate",
        Recursive = true,
    };

    public Option<bool> Insecure { get; } = new("--insecure", "--no-verify")
    {
        Description = "Do not check the server's certificate (a development certificate only; prefer --ca)",
        Recursive = true,
    };

    public Option<bool> Aad { get; } = new("--aad")
    {
        Description = "Entra ID: a token for the cluster application named by GET /$/GetAadMetadata, from DefaultAzureCredential (Azure CLI, environment, managed identity…)",
        Recursive = true,
    };

    public Option<bool> DeviceCode { get; } = new("--device-code")
    {
        Description = "With --aad: sign in with a code shown on the terminal, as the cluster's client application (like sfctl cluster select --aad)",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Endpoint, Timeout, ApiKey, Retries, JournalDir, Output, Quiet, Verbose, Pem, Cert, Key, Ca, Insecure, Aad, DeviceCode];

    /// <summary>True when <paramref name="option"/> was written on the command line.</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>
    /// The connection a command uses: with <c>--endpoint</c> (or IMAGESTORE_ENDPOINT), the command line alone; otherwise
    /// the saved profile (<c>imagestore cluster select</c>) if there is one, its credential replaced by a
    /// <c>--pem</c>/<c>--cert</c>/<c>--aad</c> and its trust by a <c>--ca</c>/<c>--insecure</c> given on the command line;
    /// otherwise the default endpoint. Returns the profile's path when the profile is used.
    /// </summary>
    public (ClusterProfile Connection, string? ProfilePath) ResolveConnection(ParseResult parse, bool useProfile = true)
    {
        var line = FromCommandLine(parse);
        var explicitEndpoint = Given(parse, Endpoint) || Environment.GetEnvironmentVariable("IMAGESTORE_ENDPOINT") is { Length: > 0 };
        if (explicitEndpoint || !useProfile || ProfileStore.Load() is not { } saved)
        {
            return (Validate(line), null);
        }

        var credentialGiven = Given(parse, Pem) || Given(parse, Cert) || Given(parse, Key) || Given(parse, Aad);
        var trustGiven = Given(parse, Ca) || Given(parse, Insecure);
        var merged = saved with
        {
            Pem = credentialGiven ? line.Pem : saved.Pem,
            Cert = credentialGiven ? line.Cert : saved.Cert,
            Key = credentialGiven ? line.Key : saved.Key,
            Aad = credentialGiven ? line.Aad : saved.Aad,
            DeviceCode = credentialGiven ? line.DeviceCode : saved.DeviceCode || line.DeviceCode,
            Ca = trustGiven ? line.Ca : saved.Ca,
            Insecure = trustGiven ? line.Insecure : saved.Insecure,
        };
        return (Validate(merged), ProfileStore.FilePath);
    }

    private ClusterProfile FromCommandLine(ParseResult parse) => new()
    {
        Endpoint = parse.GetValue(Endpoint)!,
        Pem = Full(parse.GetValue(Pem)),
        Cert = Full(parse.GetValue(Cert)),
        Key = Full(parse.GetValue(Key)),
        Ca = Full(parse.GetValue(Ca)),
        Insecure = parse.GetValue(Insecure),
        Aad = parse.GetValue(Aad),
        DeviceCode = parse.GetValue(DeviceCode),
    };

    private static string? Full(string? path) => string.IsNullOrEmpty(path) ? null : Path.GetFullPath(path);

    /// <summary>sfctl's rules for the security options (exit 2 when broken).</summary>
    public static ClusterProfile Validate(ClusterProfile c)
    {
        const string Usage = "use one of: --pem <file> | --cert <file> --key <file> | --aad [--device-code]; and --ca <file> or --insecure, not both.";
        string? error = null;
        if ((c.Cert is null) != (c.Key is null))
        {
            error = "--cert and --key go together (the certificate and its private key); a single file with both is --pem.";
        }
        else if (c.Pem is not null && c.Cert is not null)
        {
            error = "--pem and --cert/--key both name a client certificate; give one of them.";
        }
        else if (c.Aad && (c.Pem is not null || c.Cert is not null))
        {
            error = "--aad and a client certificate (--pem, --cert) are two ways to authenticate; give one of them.";
        }
        else if (c.Insecure && c.Ca is not null)
        {
            error = "--insecure turns the server certificate check off and --ca sets what it trusts; give one of them.";
        }
        else if (c.DeviceCode && !c.Aad)
        {
            error = "--device-code is a way to sign in with --aad; add --aad.";
        }
        else if ((c.Pem is not null || c.Cert is not null || c.Ca is not null || c.Insecure) && c.Endpoint.Scheme != Uri.UriSchemeHttps)
        {
            error = $"--pem, --cert, --ca and --insecure are TLS settings, but {c.Endpoint} is not https; use https://{c.Endpoint.Authority}.";
        }

        return error is null ? c : throw new CliException(ExitCodes.Usage, "usage", error, Usage);
    }

    /// <summary>The client, uploaders and journal for one command, through IHttpClientFactory, connected as <paramref name="connection"/> says.</summary>
    public ServiceProvider BuildServices(ParseResult parse, ClusterProfile connection, CliConsole console)
    {
        var services = new ServiceCollection();
        var verbose = parse.GetValue(Verbose);
        var quiet = parse.GetValue(Quiet);
        services.AddLogging(logging => logging
            .SetMinimumLevel(quiet ? LogLevel.Error : verbose ? LogLevel.Information : LogLevel.Warning)
            .AddFilter("System.Net.Http", LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = verbose ? "HH:mm:ss.fff " : null;
            })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.Configure<UploadJournalOptions>(o => o.Directory = parse.GetValue(JournalDir)!);
        var certificate = connection.Pem is { } pem ? ClientCertificates.LoadPem(pem)
            : connection.Cert is { } cert ? ClientCertificates.LoadPem(cert, connection.Key!)
            : null;
        var trusted = connection.Ca is { } ca ? ClientCertificates.LoadCertificateAuthorities(ca) : null;
        if (connection.Insecure)
        {
            console.Error.WriteLine($"WARNING: --insecure: the server's certificate is not checked. Anyone on the network path to {connection.Endpoint.Authority} " +
                "can pose as the server and read or change what is sent. Use it with a development certificate only; pass --ca <file> to trust a private CA instead.");
            console.Error.Flush();
        }

        if (connection.DeviceCode && !console.Interactive)
        {
            throw new CliException(ExitCodes.Usage, "usage", "--device-code shows a code to enter in a browser, but this is not an interactive terminal.",
                "in a script, use --aad alone: DefaultAzureCredential takes a service principal from AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload or managed identity, or 'az login'.");
        }

        services.AddImageStoreClient(o =>
        {
            o.Endpoint = connection.Endpoint;
            o.Timeout = parse.GetValue(Timeout);
            o.ApiKey = parse.GetValue(ApiKey);
            o.Retry.MaxRetries = parse.GetValue(Retries);
            o.ClientCertificate = certificate;
            if (trusted is not null)
            {
                o.TrustedCertificates.AddRange(trusted);
            }

            o.SkipServerCertificateValidation = connection.Insecure;
            if (connection.Aad)
            {
                var deviceCode = connection.DeviceCode;
                o.CredentialFactory = metadata => EntraCredential(metadata, deviceCode, console);
            }
        });
        return services.BuildServiceProvider();
    }

    /// <summary>DefaultAzureCredential in the cluster's tenant; or, with <c>--device-code</c>, a device code sign-in as the
    /// cluster's client application (the public client that GetAadMetadata names, as sfctl signs in).</summary>
    private static TokenCredential EntraCredential(ClusterAadMetadata metadata, bool deviceCode, CliConsole console)
    {
        var authority = metadata.Login is { Length: > 0 } login ? new Uri(login) : AzureAuthorityHosts.AzurePublicCloud;
        if (!deviceCode)
        {
            return new DefaultAzureCredential(new DefaultAzureCredentialOptions { TenantId = metadata.Tenant, AuthorityHost = authority });
        }

        return new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            TenantId = metadata.Tenant,
            ClientId = metadata.Client,
            AuthorityHost = authority,
            DeviceCodeCallback = (code, _) =>
            {
                console.Error.WriteLine(code.Message);
                console.Error.Flush();
                return Task.CompletedTask;
            },
        });
    }

    internal static T Fail<T>(ArgumentResult result, string error)
    {
        result.AddError(error);
        return default!;
    }

    private static Uri ParseEndpoint(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : Fail<Uri>(result, $"'{text}' is not an http(s) address, e.g. http://127.0.0.1:19080 or https://myfunctions.azurewebsites.net (the Functions routes have no /api prefix).");
    }
}
