using System.Collections.Concurrent;
using System.Diagnostics;
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
}

/// <summary>Progress of a package: totals, and the file whose progress changed (null for a small file's completion).</summary>
public readonly record struct PackageProgress(
    int TotalFiles,
    int CompletedFiles,
    long TotalBytes,
    long BytesSent,
    long BytesConfirmed,
    double BytesPerSecond,
    UploadProgress? File);

public sealed record PackageUploadResult(
    string StorePath,
    int Files,
    long Bytes,
    int SessionFiles,
    int ResumedFiles,
    int MarkFiles,
    long BytesSent,
    TimeSpan Elapsed);

/// <summary>
/// Uploads a local folder tree to a store path the way <c>Copy-SFApplicationPackage</c> does: every file (small ones
/// whole, large ones through resumable sessions), then a <c>_.dir</c> mark file in each folder, deepest first, so a
/// folder is marked complete only after everything under it is there. An existing <c>_.dir</c> in the source is not
/// copied (the marks are written by the uploader). Run again after an interruption, it sends the small files again
/// and resumes each large one.
/// </summary>
public sealed partial class PackageUploader
{
    public const string MarkFileName = "_.dir";

    private readonly IImageStoreWriter _writer;
    private readonly ResumableUploader _files;
    private readonly ILogger<PackageUploader> _logger;

    public PackageUploader(IImageStoreWriter writer, ResumableUploader files, ILogger<PackageUploader>? logger = null)
    {
        _writer = writer;
        _files = files;
        _logger = logger ?? NullLogger<PackageUploader>.Instance;
    }

    /// <summary>The package's files (relative, <c>/</c>-separated) and folders (root as ""), as they will be uploaded.</summary>
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

    public async Task<PackageUploadResult> UploadAsync(
        string localFolder, string storePath, PackageUploadOptions? options, IProgress<PackageProgress>? progress, CancellationToken cancellationToken)
    {
        options ??= new PackageUploadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1, nameof(options.Parallelism));
        var started = Stopwatch.StartNew();
        var root = StorePaths.RequireFilePath(storePath);
        var (files, folders) = Scan(localFolder);
        var totals = new Totals(files.Count, files.Sum(f => f.Size), progress);
        LogStarting(_logger, localFolder, root, files.Count, totals.TotalBytes, folders.Count);

        var small = files.Where(f => f.Size <= options.SessionThreshold).ToList();
        var large = files.Where(f => f.Size > options.SessionThreshold).ToList();

        await Parallel.ForEachAsync(small, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var bytes = await File.ReadAllBytesAsync(file.FullPath, token);
            await _writer.UploadFileAsync(StorePaths.Combine(root, file.Relative), bytes, token);
            totals.SmallFileDone(bytes.Length);
        });

        var resumed = 0;
        foreach (var file in large)
        {
            var result = await _files.UploadAsync(file.FullPath, StorePaths.Combine(root, file.Relative), options.Files, totals.ForFile(), cancellationToken);
            resumed += result.Resumed ? 1 : 0;
            totals.LargeFileDone(result.StorePath);
        }

        var marks = 0;
        if (options.WriteMarkFiles)
        {
            foreach (var folder in folders)
            {
                await _writer.UploadFileAsync(StorePaths.Combine(root, folder.Length == 0 ? MarkFileName : folder + "/" + MarkFileName), ReadOnlyMemory<byte>.Empty, cancellationToken);
                marks++;
            }
        }

        var summary = new PackageUploadResult(root, files.Count, totals.TotalBytes, large.Count, resumed, marks, totals.Sent, started.Elapsed);
        LogUploaded(_logger, root, files.Count, totals.TotalBytes, large.Count, resumed, marks, started.Elapsed.TotalSeconds);
        return summary;
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

        public void SmallFileDone(long bytes)
        {
            Interlocked.Add(ref _doneBytes, bytes);
            Interlocked.Add(ref _doneSent, bytes);
            Interlocked.Increment(ref _doneFiles);
            Report(null);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded {StorePath}: {Files} files, {Bytes} bytes ({SessionFiles} through sessions, {Resumed} resumed), {Marks} mark files, in {Seconds:0.0} s")]
    private static partial void LogUploaded(ILogger logger, string storePath, int files, long bytes, int sessionFiles, int resumed, int marks, double seconds);
}
