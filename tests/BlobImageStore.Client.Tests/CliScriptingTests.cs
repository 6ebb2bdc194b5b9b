using System.Text.Json;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Errors;

namespace BlobImageStore.Client.Tests;

/// <summary>The CLI for scripts: <c>-o json</c>, <c>--progress json</c>, <c>--quiet</c>, stdout for results and stderr
/// for people, unknown options refused (the built CLI as a process).</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class CliScriptingTests(ClientStoreFixture store)
{
    private readonly string _journal = TestSessions.TempDir();

    private string Endpoint => store.Proxy.Address.ToString();

    private Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(_journal, [.. args, "--endpoint", Endpoint]);

    /// <summary>stdout is exactly one JSON document; returns its root.</summary>
    private static JsonElement Json(CliResult result)
    {
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        return JsonDocument.Parse(lines[0]).RootElement.Clone();
    }

    private static void HasProperties(JsonElement element, params string[] names) =>
        Assert.Equal(names.Order(StringComparer.Ordinal), element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

    [Fact]
    public async Task Every_command_with_o_json_prints_one_json_document_of_the_documented_shape()
    {
        var source = Path.Combine(store.Scratch, "json-" + Guid.NewGuid().ToString("N"));
        store.NewFile(3000, 1, Path.Combine(source, "ApplicationManifest.xml"));
        store.NewFile(2 * 1024 * 1024, 2, Path.Combine(source, "Code", "app.bin"));
        var single = store.NewFile(1500, 3);
        var root = "json-" + Guid.NewGuid().ToString("N");

        var folder = await Run("upload", source, root, "--session-threshold", "1MiB", "-o", "json");
        Assert.Equal(0, folder.ExitCode);
        var f = Json(folder);
        HasProperties(f, "kind", "source", "storePath", "files", "bytes", "sessionFiles", "resumedFiles", "skippedFiles", "skippedBytes", "markFiles", "bytesSent", "elapsedSeconds");
        Assert.Equal("folder", f.GetProperty("kind").GetString());
        Assert.Equal(2, f.GetProperty("files").GetInt32());
        Assert.Equal(3000 + 2 * 1024 * 1024, f.GetProperty("bytesSent").GetInt64());

        var file = await Run("upload", single, root + "/", "-o", "json");
        Assert.Equal(0, file.ExitCode);
        var u = Json(file);
        HasProperties(u, "kind", "source", "storePath", "fileSize", "sessionId", "resumed", "bytesAlreadyOnServer", "bytesSent", "chunkSize", "retries", "elapsedSeconds");
        Assert.Equal($"{root}/{Path.GetFileName(single)}", u.GetProperty("storePath").GetString()); // a trailing '/' means "into that folder"

        var ls = Json(await Run("ls", root, "-o", "json"));
        HasProperties(ls, "path", "files", "folders");
        Assert.Contains(ls.GetProperty("files").EnumerateArray(), e => e.GetProperty("path").GetString() == $"{root}/ApplicationManifest.xml" && e.GetProperty("size").GetInt64() == 3000);
        HasProperties(ls.GetProperty("files")[0], "path", "size", "modified", "version");
        HasProperties(ls.GetProperty("folders")[0], "path", "fileCount");

        var du = Json(await Run("du", root, "-o", "json"));
        HasProperties(du, "path", "bytes");
        Assert.Equal(3000 + 2 * 1024 * 1024 + 1500, du.GetProperty("bytes").GetInt64());

        var none = await Run("status", root + "/nothing.bin", "-o", "json");
        Assert.Equal(3, none.ExitCode);
        Assert.Empty(Json(none).GetProperty("sessions").EnumerateArray());

        var cp = Json(await Run("cp", root, root + "-copy", "-o", "json"));
        HasProperties(cp, "source", "destination");

        var rm = await Run("rm", "-r", root + "-copy", "-o", "json");
        Assert.Equal(0, rm.ExitCode);
        var r = Json(rm);
        HasProperties(r, "deleted", "kind", "files", "bytes");
        Assert.Equal("folder", r.GetProperty("kind").GetString());

        var info = Json(await Run("info", "-o", "json"));
        HasProperties(info, "capacity", "available", "usage");

        var sessions = Json(await Run("sessions", "rm", Guid.NewGuid().ToString(), "-o", "json"));
        HasProperties(sessions, "deleted", "journalEntriesRemoved");

        var missing = await Run("ls", root + "-copy", "-o", "json");
        Assert.Equal(3, missing.ExitCode);
        var error = Json(missing).GetProperty("error");
        HasProperties(error, "code", "status", "message", "hint", "exitCode");
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.Equal(3, error.GetProperty("exitCode").GetInt32());
        Assert.Contains("error: FABRIC_E_DOES_NOT_EXIST", missing.Stderr); // people still read stderr
    }

    [Fact]
    public async Task Progress_and_hints_go_to_stderr_results_to_stdout_and_quiet_leaves_only_the_result()
    {
        var local = store.NewFile(3 * 1024 * 1024, 7);
        var path = ClientStoreFixture.NewStorePath("quiet.bin");

        var plain = await Run("upload", local, path, "--chunk-size", "1MiB", "--progress", "plain");
        Assert.Equal(0, plain.ExitCode);
        Assert.All(plain.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.DoesNotContain("progress", l));
        Assert.Contains("progress 100%", plain.Stderr);
        Assert.StartsWith($"uploaded {local} -> {path}", plain.Stdout);

        var quiet = await Run("upload", local, path, "--chunk-size", "1MiB", "--quiet");
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal(string.Empty, quiet.Stderr);
        Assert.StartsWith($"uploaded {local} -> {path}", quiet.Stdout);

        var failed = await Run("ls", ClientStoreFixture.NewStorePath("none"), "--quiet");
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal(string.Empty, failed.Stdout);
        Assert.Contains("hint: ", failed.Stderr); // errors are never silenced
    }

    [Fact]
    public async Task Progress_json_writes_one_event_per_line_on_stderr()
    {
        var source = Path.Combine(store.Scratch, "events-" + Guid.NewGuid().ToString("N"));
        store.NewFile(100, 1, Path.Combine(source, "small.txt"));
        store.NewFile(3 * 1024 * 1024, 2, Path.Combine(source, "big.bin"));
        var root = "events-" + Guid.NewGuid().ToString("N");

        var run = await Run("upload", source, root, "--session-threshold", "1MiB", "--chunk-size", "1MiB", "--progress", "json", "-o", "json");
        Assert.Equal(0, run.ExitCode);
        Json(run);
        var events = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => HasProperties(e, "event", "path", "phase", "totalBytes", "bytesSent", "bytesConfirmed", "bytesPerSecond", "completedFiles", "totalFiles"));
        Assert.Contains(events, e => e.GetProperty("path").GetString() == $"{root}/big.bin" && e.GetProperty("phase").GetString() == "completed");
        Assert.Contains(events, e => e.GetProperty("path").GetString() == $"{root}/small.txt" && e.GetProperty("phase").GetString() == "completed");
    }

    [Fact]
    public async Task Unknown_options_are_usage_errors_with_exit_2_and_send_nothing()
    {
        var requests = store.Proxy.Puts.Count;
        var json = await Run("ls", "--json");
        Assert.Equal(2, json.ExitCode);
        Assert.Contains("unknown option '--json'", json.Stderr);

        var typo = await Run("rm", "--recursve", "something");
        Assert.Equal(2, typo.ExitCode);

        var flagOnly = await Run("rm", "--recursive");
        Assert.Equal(2, flagOnly.ExitCode); // no path: nothing named "--recursive" is deleted

        var badFormat = await Run("ls", "-o", "yaml");
        Assert.Equal(2, badFormat.ExitCode);

        var jsonUsage = await Run("ls", "--bogus", "-o", "json");
        Assert.Equal(2, jsonUsage.ExitCode);
        Assert.Equal(2, Json(jsonUsage).GetProperty("error").GetProperty("exitCode").GetInt32());
        Assert.Equal(requests, store.Proxy.Puts.Count);
    }

    [Fact]
    public async Task A_bare_404_says_the_endpoint_may_be_wrong_and_a_missing_path_says_so()
    {
        // The Functions routes have no /api prefix: an endpoint with one gets 404s without a FabricError body.
        var wrong = await CliProcess.RunAsync(_journal, "ls", "MyApp", "--endpoint", store.Proxy.Address + "api");
        Assert.Equal(3, wrong.ExitCode);
        Assert.Contains("hint: the endpoint may be wrong", wrong.Stderr);
        Assert.Contains("no /api prefix", wrong.Stderr);

        var missing = await Run("ls", ClientStoreFixture.NewStorePath("nothing"));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("hint: nothing is at that path", missing.Stderr);
        Assert.DoesNotContain("endpoint may be wrong", missing.Stderr);
    }

    [Fact]
    public async Task Rm_needs_recursive_for_a_folder_says_when_nothing_is_there_and_takes_paths_after_double_dash()
    {
        var root = "rm-" + Guid.NewGuid().ToString("N");
        var client = store.Client();
        await client.UploadFileAsync($"{root}/a/one.bin", new byte[10]);
        await client.UploadFileAsync($"{root}/a/b/two.bin", new byte[20]);
        await client.UploadFileAsync($"-z{root}", new byte[5]);

        var folder = await Run("rm", $"{root}/a");
        Assert.Equal(2, folder.ExitCode);
        Assert.Contains($"'{root}/a' is a folder (2 files", folder.Stderr);
        Assert.Contains("--recursive", folder.Stderr);
        Assert.Equal(30, (await client.GetFolderSizeAsync($"{root}/a")).FolderSize); // nothing was deleted

        var recursive = await Run("rm", "--recursive", $"{root}/a");
        Assert.Equal(0, recursive.ExitCode);
        Assert.Equal($"deleted folder {root}/a: 2 files, 30 bytes", recursive.Stdout.Trim());

        var nope = await Run("rm", $"{root}/Nope");
        Assert.Equal(3, nope.ExitCode);
        Assert.Contains($"nothing to delete: there is no file or folder '{root}/Nope' in the store", nope.Stderr);
        Assert.Equal(string.Empty, nope.Stdout);

        var undashed = await Run("rm", $"-z{root}");
        Assert.Equal(2, undashed.ExitCode); // taken for an unknown option, not deleted
        var dashed = await CliProcess.RunAsync(_journal, "--endpoint", Endpoint, "rm", "--", $"-z{root}");
        Assert.True(dashed.ExitCode == 0, dashed.ToString());
        Assert.Equal($"deleted -z{root}", dashed.Stdout.Trim());
    }

    [Fact]
    public async Task Hints_name_only_options_the_command_has()
    {
        var conflict = new ImageStoreException(System.Net.HttpStatusCode.Conflict, FabricErrorCodes.UploadSessionIdConflict, "busy");
        var endpoint = new Uri("http://127.0.0.1:19080");
        Assert.Contains("--force", Cli.ExitCodes.Hint(conflict, endpoint, "upload"));
        Assert.DoesNotContain("--force", Cli.ExitCodes.Hint(conflict, endpoint, "cp"));
        Assert.DoesNotContain("/api", Cli.ExitCodes.WrongEndpointHint(endpoint).Replace("no /api prefix", "", StringComparison.Ordinal));
        var badEndpoint = await CliProcess.RunAsync(_journal, "ls", "--endpoint", "ftp://x");
        Assert.Equal(2, badEndpoint.ExitCode);
        Assert.DoesNotContain("azurewebsites.net/api", badEndpoint.Stderr);
    }
}
