using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using BlobImageStore.Client;
using BlobImageStore.Client.Uploads;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BlobImageStore.Cli;

/// <summary>The <c>imagestore</c> command tree.</summary>
public static class Commands
{
    /// <summary>Parses and runs a command line: usage errors (unknown options included) exit 2 before anything is sent.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        var global = new GlobalOptions();
        var root = Build(global, console);
        var parse = root.Parse(args);
        var errors = UsageErrors(parse);
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                console.Error.WriteLine($"error: {error}");
            }

            const string hint = "run 'imagestore --help' or 'imagestore <command> --help' for the usage; '--' ends the options (imagestore rm -- -odd-name).";
            console.Error.WriteLine($"hint: {hint}");
            if (WantsJson(parse, global))
            {
                Results.Write(console, OutputFormat.Json, new ErrorOutput(new ErrorDetail("usage", null, string.Join(" ", errors), hint, ExitCodes.Usage)),
                    CliJson.Output.ErrorOutput, _ => []);
            }

            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }

    private static bool WantsJson(ParseResult parse, GlobalOptions global)
    {
        try
        {
            return parse.GetResult(global.Output) is { } result && !result.Errors.Any() && parse.GetValue(global.Output) == OutputFormat.Json;
        }
        catch (InvalidOperationException)
        {
            return false; // the option itself is what is wrong
        }
    }

    /// <summary>
    /// The parser's errors, plus every command argument that looks like an option (<c>-x</c>, <c>--json</c>) and came
    /// before <c>--</c>: System.CommandLine takes an unknown option as an argument value, which would make
    /// <c>imagestore rm --recursve x</c> delete a path named <c>--recursve</c>.
    /// </summary>
    public static IReadOnlyList<string> UsageErrors(ParseResult parse)
    {
        var errors = parse.Errors.Select(e => e.Message).ToList();
        var tokens = parse.Tokens;
        var doubleDash = tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        for (var command = parse.CommandResult; command is not null; command = command.Parent as CommandResult)
        {
            foreach (var argument in command.Children.OfType<ArgumentResult>())
            {
                foreach (var token in argument.Tokens)
                {
                    var index = tokens.ToList().FindIndex(t => ReferenceEquals(t, token));
                    if (token.Value.Length > 1 && token.Value[0] == '-' && (doubleDash < 0 || index < doubleDash))
                    {
                        errors.Add($"unknown option '{token.Value}' for 'imagestore {parse.CommandResult.Command.Name}' (a path that starts with '-' goes after '--').");
                    }
                }
            }
        }

        return errors;
    }

    /// <summary>The command tree, writing to <paramref name="console"/>.</summary>
    public static RootCommand Build(GlobalOptions global, CliConsole console)
    {
        var root = new RootCommand("imagestore: resumable uploads and file management for the Service Fabric Image Store REST API.");
        foreach (var option in global.All)
        {
            root.Options.Add(option);
        }

        var run = new Runner(global, console);
        root.Subcommands.Add(Upload(run));
        root.Subcommands.Add(Status(run));
        root.Subcommands.Add(List(run));
        root.Subcommands.Add(DiskUsage(run));
        root.Subcommands.Add(Remove(run));
        root.Subcommands.Add(Copy(run));
        root.Subcommands.Add(Info(run));
        root.Subcommands.Add(Sessions(run));
        root.Subcommands.Add(ClusterCommands.Build(run, global));
        return root;
    }

    private static Command Upload(Runner run)
    {
        var source = new Argument<string>("source") { Description = "Local file, or folder (an application package)" };
        var target = new Argument<string>("store-path") { Description = "Path in the store, e.g. MyApp or MyApp/Code/big.bin; ending in '/', a file goes into that folder under its own name" };
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
        var force = new Option<bool>("--force") { Description = "Send every file again, even those committed unchanged before; replace an open session this machine did not start" };
        var progress = new Option<ProgressMode>("--progress") { Description = "Progress on stderr: auto (bars on a terminal, else plain lines), bars, plain, json (one event per line) or none", DefaultValueFactory = _ => ProgressMode.Auto };

        var command = new Command("upload", "Upload a file or a folder tree; run again, it sends only what the store is missing")
        {
            source, target, parallel, chunkSize, maxChunk, threshold, limitRate, resume, force, progress,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, "upload", async (services, output) =>
        {
            var from = parse.GetValue(source)!;
            var requested = parse.GetValue(target)!;
            var mode = ProgressView.Resolve(parse.GetValue(progress), output.Quiet, run.Console);
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
                var to = StorePaths.RequireFilePath(requested);
                var options = new PackageUploadOptions
                {
                    Files = files,
                    Parallelism = files.Parallelism,
                    SessionThreshold = parse.GetValue(threshold) ?? 4 * ChunkSizing.MiB,
                    SkipUnchanged = !parse.GetValue(force),
                };
                var total = PackageUploader.Scan(from).Files.Sum(f => f.Size);
                var uploader = services.GetRequiredService<PackageUploader>();
                var result = await ProgressView.RunAsync(mode, run.Console, to, total, package: true, p => uploader.UploadAsync(from, to, options, p, ct));
                output.Write(
                    new UploadFolderOutput("folder", from, result.StorePath, result.Files, result.Bytes, result.SessionFiles, result.ResumedFiles,
                        result.SkippedFiles, result.SkippedBytes, result.MarkFiles, result.BytesSent, Math.Round(result.Elapsed.TotalSeconds, 3)),
                    CliJson.Output.UploadFolderOutput,
                    r => [
                        string.Create(CultureInfo.InvariantCulture,
                            $"uploaded {r.Source} -> {r.StorePath}: {r.Files} files, {Sizes.Format(r.Bytes)} ({r.Bytes} bytes) in {r.ElapsedSeconds:0.0} s"),
                        string.Create(CultureInfo.InvariantCulture,
                            $"  {r.SkippedFiles} unchanged and skipped ({r.SkippedBytes} bytes), {r.SessionFiles} through upload sessions ({r.ResumedFiles} resumed), {r.MarkFiles} _.dir mark files, {r.BytesSent} bytes sent"),
                    ]);
                return ExitCodes.Success;
            }

            if (!File.Exists(from))
            {
                throw new FileNotFoundException($"'{from}' is neither a file nor a folder.", from);
            }

            // "upload f.bin Folder/" puts the file into Folder under its own name (not a file named "Folder").
            var path = requested.EndsWith('/') || requested.EndsWith('\\')
                ? StorePaths.Combine(requested, Path.GetFileName(from))
                : StorePaths.RequireFilePath(requested);
            var single = services.GetRequiredService<ResumableUploader>();
            var size = new FileInfo(from).Length;
            var done = await ProgressView.RunAsync(mode, run.Console, path, size, package: false, p => single.UploadAsync(from, path, files, new FileRelay(p, size), ct));
            output.Write(
                new UploadFileOutput("file", from, done.StorePath, done.FileSize, done.SessionId, done.Resumed, done.BytesAlreadyOnServer, done.BytesSent,
                    done.ChunkSize, done.Retries, Math.Round(done.Elapsed.TotalSeconds, 3)),
                CliJson.Output.UploadFileOutput,
                r => [
                    string.Create(CultureInfo.InvariantCulture,
                        $"uploaded {r.Source} -> {r.StorePath}: {Sizes.Format(r.FileSize)} ({r.FileSize} bytes) in {r.ElapsedSeconds:0.0} s, {Sizes.Format(r.BytesSent / Math.Max(0.001, r.ElapsedSeconds))}/s sent"),
                    r.Resumed
                        ? string.Create(CultureInfo.InvariantCulture, $"  resumed session {r.SessionId}: {r.BytesAlreadyOnServer} bytes were already on the server, {r.BytesSent} bytes sent, chunks of {Sizes.Format(r.ChunkSize)}, {r.Retries} retries")
                        : string.Create(CultureInfo.InvariantCulture, $"  session {r.SessionId}: {r.BytesSent} bytes sent, chunks of {Sizes.Format(r.ChunkSize)}, {r.Retries} retries"),
                ]);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Status(Runner run)
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
        command.SetAction((parse, ct) => run.RunAsync(parse, "status", async (services, output) =>
        {
            var client = services.GetRequiredService<IUploadSessionClient>();
            var found = parse.GetValue(session) is { } id
                ? (await client.GetUploadSessionAsync(id, ct) is { } one ? [one] : [])
                : await client.GetUploadSessionsByPathAsync(parse.GetValue(path)!, ct);
            var journal = services.GetRequiredService<IResumeJournal>();
            var sessions = found.Select(s =>
            {
                var mine = journal.Load(client.Endpoint, StorePaths.Normalize(s.StoreRelativePath));
                return new SessionOutput(s.SessionId, StorePaths.Normalize(s.StoreRelativePath), s.FileSize, s.ReceivedBytes, s.MissingBytes,
                    s.ExpectedRanges.Select(r => new RangeOutput(r.First, r.Last)).ToList(), s.ModifiedDate,
                    mine?.SessionId == s.SessionId ? mine.LocalPath : null);
            }).ToList();
            output.Write(new StatusOutput(sessions), CliJson.Output.StatusOutput, r => r.Sessions.Count == 0
                ? [parse.GetValue(session) is { } missing ? $"no open upload session {missing}" : $"no open upload session for {StorePaths.Normalize(parse.GetValue(path)!)}"]
                : r.Sessions.SelectMany(s => new[]
                {
                    $"session    {s.SessionId}",
                    $"path       {s.Path}",
                    string.Create(CultureInfo.InvariantCulture, $"file size  {s.FileSize} bytes ({Sizes.Format(s.FileSize)})"),
                    string.Create(CultureInfo.InvariantCulture, $"received   {s.ReceivedBytes} bytes ({(s.FileSize == 0 ? 0 : s.ReceivedBytes * 100 / s.FileSize)}%)"),
                    string.Create(CultureInfo.InvariantCulture,
                        $"expected   {s.ExpectedBytes} bytes in {s.ExpectedRanges.Count} ranges: {string.Join(", ", s.ExpectedRanges.Take(20).Select(x => $"{x.First}-{x.Last}"))}{(s.ExpectedRanges.Count > 20 ? ", …" : "")}"),
                    $"modified   {s.Modified:yyyy-MM-ddTHH:mm:ss.fffZ}",
                    s.LocalPath is { } local
                        ? $"local      {local} (started on this machine: 'imagestore upload' resumes it)"
                        : "local      not started on this machine (no resume journal entry)",
                }));
            return sessions.Count == 0 ? ExitCodes.NotFound : ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command List(Runner run)
    {
        var path = new Argument<string?>("path") { Description = "Folder to list (default: the root)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ls", "List the files and folders at a store path") { path };
        command.SetAction((parse, ct) => run.RunAsync(parse, "ls", async (services, output) =>
        {
            var requested = StorePaths.Normalize(parse.GetValue(path) ?? string.Empty);
            var content = await services.GetRequiredService<IImageStoreReader>().ListAsync(requested, ct);
            var listing = new ListOutput(
                requested,
                content.StoreFiles.Select(f => new ListFileOutput(StorePaths.Normalize(f.StoreRelativePath), f.FileSize, f.ModifiedDate, f.FileVersion?.VersionNumber))
                    .OrderBy(f => f.Path, StringComparer.Ordinal).ToList(),
                content.StoreFolders.Select(f => new ListFolderOutput(StorePaths.Normalize(f.StoreRelativePath), f.FileCount))
                    .OrderBy(f => f.Path, StringComparer.Ordinal).ToList());
            output.Write(listing, CliJson.Output.ListOutput, r =>
            {
                var rows = r.Folders.Select(f => (Path: f.Path + "/", Size: "-", Detail: $"{f.FileCount} files"))
                    .Concat(r.Files.Select(f => (f.Path, Size: f.Size.ToString(CultureInfo.InvariantCulture),
                        Detail: f.Modified?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-")))
                    .OrderBy(x => x.Path, StringComparer.Ordinal)
                    .ToList();
                var width = rows.Count == 0 ? 1 : rows.Max(x => x.Size.Length);
                var detail = rows.Count == 0 ? 1 : rows.Max(x => x.Detail.Length);
                return rows.Select(x => $"{x.Size.PadLeft(width)}  {x.Detail.PadRight(detail)}  {x.Path}");
            });
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command DiskUsage(Runner run)
    {
        var path = new Argument<string?>("path") { Description = "Folder (default: the root)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("du", "Total size of the files under a folder (FolderSize)") { path };
        command.SetAction((parse, ct) => run.RunAsync(parse, "du", async (services, output) =>
        {
            var requested = StorePaths.Normalize(parse.GetValue(path) ?? string.Empty);
            var size = await services.GetRequiredService<IImageStoreReader>().GetFolderSizeAsync(requested, ct);
            output.Write(new FolderSizeOutput(requested, size.FolderSize), CliJson.Output.FolderSizeOutput,
                r => [string.Create(CultureInfo.InvariantCulture, $"{r.Bytes}\t{Sizes.Format(r.Bytes)}\t{(r.Path.Length == 0 ? "/" : r.Path)}")]);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Remove(Runner run)
    {
        var path = new Argument<string>("path") { Description = "File or folder to delete (a path starting with '-' goes after '--')" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Required to delete a folder: everything under it goes" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation on a terminal" };
        var command = new Command("rm", "Delete a file, or with --recursive a folder tree, from the store") { path, recursive, yes };
        command.SetAction((parse, ct) => run.RunAsync(parse, "rm", async (services, output) =>
        {
            var target = StorePaths.RequireFilePath(parse.GetValue(path)!);
            var reader = services.GetRequiredService<IImageStoreReader>();
            ImageStoreContent first;
            try
            {
                first = await reader.ListPageAsync(target, null, ct);
            }
            catch (ImageStoreException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                if (!await EndpointServesImageStoreAsync(reader, ct))
                {
                    throw; // the hint says the endpoint may be wrong
                }

                throw new CliException(ExitCodes.NotFound, ImageStoreException.DoesNotExist,
                    $"nothing to delete: there is no file or folder '{target}' in the store.",
                    $"list the folder above it with '{("imagestore ls " + Parent(target)).Trim()}' (paths are case-sensitive).");
            }

            var isFile = first.StoreFolders.Count == 0 && first.StoreFiles.Count == 1 && StorePaths.Normalize(first.StoreFiles[0].StoreRelativePath) == target;
            RemoveOutput removed;
            if (isFile)
            {
                removed = new RemoveOutput(target, "file", 1, first.StoreFiles[0].FileSize);
            }
            else
            {
                var all = await reader.ListAsync(target, ct);
                var count = all.StoreFiles.Count + all.StoreFolders.Sum(f => f.FileCount);
                var bytes = (await reader.GetFolderSizeAsync(target, ct)).FolderSize;
                var what = string.Create(CultureInfo.InvariantCulture, $"the folder '{target}' and everything under it: {count} files, {Sizes.Format(bytes)} ({bytes} bytes)");
                if (!parse.GetValue(recursive))
                {
                    throw new CliException(ExitCodes.Usage, "usage", $"'{target}' is a folder ({count} files, {Sizes.Format(bytes)}); nothing was deleted.",
                        $"to delete {what}, run 'imagestore rm --recursive {target}'.");
                }

                if (run.Console.Interactive && !parse.GetValue(yes)
                    && !await run.Console.ErrorConsole.PromptAsync(new ConfirmationPrompt($"Delete {Markup.Escape(what)}?") { DefaultValue = false }, ct))
                {
                    throw new CliException(ExitCodes.NotConfirmed, "declined", $"not confirmed: '{target}' was not deleted.", "pass --yes to delete without a question.");
                }

                removed = new RemoveOutput(target, "folder", count, bytes);
            }

            await services.GetRequiredService<IImageStoreWriter>().DeleteContentAsync(target, ct);
            output.Write(removed, CliJson.Output.RemoveOutput, r => [r.Kind == "file"
                ? $"deleted {r.Deleted}"
                : string.Create(CultureInfo.InvariantCulture, $"deleted folder {r.Deleted}: {r.Files} files, {r.Bytes} bytes")]);
            return ExitCodes.Success;
        }, ct));
        return command;

        static string Parent(string path) => path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
    }

    /// <summary>True when the endpoint answers the root listing: a bare 404 elsewhere then means the path is missing,
    /// not that the endpoint is wrong.</summary>
    internal static async Task<bool> EndpointServesImageStoreAsync(IImageStoreReader reader, CancellationToken cancellationToken)
    {
        try
        {
            await reader.ListPageAsync(null, null, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is ImageStoreException or HttpRequestException or TimeoutException)
        {
            return false;
        }
    }

    private static Command Copy(Runner run)
    {
        var source = new Argument<string>("source") { Description = "Store path to copy" };
        var destination = new Argument<string>("destination") { Description = "Store path to copy to" };
        var skip = new Option<string[]>("--skip") { Description = "File names to leave out (repeatable)", AllowMultipleArgumentsPerToken = true };
        var checkMark = new Option<bool>("--check-mark-file") { Description = "Copy only if the source folder has its _.dir mark file" };
        var command = new Command("cp", "Copy a file or folder inside the store") { source, destination, skip, checkMark };
        command.SetAction((parse, ct) => run.RunAsync(parse, "cp", async (services, output) =>
        {
            var copy = new CopyDescription(StorePaths.RequireFilePath(parse.GetValue(source)!), StorePaths.RequireFilePath(parse.GetValue(destination)!))
            {
                SkipFiles = parse.GetValue(skip) is { Length: > 0 } s ? s : null,
                CheckMarkFile = parse.GetValue(checkMark) ? true : null,
            };
            await services.GetRequiredService<IImageStoreWriter>().CopyContentAsync(copy, ct);
            output.Write(new CopyOutput(copy.RemoteSource, copy.RemoteDestination), CliJson.Output.CopyOutput, r => [$"copied {r.Source} -> {r.Destination}"]);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Info(Runner run)
    {
        var command = new Command("info", "Capacity and usage of the store (GetImageStoreInfo)");
        command.SetAction((parse, ct) => run.RunAsync(parse, "info", async (services, output) =>
        {
            var info = await services.GetRequiredService<IImageStoreReader>().GetInfoAsync(ct);
            var usage = new Dictionary<string, UsageOutput?>
            {
                ["metadata"] = Usage(info.UsedByMetadata),
                ["staging"] = Usage(info.UsedByStaging),
                ["copy"] = Usage(info.UsedByCopy),
                ["register"] = Usage(info.UsedByRegister),
            };
            output.Write(new InfoOutput(info.DiskInfo?.Capacity, info.DiskInfo?.AvailableSpace, usage), CliJson.Output.InfoOutput, r =>
                new[] { $"capacity   {Bytes(r.Capacity)}", $"available  {Bytes(r.Available)}" }
                    .Concat(r.Usage.Select(u => $"{u.Key,-10} {Bytes(u.Value?.UsedSpace)} in {u.Value?.FileCount?.ToString(CultureInfo.InvariantCulture) ?? "-"} files")));
            return ExitCodes.Success;
        }, ct));
        return command;

        static UsageOutput? Usage(UsageInfo? u) => u is null ? null : new UsageOutput(u.UsedSpace, u.FileCount);

        static string Bytes(long? n) => n is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v} bytes ({Sizes.Format(v)})") : "-";
    }

    private static Command Sessions(Runner run)
    {
        var id = new Argument<Guid>("session-id") { Description = "Upload session to delete" };
        var remove = new Command("rm", "Delete an upload session and the chunks it received") { id };
        remove.SetAction((parse, ct) => run.RunAsync(parse, "sessions rm", async (services, output) =>
        {
            var session = parse.GetValue(id);
            await services.GetRequiredService<IUploadSessionClient>().DeleteUploadSessionAsync(session, ct);
            var forgotten = services.GetRequiredService<IResumeJournal>().ForgetSession(session);
            output.Write(new SessionRemoveOutput(session, forgotten), CliJson.Output.SessionRemoveOutput,
                r => [$"deleted upload session {r.Deleted}" + (r.JournalEntriesRemoved > 0 ? " (and its local resume journal entry)" : "")]);
            return ExitCodes.Success;
        }, ct));
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

    /// <summary>A single file's progress in the package shape the view takes.</summary>
    private sealed class FileRelay(IProgress<PackageProgress> inner, long size) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) =>
            inner.Report(new PackageProgress(1, value.Phase == UploadPhase.Completed ? 1 : 0, size, value.BytesSent, value.BytesConfirmed, value.BytesPerSecond, value));
    }
}
