using System.Buffers;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlobImageStore.Client.Uploads;

/// <summary>How one file is uploaded through an upload session.</summary>
public sealed class FileUploadOptions
{
    /// <summary>Chunk size in bytes; null chooses one from the file size (<see cref="ChunkSizing.Auto"/>). A size outside
    /// the server's limits is moved inside them, with a warning.</summary>
    public long? ChunkSize { get; set; }

    /// <summary>The server's largest chunk (its <c>ImageStore:MaxChunkSize</c>).</summary>
    public long MaxChunkSize { get; set; } = ChunkSizing.DefaultMaxChunkSize;

    /// <summary>Chunks in flight at once. Memory use is about this many chunk buffers.</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>Resume this machine's interrupted upload of the same file (default). Off: such a session is deleted and the upload starts over.</summary>
    public bool Resume { get; set; } = true;

    /// <summary>Delete an open session on the path that this machine's journal does not know (another machine's or a
    /// lost journal's) and start over. Off (default): such a session is an error, so nobody's upload is destroyed by accident.</summary>
    public bool ReplaceForeignSession { get; set; }

    /// <summary>Bandwidth limit in bytes per second for all chunks of the upload together; null for none.</summary>
    public long? MaxBytesPerSecond { get; set; }

    /// <summary>How often the session's ExpectedRanges may be read again after the server refused a range or an
    /// incomplete commit, before the upload gives up (the session stays, to be resumed).</summary>
    public int MaxResyncs { get; set; } = 8;

    /// <summary>Least time between two progress reports.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1, nameof(Parallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxChunkSize, 1, nameof(MaxChunkSize));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxResyncs, nameof(MaxResyncs));
        if (MaxBytesPerSecond is { } rate)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1, nameof(MaxBytesPerSecond));
        }
    }
}

/// <summary>What an upload did.</summary>
public sealed record FileUploadResult(
    string StorePath,
    long FileSize,
    Guid SessionId,
    long ChunkSize,
    bool Resumed,
    long BytesAlreadyOnServer,
    long BytesSent,
    int Retries,
    int Resyncs,
    TimeSpan Elapsed);

/// <summary>
/// Uploads a file through an upload session and makes it survive interruptions: the server keeps every complete
/// chunk, so after a failure (a dropped connection, a crash, a kill, Ctrl+C) the next run finds the open session by
/// path, checks against its journal that the session is its own and the file unchanged, sends only the
/// <c>ExpectedRanges</c> and commits. Chunks go in parallel, each with <c>Content-MD5</c>; transient failures are
/// retried by the client with backoff; the 4xx answers the protocol defines are acted on (a refused range or an
/// incomplete commit: read ExpectedRanges again and send what is missing), every other 4xx ends the upload.
/// </summary>
public sealed partial class ResumableUploader
{
    private readonly IUploadSessionClient _sessions;
    private readonly IResumeJournal _journal;
    private readonly ILogger<ResumableUploader> _logger;

    /// <summary>An uploader over <paramref name="sessions"/> that remembers its unfinished uploads in <paramref name="journal"/>.</summary>
    /// <param name="sessions">The upload-session operations.</param>
    /// <param name="journal">Where unfinished uploads (and committed files) are recorded.</param>
    /// <param name="logger">Optional.</param>
    public ResumableUploader(IUploadSessionClient sessions, IResumeJournal journal, ILogger<ResumableUploader>? logger = null)
    {
        _sessions = sessions;
        _journal = journal;
        _logger = logger ?? NullLogger<ResumableUploader>.Instance;
    }

    internal IResumeJournal Journal => _journal;

    internal Uri Endpoint => _sessions.Endpoint;

    /// <summary>Uploads <paramref name="localFile"/> to <paramref name="storePath"/>, resuming this machine's unfinished
    /// upload of the same file.</summary>
    /// <param name="localFile">The file.</param>
    /// <param name="storePath">Where it goes.</param>
    /// <param name="options">Chunking, parallelism, resume; null for the defaults.</param>
    /// <param name="progress">Optional.</param>
    /// <param name="cancellationToken">Stops the upload; the session stays, and the next run resumes it.</param>
    /// <returns>What was sent and resumed.</returns>
    public async Task<FileUploadResult> UploadAsync(
        string localFile, string storePath, FileUploadOptions? options = null, IProgress<UploadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var source = UploadSource.Open(localFile);
        return await UploadAsync(source, storePath, options, progress, cancellationToken);
    }

    /// <summary>Uploads <paramref name="content"/>, from its current position to its end, to <paramref name="storePath"/>
    /// through an upload session: the same chunking, parallelism, retries and resume as a file. The stream must be
    /// readable and seekable (chunks are read at any offset, and again after a failure); it is not disposed. An
    /// interrupted upload of a stream resumes when the same store path is uploaded again from a stream of the same
    /// length and fingerprint (there is no write time to compare).</summary>
    /// <param name="content">A readable, seekable stream.</param>
    /// <param name="storePath">Where it goes.</param>
    /// <param name="options">Chunking, parallelism, resume; null for the defaults.</param>
    /// <param name="progress">Optional.</param>
    /// <param name="cancellationToken">Stops the upload; the session stays, and the next run resumes it.</param>
    /// <returns>What was sent and resumed.</returns>
    public async Task<FileUploadResult> UploadAsync(
        Stream content, string storePath, FileUploadOptions? options = null, IProgress<UploadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var source = new UploadSource.StreamSource(content);
        return await UploadAsync(source, storePath, options, progress, cancellationToken);
    }

    private async Task<FileUploadResult> UploadAsync(
        UploadSource file, string storePath, FileUploadOptions? options, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        options ??= new FileUploadOptions();
        options.Validate();
        var started = Stopwatch.StartNew();
        var path = StorePaths.RequireFilePath(storePath);
        var localFile = file.Name;
        var identity = await LocalFileIdentity.CaptureAsync(file, cancellationToken);
        var size = identity.Size;
        var tracker = new ProgressTracker(path, size, progress, options.ProgressInterval);
        tracker.Enter(UploadPhase.Preparing);

        var choice = ChunkSizing.Choose(size, options.ChunkSize, options.MaxChunkSize);
        if (choice.Adjustment is { } adjustment)
        {
            LogChunkSizeAdjusted(_logger, path, adjustment);
        }

        var chunkSize = choice.ChunkSize;
        var session = await OpenSessionAsync(localFile, path, identity, chunkSize, options, cancellationToken);
        var alreadyThere = size - Missing(session.Missing, size);
        tracker.SetConfirmed(alreadyThere);

        var throttle = options.MaxBytesPerSecond is { } rate ? new RateThrottle(rate) : null;
        var retries = 0;
        var resyncs = 0;
        var restarted = false;
        var missing = session.Missing;
        tracker.Enter(UploadPhase.Uploading);
        while (true)
        {
            var plan = ChunkPlanner.Plan(missing, size, chunkSize, options.MaxChunkSize);
            if (plan is null)
            {
                if (restarted)
                {
                    throw new InvalidOperationException($"The session for '{path}' expects ranges that no allowed chunk can send: {Describe(missing)}.");
                }

                // Another client's chunking left a gap smaller than the server's minimum chunk: start again cleanly.
                LogUnplannable(_logger, path, session.SessionId, Describe(missing));
                await _sessions.DeleteUploadSessionAsync(session.SessionId, cancellationToken);
                session = StartNew(localFile, path, identity, chunkSize);
                missing = session.Missing;
                tracker.SetConfirmed(0);
                restarted = true;
                continue;
            }

            var refused = await SendChunksAsync(file, path, session.SessionId, size, plan, options.Parallelism, throttle, tracker,
                () => Interlocked.Increment(ref retries), cancellationToken);
            if (!refused)
            {
                var now = await LocalFileIdentity.CaptureAsync(file, cancellationToken);
                if (now != identity)
                {
                    throw new InvalidOperationException(
                        $"{localFile} changed while it was being uploaded to '{path}'; nothing was committed. Upload it again (the session {session.SessionId} will be replaced).");
                }

                tracker.Enter(UploadPhase.Committing);
                try
                {
                    await _sessions.CommitUploadSessionAsync(session.SessionId, cancellationToken);
                    break;
                }
                catch (ImageStoreException e) when (e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
                {
                    // The protocol's answer to an incomplete session (400 E_INVALIDARG naming the missing bytes) or a
                    // vanished one (expired, deleted): read what it still expects and send that.
                    LogCommitRefused(_logger, path, session.SessionId, e.Code, e.Message);
                }

                tracker.Enter(UploadPhase.Uploading);
            }

            if (++resyncs > options.MaxResyncs)
            {
                throw new InvalidOperationException(
                    $"The upload of '{path}' (session {session.SessionId}) did not converge after {options.MaxResyncs} re-reads of its ExpectedRanges; the session is kept, run the upload again to resume it.");
            }

            var status = await _sessions.GetUploadSessionAsync(session.SessionId, cancellationToken);
            missing = status?.ExpectedRanges ?? Full(size); // gone: the same id starts the session again
            tracker.SetConfirmed(size - Missing(missing, size));
            LogResync(_logger, path, session.SessionId, Describe(missing));
        }

        _journal.Delete(_sessions.Endpoint, path);
        tracker.SetConfirmed(size);
        tracker.Enter(UploadPhase.Completed);
        var result = new FileUploadResult(path, size, session.SessionId, chunkSize, session.Resumed, alreadyThere, tracker.Sent, retries, resyncs, started.Elapsed);
        LogUploaded(_logger, path, size, session.SessionId, session.Resumed, alreadyThere, tracker.Sent, retries, started.Elapsed.TotalSeconds);
        return result;
    }

    private sealed record OpenSession(Guid SessionId, IReadOnlyList<ByteRange> Missing, bool Resumed);

    /// <summary>Finds the session to continue, or starts a new one (journal first, then the first chunk creates it).</summary>
    private async Task<OpenSession> OpenSessionAsync(string localFile, string path, LocalFileIdentity identity, long chunkSize, FileUploadOptions options, CancellationToken cancellationToken)
    {
        var entry = _journal.Load(_sessions.Endpoint, path);
        var open = await _sessions.GetUploadSessionsByPathAsync(path, cancellationToken);
        var ours = entry is null ? null : open.FirstOrDefault(s => s.SessionId == entry.SessionId);

        foreach (var foreign in open.Where(s => s.SessionId != ours?.SessionId))
        {
            if (!options.ReplaceForeignSession)
            {
                throw new ImageStoreException(HttpStatusCode.Conflict, FabricErrorCodes.UploadSessionIdConflict,
                    $"'{path}' has an open upload session, {foreign.SessionId} ({foreign.ReceivedBytes} of {foreign.FileSize} bytes received, last chunk {foreign.ModifiedDate:u}), " +
                    "that this machine did not start, so it cannot tell whether its bytes are those of this file. " +
                    $"Wait for its uploader to finish, or delete it (imagestore sessions rm {foreign.SessionId}) or replace it (--force) and upload again.");
            }

            LogReplacingForeign(_logger, path, foreign.SessionId);
            await _sessions.DeleteUploadSessionAsync(foreign.SessionId, cancellationToken);
        }

        if (ours is not null && entry is not null)
        {
            var reason = !options.Resume ? "resume is off"
                : ours.FileSize != identity.Size ? $"the session is for {ours.FileSize} bytes, the file has {identity.Size}"
                : !entry.Matches(identity) ? "the local file changed since that upload began (size, write time or content sample differ)"
                : null;
            if (reason is null)
            {
                LogResuming(_logger, path, ours.SessionId, ours.ReceivedBytes, ours.FileSize, ours.ExpectedRanges.Count);
                return new OpenSession(ours.SessionId, ours.FileSize == 0 ? Full(0) : ours.ExpectedRanges, Resumed: true);
            }

            LogStartingOver(_logger, path, ours.SessionId, reason);
            await _sessions.DeleteUploadSessionAsync(ours.SessionId, cancellationToken);
        }

        return StartNew(localFile, path, identity, chunkSize);
    }

    private OpenSession StartNew(string localFile, string path, LocalFileIdentity identity, long chunkSize)
    {
        var id = Guid.NewGuid();
        // Written before the first chunk: a kill at any moment after this leaves a session this machine can claim.
        _journal.Save(new ResumeEntry(_sessions.Endpoint, path, id, localFile.Trim('\''), identity.Size, identity.LastWriteUtc,
            identity.Fingerprint, chunkSize, DateTimeOffset.UtcNow));
        LogStarting(_logger, path, id, identity.Size, chunkSize);
        return new OpenSession(id, Full(identity.Size), Resumed: false);
    }

    /// <summary>Sends the planned chunks; true when the server refused a range (its ExpectedRanges must be read again).</summary>
    private async Task<bool> SendChunksAsync(
        UploadSource file, string path, Guid sessionId, long size, IReadOnlyList<ByteRange> plan,
        int parallelism, IByteThrottle? throttle, ProgressTracker tracker, Action retried, CancellationToken cancellationToken)
    {
        var refused = 0;
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (range, token) =>
        {
            var length = size == 0 ? 0 : (int)range.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
            try
            {
                await file.ReadExactlyAsync(buffer.AsMemory(0, length), range.First, token);
                await _sessions.UploadChunkAsync(new UploadChunkRequest(path, sessionId, range.First, range.Last, size, buffer.AsMemory(0, length))
                {
                    BytesWritten = tracker.AddSent,
                    Retrying = _ => retried(),
                    Throttle = throttle,
                }, token);
                tracker.AddConfirmed(length);
            }
            catch (ImageStoreException e) when (e.Code == FabricErrorCodes.UploadSessionRangeNotSatisfiable)
            {
                // Some of these bytes reached the server by another way (a chunk of a killed run finished late, or
                // another chunking): not an error, the session's ExpectedRanges say what is still needed.
                LogRangeRefused(_logger, path, sessionId, range.ToString(), e.Message);
                Interlocked.Exchange(ref refused, 1);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        return refused != 0;
    }

    private static IReadOnlyList<ByteRange> Full(long size) => [new ByteRange(0, Math.Max(0, size - 1))];

    private static long Missing(IReadOnlyList<ByteRange> ranges, long size) => size == 0 ? 0 : ranges.Sum(r => r.Length);

    private static string Describe(IReadOnlyList<ByteRange> ranges) =>
        ranges.Count == 0 ? "none" : string.Join(", ", ranges.Take(10)) + (ranges.Count > 10 ? $" and {ranges.Count - 10} more" : "");

    [LoggerMessage(Level = LogLevel.Warning, Message = "{StorePath}: {Adjustment}")]
    private static partial void LogChunkSizeAdjusted(ILogger logger, string storePath, string adjustment);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: new upload session {SessionId} for {FileSize} bytes in chunks of {ChunkSize}")]
    private static partial void LogStarting(ILogger logger, string storePath, Guid sessionId, long fileSize, long chunkSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: resuming upload session {SessionId}: {Received} of {FileSize} bytes already on the server, {RangeCount} ranges to send")]
    private static partial void LogResuming(ILogger logger, string storePath, Guid sessionId, long received, long fileSize, int rangeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{StorePath}: deleting this machine's upload session {SessionId} and starting over: {Reason}")]
    private static partial void LogStartingOver(ILogger logger, string storePath, Guid sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{StorePath}: deleting the foreign upload session {SessionId} (replace requested)")]
    private static partial void LogReplacingForeign(ILogger logger, string storePath, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{StorePath}: session {SessionId} expects ranges no allowed chunk can send ({Missing}); starting over")]
    private static partial void LogUnplannable(ILogger logger, string storePath, Guid sessionId, string missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: session {SessionId} refused bytes {Range} ({Error}); re-reading its ExpectedRanges")]
    private static partial void LogRangeRefused(ILogger logger, string storePath, Guid sessionId, string range, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: commit of session {SessionId} refused ({Code}: {Error}); re-reading its ExpectedRanges")]
    private static partial void LogCommitRefused(ILogger logger, string storePath, Guid sessionId, string code, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: session {SessionId} still expects {Missing}")]
    private static partial void LogResync(ILogger logger, string storePath, Guid sessionId, string missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: committed {FileSize} bytes (session {SessionId}, resumed {Resumed}, {AlreadyThere} bytes were on the server, {Sent} sent, {Retries} retries) in {Seconds:0.0} s")]
    private static partial void LogUploaded(ILogger logger, string storePath, long fileSize, Guid sessionId, bool resumed, long alreadyThere, long sent, int retries, double seconds);
}
