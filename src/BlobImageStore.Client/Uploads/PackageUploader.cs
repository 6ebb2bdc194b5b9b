using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlobImageStore.Client.Uploads;

/// <summary>How a folder tree (an application package) is uploaded.</summary>
public sealed class PackageUploadOptions
{
    /// <summary>Files up to this size go whole with UploadFile; larger ones through resumable sessions. Default 4 MiB.</summary>
    public long SessionThreshold { get; set; } = 4 * ChunkSizing.MiB;

    /// <summary>Small files sent at once.</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>How the large files go (chunk size, parallel chunks, resume, rate limit).</summary>
    public FileUploadOptions Files { get; set; } = new();

    /// <summary>Write a <c>_.dir</c> mark file in every folder, root included, after all files, deepest folder first.</summary>
    public bool WriteMarkFiles { get; set; } = true;

    /// <summary>Skip files this machine committed earlier that are unchanged on both sides (default): the local file's
    /// SHA-256 equals the one recorded at the commit, and the server lists the <c>FileVersion</c> recorded just after it.
    /// False sends every file again.</summary>
    public bool SkipUnchanged { get; set; } = true;
}

/// <summary>Progress of a package: totals, and the file whose progress changed.</summary>
/// <param name="TotalFiles">Files in the package.</param>
/// <param name="CompletedFiles">Files committed or skipped so far.</param>
/// <param name="TotalBytes">Bytes in the package.</param>
/// <param name="BytesSent">Body bytes written to the network in this run.</param>
/// <param name="BytesConfirmed">Bytes the server holds: committed, skipped as unchanged, or acknowledged in sessions.</param>
/// <param name="BytesPerSecond">Sending rate over the last few seconds (bytes sent in this run only).</param>
/// <param name="File">The file whose progress changed, or null.</param>
public readonly record struct PackageProgress(
    int TotalFiles,
    int CompletedFiles,
    long TotalBytes,
    long BytesSent,
    long BytesConfirmed,
    double BytesPerSecond,
    UploadProgress? File);

/// <summary>What a package upload did.</summary>
/// <param name="StorePath">The package's store path.</param>
/// <param name="Files">Files in the package.</param>
/// <param name="Bytes">Bytes in the package.</param>
/// <param name="SessionFiles">Files sent through upload sessions.</param>
/// <param name="ResumedFiles">Of those, sessions resumed from an earlier run.</param>
/// <param name="SkippedFiles">Files not sent: committed earlier by this machine and unchanged on both sides.</param>
/// <param name="SkippedBytes">Their bytes.</param>
/// <param name="MarkFiles"><c>_.dir</c> mark files written.</param>
/// <param name="BytesSent">Body bytes written to the network in this run.</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record PackageUploadResult(
    string StorePath,
    int Files,
    long Bytes,
    int SessionFiles,
    int ResumedFiles,
    int SkippedFiles,
    long SkippedBytes,
    int MarkFiles,
    long BytesSent,
    TimeSpan Elapsed);

/// <summary>
/// Uploads a local folder tree to a store path the way <c>Copy-SFApplicationPackage</c> does: every file (small ones
/// whole, large ones through resumable sessions), then a <c>_.dir</c> mark file in each folder, deepest first, so a
/// folder is marked complete only after everything under it is there. An existing <c>_.dir</c> in the source is not
/// copied (the marks are written by the uploader).
/// <para>Run again (after an interruption, or after a completed run) it sends only what is missing: a file this machine
/// committed is skipped when its local SHA-256 is the one recorded at the commit and the server still lists the
/// <c>FileVersion</c> recorded right after it; an unfinished session resumes from its <c>ExpectedRanges</c>; everything
/// else is sent. When nothing was sent and every mark is there, the marks are not written again.</para>
/// </summary>
public sealed partial class PackageUploader
{
    /// <summary>The mark file of a complete folder.</summary>
    public const string MarkFileName = ImageStoreProtocol.MarkFileName;

    private readonly IImageStoreWriter _writer;
    private readonly IImageStoreReader _reader;
    private readonly ResumableUploader _files;
    private readonly ILogger<PackageUploader> _logger;

    /// <summary>An uploader that sends small files with <paramref name="writer"/>, large ones with <paramref name="files"/>,
    /// and reads the server's versions with <paramref name="reader"/>; its records of committed files go to the
    /// journal of <paramref name="files"/>.</summary>
    /// <param name="writer">UploadFile.</param>
    /// <param name="reader">Listings (the versions of committed files).</param>
    /// <param name="files">The resumable uploader for large files.</param>
    /// <param name="logger">Optional.</param>
    public PackageUploader(IImageStoreWriter writer, IImageStoreReader reader, ResumableUploader files, ILogger<PackageUploader>? logger = null)
    {
        _writer = writer;
        _reader = reader;
        _files = files;
        _logger = logger ?? NullLogger<PackageUploader>.Instance;
    }

    /// <summary>The package's files (relative, <c>/</c>-separated) and folders (root as ""), as they will be uploaded.</summary>
    /// <param name="localFolder">The package folder.</param>
    /// <returns>Files sorted by path; folders deepest first.</returns>
    public static (IReadOnlyList<(string Relative, string FullPath, long Size)> Files, IReadOnlyList<string> Folders) Scan(string localFolder)
    {
        var root = new DirectoryInfo(localFolder);
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"The folder '{localFolder}' does not exist.");
        }

        var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        var files = root.EnumerateFiles("*", walk)
            .Where(f => f.Name != MarkFileName)
            .Select(f => (Relative: Relative(root, f.FullName), f.FullName, Size: f.Length))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        var folders = root.EnumerateDirectories("*", walk).Select(d => Relative(root, d.FullName)).Prepend(string.Empty)
            .OrderByDescending(d => d.Length == 0 ? 0 : d.Count(c => c == '/') + 1)
            .ThenBy(d => d, StringComparer.Ordinal)
            .ToList();
        return (files, folders);
    }

    /// <summary>Uploads <paramref name="localFolder"/> to <paramref name="storePath"/>, sending only what the store is missing.</summary>
    /// <param name="localFolder">The package folder.</param>
    /// <param name="storePath">Where it goes.</param>
    /// <param name="options">Thresholds, parallelism, skipping; null for the defaults.</param>
    /// <param name="progress">Reports totals and per-file progress; optional.</param>
    /// <param name="cancellationToken">Stops the upload; a later run continues it.</param>
    /// <returns>What was sent, skipped and resumed.</returns>
    public async Task<PackageUploadResult> UploadAsync(
        string localFolder, string storePath, PackageUploadOptions? options = null, IProgress<PackageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PackageUploadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1, nameof(options.Parallelism));
        var started = Stopwatch.StartNew();
        var root = StorePaths.RequireFilePath(storePath);
        var (files, folders) = Scan(localFolder);
        var totals = new Totals(files.Count, files.Sum(f => f.Size), progress);
        LogStarting(_logger, localFolder, root, files.Count, totals.TotalBytes, folders.Count);

        var onServer = await ListServerFilesAsync(root, folders, cancellationToken);
        var toSend = new List<(string Relative, string FullPath, long Size)>();
        long skippedBytes = 0;
        foreach (var file in files)
        {
            var path = StorePaths.Combine(root, file.Relative);
            if (options.SkipUnchanged && await IsCommittedIdenticallyAsync(file.FullPath, path, file.Size, onServer, cancellationToken))
            {
                skippedBytes += file.Size;
                totals.FileSkipped(path, file.Size);
                continue;
            }

            toSend.Add(file);
        }

        var small = toSend.Where(f => f.Size <= options.SessionThreshold).ToList();
        var large = toSend.Where(f => f.Size > options.SessionThreshold).ToList();

        await Parallel.ForEachAsync(small, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var path = StorePaths.Combine(root, file.Relative);
            var bytes = await File.ReadAllBytesAsync(file.FullPath, token);
            await _writer.UploadFileAsync(path, bytes, token);
            await RecordCommitAsync(path, bytes.Length, Convert.ToHexString(SHA256.HashData(bytes)), token);
            totals.SmallFileDone(path, bytes.Length);
        });

        var resumed = 0;
        foreach (var file in large)
        {
            var path = StorePaths.Combine(root, file.Relative);
            var digest = await Sha256Async(file.FullPath, cancellationToken);
            var result = await _files.UploadAsync(file.FullPath, path, options.Files, totals.ForFile(), cancellationToken);
            await RecordCommitAsync(path, result.FileSize, digest, cancellationToken);
            resumed += result.Resumed ? 1 : 0;
            totals.LargeFileDone(result.StorePath);
        }

        var marks = 0;
        if (options.WriteMarkFiles)
        {
            var allMarked = folders.All(f => onServer.ContainsKey(MarkPath(root, f)));
            if (toSend.Count > 0 || !allMarked || !options.SkipUnchanged)
            {
                foreach (var folder in folders)
                {
                    await _writer.UploadFileAsync(MarkPath(root, folder), ReadOnlyMemory<byte>.Empty, cancellationToken);
                    marks++;
                }
            }
        }

        var summary = new PackageUploadResult(root, files.Count, totals.TotalBytes, large.Count, resumed, files.Count - toSend.Count, skippedBytes, marks, totals.Sent, started.Elapsed);
        LogUploaded(_logger, root, files.Count, totals.TotalBytes, large.Count, resumed, files.Count - toSend.Count, marks, started.Elapsed.TotalSeconds);
        return summary;
    }

    private static string MarkPath(string root, string folder) => StorePaths.Combine(root, folder.Length == 0 ? MarkFileName : folder + "/" + MarkFileName);

    /// <summary>The files the server lists in the package's folders, by normalised store path (one listing per folder;
    /// a folder that is not there lists nothing).</summary>
    private async Task<Dictionary<string, StoreFileInfo>> ListServerFilesAsync(string root, IReadOnlyList<string> folders, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoreFileInfo>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            try
            {
                await foreach (var page in _reader.ListPagesAsync(StorePaths.Combine(root, folder), null, cancellationToken))
                {
                    foreach (var file in page.StoreFiles)
                    {
                        found[StorePaths.Normalize(file.StoreRelativePath)] = file;
                    }
                }
            }
            catch (ImageStoreException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                // Nothing there yet.
            }
        }

        return found;
    }

    /// <summary>Committed by this machine with these bytes, and not written since: the record's digest equals the local
    /// file's SHA-256 now (read in full), and the server lists the file with the record's size and version.</summary>
    private async Task<bool> IsCommittedIdenticallyAsync(string localFile, string path, long size, Dictionary<string, StoreFileInfo> onServer, CancellationToken cancellationToken)
    {
        var record = _files.Journal.LoadCommitted(_files.Endpoint, path);
        if (record is null || record.FileSize != size
            || !onServer.TryGetValue(path, out var server) || server.FileSize != size
            || server.FileVersion?.VersionNumber is not { } version || version != record.VersionNumber)
        {
            return false;
        }

        var same = string.Equals(await Sha256Async(localFile, cancellationToken), record.Sha256, StringComparison.OrdinalIgnoreCase);
        if (same)
        {
            LogSkipped(_logger, path, size, version);
        }

        return same;
    }

    /// <summary>Records what was committed, with the version the server lists for it now.</summary>
    private async Task RecordCommitAsync(string path, long size, string sha256, CancellationToken cancellationToken)
    {
        var listed = await _reader.ListPageAsync(path, null, cancellationToken);
        var file = listed.StoreFiles.FirstOrDefault(f => StorePaths.Normalize(f.StoreRelativePath) == path);
        if (file?.FileVersion?.VersionNumber is { } version && file.FileSize == size)
        {
            _files.Journal.SaveCommitted(new CommittedFile(_files.Endpoint, path, size, sha256, version, DateTimeOffset.UtcNow));
        }
    }

    private static async Task<string> Sha256Async(string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static string Relative(DirectoryInfo root, string full) =>
        Path.GetRelativePath(root.FullName, full).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>Adds up the files' progress into the package's.</summary>
    private sealed class Totals(int totalFiles, long totalBytes, IProgress<PackageProgress>? progress)
    {
        private readonly ConcurrentDictionary<string, UploadProgress> _large = new(StringComparer.Ordinal);
        private readonly RateMeter _rate = new(TimeSpan.FromSeconds(3));
        private long _doneBytes;
        private long _doneSent;
        private int _doneFiles;

        public long TotalBytes => totalBytes;

        public long Sent => Interlocked.Read(ref _doneSent) + _large.Values.Sum(p => p.BytesSent);

        public void SmallFileDone(string storePath, long bytes)
        {
            Interlocked.Add(ref _doneBytes, bytes);
            Interlocked.Add(ref _doneSent, bytes);
            Interlocked.Increment(ref _doneFiles);
            Report(new UploadProgress(storePath, bytes, bytes, bytes, 0, UploadPhase.Completed));
        }

        public void FileSkipped(string storePath, long bytes)
        {
            Interlocked.Add(ref _doneBytes, bytes);
            Interlocked.Increment(ref _doneFiles);
            Report(new UploadProgress(storePath, bytes, 0, bytes, 0, UploadPhase.Skipped));
        }

        public void LargeFileDone(string storePath)
        {
            if (_large.TryRemove(storePath, out var last))
            {
                Interlocked.Add(ref _doneBytes, last.TotalBytes);
                Interlocked.Add(ref _doneSent, last.BytesSent);
            }

            Interlocked.Increment(ref _doneFiles);
            Report(null);
        }

        public IProgress<UploadProgress> ForFile() => new Relay(this);

        private void Report(UploadProgress? file)
        {
            if (progress is null)
            {
                return;
            }

            var inFlight = _large.Values.ToList();
            var sent = Interlocked.Read(ref _doneSent) + inFlight.Sum(p => p.BytesSent);
            var confirmed = Interlocked.Read(ref _doneBytes) + inFlight.Sum(p => p.BytesConfirmed);
            progress.Report(new PackageProgress(totalFiles, Volatile.Read(ref _doneFiles), totalBytes, sent, confirmed, _rate.Sample(sent), file));
        }

        private sealed class Relay(Totals totals) : IProgress<UploadProgress>
        {
            public void Report(UploadProgress value)
            {
                totals._large[value.StorePath] = value;
                totals.Report(value);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploading {LocalFolder} to {StorePath}: {Files} files, {Bytes} bytes, {Folders} folders")]
    private static partial void LogStarting(ILogger logger, string localFolder, string storePath, int files, long bytes, int folders);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded {StorePath}: {Files} files, {Bytes} bytes ({SessionFiles} through sessions, {Resumed} resumed, {Skipped} unchanged and skipped), {Marks} mark files, in {Seconds:0.0} s")]
    private static partial void LogUploaded(ILogger logger, string storePath, int files, long bytes, int sessionFiles, int resumed, int skipped, int marks, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{StorePath}: skipped, committed earlier by this machine with the same SHA-256 ({FileSize} bytes) and still at version {Version}")]
    private static partial void LogSkipped(ILogger logger, string storePath, long fileSize, string version);
}
