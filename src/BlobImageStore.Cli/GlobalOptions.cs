using System.CommandLine;
using System.CommandLine.Parsing;
using BlobImageStore.Client;
using BlobImageStore.Client.Uploads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Cli;

/// <summary>The options every command takes, and the services built from them.</summary>
public sealed class GlobalOptions
{
    public Option<Uri> Endpoint { get; } = new("--endpoint", "-e")
    {
        Description = "Image store address (env IMAGESTORE_ENDPOINT)",
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

    public IEnumerable<Option> All => [Endpoint, Timeout, ApiKey, Retries, JournalDir, Output, Quiet, Verbose];

    /// <summary>The client, uploaders and journal for one command, through IHttpClientFactory.</summary>
    public ServiceProvider BuildServices(ParseResult parse)
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
        services.AddImageStoreClient(o =>
        {
            o.Endpoint = parse.GetValue(Endpoint)!;
            o.Timeout = parse.GetValue(Timeout);
            o.ApiKey = parse.GetValue(ApiKey);
            o.Retry.MaxRetries = parse.GetValue(Retries);
        });
        return services.BuildServiceProvider();
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
