using System.Diagnostics;
using Azure;
using BlobImageStore.Errors;
using BlobImageStore.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Http;

/// <summary>
/// The one door both hosts open: finds the operation for a request, checks api-version, runs it under the
/// request's <c>timeout</c>, and turns every failure into a FabricError with the status of note S16.
/// </summary>
public sealed partial class ImageStoreEndpoint
{
    private readonly Dictionary<OperationRoute, IImageStoreOperation> _routes;
    private readonly ILogger<ImageStoreEndpoint> _logger;
    private readonly ImageStoreAccess _access;
    private readonly ImageStoreLimitsOptions _limits;

    public ImageStoreEndpoint(IEnumerable<IImageStoreOperation> operations, ILogger<ImageStoreEndpoint> logger,
        ImageStoreAccess access, Microsoft.Extensions.Options.IOptions<ImageStoreLimitsOptions> limits)
    {
        _routes = operations.ToDictionary(o => Normalise(o.Route));
        _logger = logger;
        _access = access;
        _limits = limits.Value;
    }

    /// <summary>Every operation served, for documentation and tests.</summary>
    public IReadOnlyCollection<IImageStoreOperation> Operations => _routes.Values;

    /// <summary>The paths of the cluster-level operations (<c>/$/{Name}</c>), which hosts route here besides <c>/ImageStore</c>.</summary>
    public IEnumerable<string> ClusterLevelRoutes =>
        _routes.Values.Where(o => o.Route.ClusterLevel).Select(o => ImageStoreRequest.ClusterPrefix + o.Route.Name).Distinct().Order();

    /// <summary>Handles one request and writes its response.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = RequestTelemetry.StartRequest(); // the operation's span; the storage calls' spans go below it
        var request = ImageStoreRequest.FromHttp(context);
        var body = new DeadlineRequestBody(context.Request.BodyReader);
        context.Request.Body = body;
        string operationId = "Unknown";
        IResult result;
        try
        {
            if (request is null)
            {
                throw ErrorCatalogue.Refuse(ErrorCatalogue.NotImageStore(ClusterLevelRoutes));
            }

            var operation = Find(request);
            operationId = operation.OperationId;
            RequestTelemetry.SetOperation(activity, operationId);
            await _access.AuthorizeAsync(context, operation); // 401/403 before anything is read (Security/ImageStoreAccess.cs)
            request.ValidateApiVersion();
            request.ValidateContentCoding();
            result = await RunAsync(operation, request, context.RequestAborted);
        }
        catch (Exception e) when (ToFabricError(e, context) is { } error)
        {
            result = error;
        }

        if (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            LogAborted(_logger, operationId, context.Request.Path.Value);
            return;
        }

        await result.ExecuteAsync(context);
        var elapsed = Stopwatch.GetElapsedTime(started);
        RequestTelemetry.Record(context, operationId, request, result, elapsed);
        LogRequest(_logger, context.Request.Method, operationId, context.Request.Path.Value, context.Response.StatusCode,
            (result as FabricErrorResult)?.Code ?? "-", body.BytesRead, elapsed.TotalMilliseconds);
    }

    private async Task<IResult> RunAsync(IImageStoreOperation operation, ImageStoreRequest request, CancellationToken aborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var timeout = _limits.Clamp(request.Timeout()); // a larger ?timeout= is clamped to ImageStore:Limits:MaxRequestTimeout
        deadline.CancelAfter(timeout);

        try
        {
            return await operation.ExecuteAsync(request, deadline.Token);
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !aborted.IsCancellationRequested && IsCancellation(e))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.TimedOut(timeout), e);
        }
    }

    private IImageStoreOperation Find(ImageStoreRequest request)
    {
        var route = Normalise(new OperationRoute(request.Method, request.Operation, request.HasContentPath, request.IsClusterLevel));
        if (_routes.TryGetValue(route, out var operation))
        {
            return operation;
        }

        var named = _routes.Values.Where(o => string.Equals(o.Route.Name, request.Operation, StringComparison.OrdinalIgnoreCase)).ToList();
        throw ErrorCatalogue.Refuse(ErrorCatalogue.NoOperation(request.Method, request.Http.Request.Path.ToString(),
            named.Select(o => o.Route.ToString()).ToList(), _routes.Values.Select(o => o.Route.ToString())));
    }

    private static OperationRoute Normalise(OperationRoute route) =>
        route with { Method = route.Method.ToUpperInvariant(), Name = route.Name?.ToLowerInvariant() };

    /// <summary>Maps a failure to its FabricError; null for a client that went away (nothing to answer).</summary>
    private FabricErrorResult? ToFabricError(Exception e, HttpContext context)
    {
        switch (e)
        {
            case FabricException fabric:
                return FabricErrorResult.From(fabric);
            case BadHttpRequestException bad:
                return ErrorCatalogue.UnreadableRequest(bad);
            case not null when context.RequestAborted.IsCancellationRequested:
                return null;
            case not null when StorageUnavailable(e) is { } storage:
                LogStorageFailure(_logger, storage.Status, storage.ErrorCode, e);
                return ErrorCatalogue.StorageUnavailable(storage.Status, storage.ErrorCode);
            default:
                LogUnexpected(_logger, e);
                return ErrorCatalogue.Unexpected(e, context.TraceIdentifier);
        }
    }

    private static RequestFailedException? StorageUnavailable(Exception e) => e switch
    {
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } r => r,
        AggregateException a => a.InnerExceptions.Select(StorageUnavailable).FirstOrDefault(r => r is not null),
        _ => null,
    };

    private static bool IsCancellation(Exception e) =>
        e is OperationCanceledException or TaskCanceledException
        || (e is RequestFailedException or AggregateException or IOException && e.InnerException is { } inner && IsCancellation(inner));

    /// <summary>The one line per request: method, operation, path, status, FabricError code ("-" when none), body bytes received, duration.</summary>
    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {OperationId} {Path} {Status} {ErrorCode} {BytesReceived} B {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string operationId, string? path, int status, string errorCode, long bytesReceived, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{OperationId} {Path}: the client went away before the answer")]
    private static partial void LogAborted(ILogger logger, string operationId, string? path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob Storage unavailable ({Status} {ErrorCode})")]
    private static partial void LogStorageFailure(ILogger logger, int status, string? errorCode, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure")]
    private static partial void LogUnexpected(ILogger logger, Exception? exception);
}
