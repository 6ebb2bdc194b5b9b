using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using BlobImageStore.Client;
using BlobImageStore.Client.Uploads;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Cli;

/// <summary>The <c>imagestore</c> command tree.</summary>
public static class Commands
{
    public static RootCommand Build()
    {
        var global = new GlobalOptions();
        var root = new RootCommand("imagestore: resumable uploads and file management for the Service Fabric Image Store REST API.");
        foreach (var option in global.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(Upload(global));
        root.Subcommands.Add(Status(global));
        root.Subcommands.Add(List(global));
        root.Subcommands.Add(DiskUsage(global));
        root.Subcommands.Add(Remove(global));
        root.Subcommands.Add(Copy(global));
        root.Subcommands.Add(Info(global));
        root.Subcommands.Add(Sessions(global));
        return root;
    }

    private static Command Upload(GlobalOptions global)
    {
        var source = new Argument<string>("source") { Description = "Local file, or folder (an application package)" };
        var target = new Argument<string>("store-path") { Description = "Path in the store, e.g. MyApp or MyApp/Code/big.bin" };
        var parallel = new Option<int>("--parallel", "-p") { Description = "Chunks (and small files) sent at once", DefaultValueFactory = _ => 4 };
        parallel.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--parallel must be at least 1.");
            }
        });
        var chunkSize = SizeOption("--chunk-size", "Chunk size, e.g. 4MiB, 64MiB or bytes (default: chosen from the file size)");
        var maxChunk = SizeOption("--max-chunk-size", "The server's largest chunk (its ImageStore:MaxChunkSize)", ChunkSizing.DefaultMaxChunkSize);
        var threshold = SizeOption("--session-threshold", "Folder uploads: files above this size go through resumable sessions", 4 * ChunkSizing.MiB);
        var limitRate = SizeOption("--limit-rate", "Bandwidth limit per file in bytes per second, e.g. 10MiB");
        var resume = new Option<bool>("--resume") { Description = "Resume this machine's interrupted upload (--resume false starts over)", DefaultValueFactory = _ => true };
        var force = new Option<bool>("--force") { Description = "Replace an open session on the path that this machine did not start" };

        var command = new Command("upload", "Upload a file or a folder tree; an interrupted upload resumes when run again")
        {
            source, target, parallel, chunkSize, maxChunk, threshold, limitRate, resume, force,
        };
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var from = parse.GetValue(source)!;
            var to = StorePaths.RequireFilePath(parse.GetValue(target)!);
            var files = new FileUploadOptions
            {
                ChunkSize = parse.GetValue(chunkSize),
                MaxChunkSize = parse.GetValue(maxChunk) ?? ChunkSizing.DefaultMaxChunkSize,
                Parallelism = parse.GetValue(parallel),
                Resume = parse.GetValue(resume),
                ReplaceForeignSession = parse.GetValue(force),
                MaxBytesPerSecond = parse.GetValue(limitRate),
            };

            if (Directory.Exists(from))
            {
                var options = new PackageUploadOptions
                {
                    Files = files,
                    Parallelism = files.Parallelism,
                    SessionThreshold = parse.GetValue(threshold) ?? 4 * ChunkSizing.MiB,
                };
                var total = PackageUploader.Scan(from).Files.Sum(f => f.Size);
                var uploader = services.GetRequiredService<PackageUploader>();
                var result = await ProgressView.RunAsync($"{to} (total)", total, p => uploader.UploadAsync(from, to, options, p, ct));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"uploaded {from} -> {result.StorePath}: {result.Files} files, {Sizes.Format(result.Bytes)} ({result.Bytes} bytes) in {result.Elapsed.TotalSeconds:0.0} s"));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {result.SessionFiles} through upload sessions ({result.ResumedFiles} resumed), {result.MarkFiles} _.dir mark files, {result.BytesSent} bytes sent"));
                return ExitCodes.Success;
            }

            if (!File.Exists(from))
            {
                throw new FileNotFoundException($"'{from}' is neither a file nor a folder.", from);
            }

            var single = services.GetRequiredService<ResumableUploader>();
            var size = new FileInfo(from).Length;
            var done = await ProgressView.RunAsync(to, size, p => single.UploadAsync(from, to, files, new FileRelay(p, size), ct));
            var rate = done.BytesSent / Math.Max(0.001, done.Elapsed.TotalSeconds);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"uploaded {from} -> {done.StorePath}: {Sizes.Format(done.FileSize)} ({done.FileSize} bytes) in {done.Elapsed.TotalSeconds:0.0} s, {Sizes.Format(rate)}/s"));
            Console.Out.WriteLine(done.Resumed
                ? string.Create(CultureInfo.InvariantCulture, $"  resumed session {done.SessionId}: {done.BytesAlreadyOnServer} bytes were already on the server, {done.BytesSent} bytes sent, chunks of {Sizes.Format(done.ChunkSize)}, {done.Retries} retries")
                : string.Create(CultureInfo.InvariantCulture, $"  session {done.SessionId}: {done.BytesSent} bytes sent, chunks of {Sizes.Format(done.ChunkSize)}, {done.Retries} retries"));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Status(GlobalOptions global)
    {
        var path = new Argument<string?>("store-path") { Description = "Path of the file being uploaded", Arity = ArgumentArity.ZeroOrOne };
        var session = new Option<Guid?>("--session") { Description = "Upload session id instead of a path" };
        var command = new Command("status", "Show the open upload session of a path (or of a session id): what the server has and still expects") { path, session };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(path) is null) == (r.GetValue(session) is null))
            {
                r.AddError("Give either a store path or --session <id>.");
            }
        });
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var client = services.GetRequiredService<IUploadSessionClient>();
            var found = parse.GetValue(session) is { } id
                ? (await client.GetUploadSessionAsync(id, ct) is { } one ? [one] : [])
                : await client.GetUploadSessionsByPathAsync(parse.GetValue(path)!, ct);
            if (found.Count == 0)
            {
                Console.Out.WriteLine(parse.GetValue(session) is { } missing
                    ? $"no open upload session {missing}"
                    : $"no open upload session for {StorePaths.Normalize(parse.GetValue(path)!)}");
                return ExitCodes.NotFound;
            }

            var journal = services.GetRequiredService<IResumeJournal>();
            foreach (var s in found)
            {
                var mine = journal.Load(client.Endpoint, StorePaths.Normalize(s.StoreRelativePath));
                Console.Out.WriteLine($"session    {s.SessionId}");
                Console.Out.WriteLine($"path       {s.StoreRelativePath}");
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file size  {s.FileSize} bytes ({Sizes.Format(s.FileSize)})"));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"received   {s.ReceivedBytes} bytes ({(s.FileSize == 0 ? 0 : s.ReceivedBytes * 100 / s.FileSize)}%)"));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"expected   {s.MissingBytes} bytes in {s.ExpectedRanges.Count} ranges: {string.Join(", ", s.ExpectedRanges.Take(20))}{(s.ExpectedRanges.Count > 20 ? ", …" : "")}"));
                Console.Out.WriteLine($"modified   {s.ModifiedDate:yyyy-MM-ddTHH:mm:ss.fffZ}");
                Console.Out.WriteLine(mine?.SessionId == s.SessionId
                    ? $"local      {mine.LocalPath} (started on this machine: 'imagestore upload' resumes it)"
                    : "local      not started on this machine (no resume journal entry)");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List(GlobalOptions global)
    {
        var path = new Argument<string?>("path") { Description = "Folder to list (default: the root)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ls", "List the files and folders at a store path") { path };
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var content = await services.GetRequiredService<IImageStoreReader>().ListAsync(parse.GetValue(path), ct);
            var rows = content.StoreFolders.Select(f => (Path: StorePaths.Normalize(f.StoreRelativePath) + "/", Size: "-", Detail: $"{f.FileCount} files"))
                .Concat(content.StoreFiles.Select(f => (Path: StorePaths.Normalize(f.StoreRelativePath), Size: f.FileSize.ToString(CultureInfo.InvariantCulture),
                    Detail: f.ModifiedDate?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-")))
                .OrderBy(r => r.Path, StringComparer.Ordinal)
                .ToList();
            var width = rows.Count == 0 ? 1 : rows.Max(r => r.Size.Length);
            var detail = rows.Count == 0 ? 1 : rows.Max(r => r.Detail.Length);
            foreach (var row in rows)
            {
                Console.Out.WriteLine($"{row.Size.PadLeft(width)}  {row.Detail.PadRight(detail)}  {row.Path}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command DiskUsage(GlobalOptions global)
    {
        var path = new Argument<string?>("path") { Description = "Folder (default: the root)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("du", "Total size of the files under a folder (FolderSize)") { path };
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var requested = parse.GetValue(path);
            var size = await services.GetRequiredService<IImageStoreReader>().GetFolderSizeAsync(requested, ct);
            var shown = StorePaths.Normalize(requested ?? string.Empty);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{size.FolderSize}\t{Sizes.Format(size.FolderSize)}\t{(shown.Length == 0 ? "/" : shown)}"));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Remove(GlobalOptions global)
    {
        var path = new Argument<string>("path") { Description = "File or folder to delete, with everything under it" };
        var command = new Command("rm", "Delete a file or a folder tree from the store") { path };
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var target = StorePaths.RequireFilePath(parse.GetValue(path)!);
            await services.GetRequiredService<IImageStoreWriter>().DeleteContentAsync(target, ct);
            Console.Out.WriteLine($"deleted {target}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Copy(GlobalOptions global)
    {
        var source = new Argument<string>("source") { Description = "Store path to copy" };
        var destination = new Argument<string>("destination") { Description = "Store path to copy to" };
        var skip = new Option<string[]>("--skip") { Description = "File names to leave out (repeatable)", AllowMultipleArgumentsPerToken = true };
        var checkMark = new Option<bool>("--check-mark-file") { Description = "Copy only if the source folder has its _.dir mark file" };
        var command = new Command("cp", "Copy a file or folder inside the store") { source, destination, skip, checkMark };
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var copy = new CopyDescription(StorePaths.RequireFilePath(parse.GetValue(source)!), StorePaths.RequireFilePath(parse.GetValue(destination)!))
            {
                SkipFiles = parse.GetValue(skip) is { Length: > 0 } s ? s : null,
                CheckMarkFile = parse.GetValue(checkMark) ? true : null,
            };
            await services.GetRequiredService<IImageStoreWriter>().CopyContentAsync(copy, ct);
            Console.Out.WriteLine($"copied {copy.RemoteSource} -> {copy.RemoteDestination}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Info(GlobalOptions global)
    {
        var command = new Command("info", "Capacity and usage of the store (GetImageStoreInfo)");
        command.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var info = await services.GetRequiredService<IImageStoreReader>().GetInfoAsync(ct);
            Console.Out.WriteLine($"capacity   {Bytes(info.DiskInfo?.Capacity)}");
            Console.Out.WriteLine($"available  {Bytes(info.DiskInfo?.AvailableSpace)}");
            foreach (var (name, usage) in new[] { ("metadata", info.UsedByMetadata), ("staging", info.UsedByStaging), ("copy", info.UsedByCopy), ("register", info.UsedByRegister) })
            {
                Console.Out.WriteLine($"{name,-10} {Bytes(usage?.UsedSpace)} in {usage?.FileCount?.ToString(CultureInfo.InvariantCulture) ?? "-"} files");
            }

            return ExitCodes.Success;
        }));
        return command;

        static string Bytes(long? n) => n is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v} bytes ({Sizes.Format(v)})") : "-";
    }

    private static Command Sessions(GlobalOptions global)
    {
        var id = new Argument<Guid>("session-id") { Description = "Upload session to delete" };
        var remove = new Command("rm", "Delete an upload session and the chunks it received") { id };
        remove.SetAction((parse, ct) => RunAsync(global, parse, async services =>
        {
            var session = parse.GetValue(id);
            await services.GetRequiredService<IUploadSessionClient>().DeleteUploadSessionAsync(session, ct);
            var forgotten = services.GetRequiredService<IResumeJournal>().ForgetSession(session);
            Console.Out.WriteLine($"deleted upload session {session}" + (forgotten > 0 ? " (and its local resume journal entry)" : ""));
            return ExitCodes.Success;
        }));
        return new Command("sessions", "Manage upload sessions") { remove };
    }

    private static Option<long?> SizeOption(string name, string description, long? defaultValue = null)
    {
        var option = new Option<long?>(name)
        {
            Description = description,
            CustomParser = r => Sizes.TryParse(r.Tokens.Single().Value, out var bytes, out var error) ? bytes : GlobalOptions.Fail<long?>(r, error!),
        };
        if (defaultValue is { } d)
        {
            option.DefaultValueFactory = _ => d;
        }

        return option;
    }

    /// <summary>Runs a command: builds the services, prints errors as "error: CODE (HTTP n): message" plus a hint, maps them to exit codes.</summary>
    private static async Task<int> RunAsync(GlobalOptions global, ParseResult parse, Func<IServiceProvider, Task<int>> action)
    {
        await using var services = global.BuildServices(parse);
        try
        {
            return await action(services);
        }
        catch (Exception e)
        {
            var endpoint = parse.GetValue(global.Endpoint)!;
            Console.Out.Flush();
            Console.Error.WriteLine(e switch
            {
                ImageStoreException f => $"error: {f.Code} (HTTP {(int)f.StatusCode}): {f.Message}",
                OperationCanceledException => "error: cancelled",
                _ => $"error: {e.Message}",
            });
            if (ExitCodes.Hint(e, endpoint) is { } hint)
            {
                Console.Error.WriteLine($"hint: {hint}");
            }

            var code = ExitCodes.For(e);
            if (code == ExitCodes.Failure)
            {
                Console.Error.WriteLine(e.ToString());
            }

            return code;
        }
    }

    /// <summary>A single file's progress in the package shape the view takes.</summary>
    private sealed class FileRelay(IProgress<PackageProgress> inner, long size) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) =>
            inner.Report(new PackageProgress(1, value.Phase == UploadPhase.Completed ? 1 : 0, size, value.BytesSent, value.BytesConfirmed, value.BytesPerSecond, value));
    }
}
