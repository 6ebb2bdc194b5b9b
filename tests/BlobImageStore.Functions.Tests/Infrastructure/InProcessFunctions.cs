using System.Text;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Functions.Tests.Infrastructure;

/// <summary>An answer, from either host.</summary>
public sealed record Answer(int Status, string? Reason, string? ContentType, string Body)
{
    /// <summary>The <c>Retry-After</c> header, when there is one.</summary>
    public string? RetryAfter { get; init; }
}

/// <summary>
/// The Functions app in-process: the container the app builds (<see cref="ImageStoreFunctionsApp.AddImageStoreFunctions"/>)
/// and its function classes, activated as the worker activates them. A request is an HttpContext built the way the
/// ASP.NET Core integration hands it over (method, path, query, raw target, headers, body); the function's result is then
/// executed as the worker's proxying middleware does, and the response written is the answer.
/// </summary>
public sealed class InProcessFunctions : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private InProcessFunctions(ServiceProvider services) => _services = services;

    public IServiceProvider Services => _services;

    public SessionCleanup Cleanup => _services.GetRequiredService<SessionCleanup>();

    public ImageStoreFunctions HttpFunctions => ActivatorUtilities.CreateInstance<ImageStoreFunctions>(_services);

    public SessionCleanupFunction CleanupFunction => ActivatorUtilities.CreateInstance<SessionCleanupFunction>(_services);

    /// <summary>
    /// The app on <paramref name="storage"/>, with <c>ImageStore:*</c> settings (keys without the section), optionally a
    /// test clock, optionally more services after the app's own (e.g. an in-memory telemetry exporter), and optionally
    /// other app settings by their full names (e.g. <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
    /// </summary>
    public static InProcessFunctions Create(string storage, IReadOnlyDictionary<string, string>? imageStore = null, TimeProvider? clock = null,
        Action<IServiceCollection>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["ImageStore:Storage"] = storage };
        foreach (var (key, value) in imageStore ?? new Dictionary<string, string>())
        {
            values["ImageStore:" + key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddImageStoreFunctions(configuration);
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        configure?.Invoke(services);

        return new InProcessFunctions(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    public Task<Answer> SendAsync(HttpMethod method, string target, byte[]? body = null, string? contentRange = null) =>
        SendAsync(method, target, body, contentRange is null ? [] : [("Content-Range", contentRange)]);

    public Task<Answer> SendAsync(HttpMethod method, string target, byte[]? body, IEnumerable<(string Name, string Value)> headers) =>
        SendAsync(method, target, body is null ? null : new MemoryStream(body, writable: false), body?.Length, headers);

    /// <summary>A request whose body is <paramref name="body"/> as it comes (e.g. a stream that holds back its bytes), of <paramref name="length"/> bytes.</summary>
    public async Task<Answer> SendAsync(HttpMethod method, string target, Stream? body, long? length, IEnumerable<(string Name, string Value)> headers)
    {
        // A scope per request, as ASP.NET Core gives the worker's HttpContext (authentication services are scoped).
        await using var scope = _services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var request = context.Request;
        request.Method = method.Method;
        request.Scheme = "http";
        request.Host = new HostString("localhost", 7071);
        var query = target.IndexOf('?');
        request.Path = PathString.FromUriComponent(query >= 0 ? target[..query] : target);
        request.QueryString = query >= 0 ? new QueryString(target[query..]) : QueryString.Empty;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        foreach (var (name, value) in headers)
        {
            request.Headers.Append(name, value);
        }

        if (body is not null)
        {
            request.Body = body;
            request.ContentLength = length;
        }

        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;

        // The host routes /healthz, /readyz and /openapi/v1.json to their functions, /ImageStore to ImageStoreRoot, /$/GetClusterManifest to ClusterManifest and /ImageStore/{*rest} to ImageStore.
        var functions = HttpFunctions;
        var path = request.Path.Value!.TrimEnd('/');
        var result = path.Equals("/" + ImageStoreFunctions.LiveRoute, StringComparison.OrdinalIgnoreCase) ? await functions.HealthzAsync(request)
            : path.Equals("/" + ImageStoreFunctions.ReadyRoute, StringComparison.OrdinalIgnoreCase) ? await functions.ReadyzAsync(request)
            : path.Equals("/" + ImageStoreFunctions.OpenApiRoute, StringComparison.OrdinalIgnoreCase) ? await functions.OpenApiAsync(request)
            : path.Equals("/ImageStore", StringComparison.OrdinalIgnoreCase) ? await functions.ImageStoreRootAsync(request)
            : path.Equals("/" + ImageStoreFunctions.ClusterManifestRoute, StringComparison.OrdinalIgnoreCase) ? await functions.ClusterManifestAsync(request)
            : path.Equals("/" + ImageStoreFunctions.AadMetadataRoute, StringComparison.OrdinalIgnoreCase) ? await functions.AadMetadataAsync(request)
            : await functions.ImageStoreAsync(request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

        return new Answer(context.Response.StatusCode, context.Features.Get<IHttpResponseFeature>()?.ReasonPhrase,
            context.Response.ContentType, Encoding.UTF8.GetString(responseBody.ToArray()))
        {
            RetryAfter = context.Response.Headers.RetryAfter.Count > 0 ? context.Response.Headers.RetryAfter.ToString() : null,
        };
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
