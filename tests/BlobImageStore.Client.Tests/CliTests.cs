using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Client.Tests;

/// <summary>The built CLI as a process: documented output lines and exit codes.</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class CliTests(ClientStoreFixture store)
{
    private readonly string _journal = TestSessions.TempDir();

    private string Endpoint => store.Proxy.Address.ToString();

    private Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(_journal, [.. args, "--endpoint", Endpoint]);

    [Fact]
    public async Task Upload_ls_du_cp_rm_print_their_documented_lines_and_exit_codes()
    {
        var source = Path.Combine(store.Scratch, "cli-" + Guid.NewGuid().ToString("N"));
        store.NewFile(3000, 1, Path.Combine(source, "ApplicationManifest.xml"));
        store.NewFile(2 * 1024 * 1024, 2, Path.Combine(source, "Code", "app.bin"));
        var root = "cli-" + Guid.NewGuid().ToString("N");

        var upload = await Run("upload", source, root, "--session-threshold", "1MiB", "--chunk-size", "1MiB", "--api-key", "key-123");
        Assert.True(upload.ExitCode == 0, upload.ToString());
        Assert.Contains($"uploaded {source} -> {root}: 2 files, 2.0 MiB ({3000 + 2 * 1024 * 1024} bytes)", upload.Stdout);
        Assert.Contains("0 unchanged and skipped (0 bytes), 1 through upload sessions (0 resumed), 2 _.dir mark files", upload.Stdout);
        Assert.Contains("progress 100%", upload.Stderr); // plain progress lines, on stderr: it is not a terminal
        Assert.DoesNotContain("progress", upload.Stdout);
        Assert.Contains("key-123", store.Proxy.FunctionKeys);

        var ls = await Run("ls", root);
        Assert.Equal(0, ls.ExitCode);
        var lines = ls.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("3000 ", StringComparison.Ordinal) && l.EndsWith($" {root}/ApplicationManifest.xml", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("- ", StringComparison.Ordinal) && l.EndsWith($" {root}/Code/", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("0 ", StringComparison.Ordinal) && l.EndsWith($" {root}/_.dir", StringComparison.Ordinal));

        var du = await Run("du", root);
        Assert.Equal(0, du.ExitCode);
        Assert.Equal($"{3000 + 2 * 1024 * 1024}\t2.0 MiB\t{root}", du.Stdout.Trim());

        var cp = await Run("cp", root, root + "-copy");
        Assert.Equal(0, cp.ExitCode);
        Assert.Equal($"copied {root} -> {root}-copy", cp.Stdout.Trim());
        Assert.Equal($"{3000 + 2 * 1024 * 1024}\t2.0 MiB\t{root}-copy", (await Run("du", root + "-copy")).Stdout.Trim());

        var rm = await Run("rm", "--recursive", root + "-copy");
        Assert.Equal(0, rm.ExitCode);
        Assert.Equal($"deleted folder {root}-copy: 4 files, {3000 + 2 * 1024 * 1024} bytes", rm.Stdout.Trim());

        var gone = await Run("ls", root + "-copy");
        Assert.Equal(3, gone.ExitCode);
        Assert.StartsWith("error: FABRIC_E_DOES_NOT_EXIST (HTTP 404):", gone.Stderr);
        Assert.Contains("hint: ", gone.Stderr);
    }

    [Fact]
    public async Task Status_shows_an_open_session_and_a_foreign_one_blocks_upload_until_sessions_rm()
    {
        var local = store.NewFile(3 * 1024 * 1024, 3);
        var path = ClientStoreFixture.NewStorePath("status.bin");

        var none = await Run("status", path);
        Assert.Equal(3, none.ExitCode);
        Assert.Equal($"no open upload session for {path}", none.Stdout.Trim());

        // Another uploader's session with its first MiB received.
        var foreign = Guid.NewGuid();
        await Fabric.AssertOkAsync(await store.ServerApi.UploadChunkAsync(path, foreign, await File.ReadAllBytesAsync(local), 0, 1024 * 1024 - 1));

        var status = await Run("status", path);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"session    {foreign}", status.Stdout);
        Assert.Contains("received   1048576 bytes (33%)", status.Stdout);
        Assert.Contains($"expected   2097152 bytes in 1 ranges: 1048576-{3 * 1024 * 1024 - 1}", status.Stdout);
        Assert.Contains("not started on this machine", status.Stdout);
        Assert.Equal(status.Stdout, (await Run("status", "--session", foreign.ToString())).Stdout);

        var blocked = await Run("upload", local, path);
        Assert.Equal(4, blocked.ExitCode);
        Assert.Contains("error: FABRIC_E_UPLOAD_SESSION_ID_CONFLICT (HTTP 409):", blocked.Stderr); // after the progress lines, also on stderr
        Assert.Contains(foreign.ToString(), blocked.Stderr);
        Assert.Contains("hint: ", blocked.Stderr);

        var removed = await Run("sessions", "rm", foreign.ToString());
        Assert.Equal(0, removed.ExitCode);
        Assert.Equal($"deleted upload session {foreign}", removed.Stdout.Trim());
        Assert.Equal(3, (await Run("status", "--session", foreign.ToString())).ExitCode);

        var upload = await Run("upload", local, path);
        Assert.True(upload.ExitCode == 0, upload.ToString());
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));
    }

    [Fact]
    public async Task Ctrl_c_stops_an_upload_with_exit_130_and_leaves_it_resumable()
    {
        var local = store.NewFile(24 * 1024 * 1024, 24);
        var path = ClientStoreFixture.NewStorePath("interrupted.bin");
        string[] upload = ["upload", local, path, "--endpoint", Endpoint, "--chunk-size", "4MiB", "--parallel", "1"];
        using var cli = CliProcess.Start(_journal, [.. upload, "--limit-rate", "2MiB"]); // 12 s: time to interrupt it midway, even on a loaded machine
        // Interrupt once the CLI reports its second chunk under way (the first one was answered: --parallel 1).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!cli.StderrSoFar.Contains("4.0 MiB of 24.0 MiB", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "no chunk was sent:\n" + cli.StderrSoFar);
            await Task.Delay(50);
        }

        cli.Signal("INT");
        var stopped = await cli.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Contains("error: cancelled", stopped.Stderr);
        Assert.NotNull(await store.ServerApi.GetSessionByPathAsync(path));

        var resumed = await CliProcess.RunAsync(_journal, upload);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resumed session", resumed.Stdout);
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_an_unreachable_server_exits_6()
    {
        var badSize = await Run("upload", "x", "y", "--chunk-size", "4M");
        Assert.Equal(2, badSize.ExitCode);
        Assert.Contains("'4M' is not a size", badSize.Stderr);

        var noFile = await Run("upload", Path.Combine(store.Scratch, "does-not-exist.bin"), "a/b");
        Assert.Equal(2, noFile.ExitCode);
        Assert.Contains("is neither a file nor a folder", noFile.Stderr);

        var noCommand = await CliProcess.RunAsync(_journal, "frobnicate");
        Assert.Equal(2, noCommand.ExitCode);

        var port = Server.Hosting.AzuriteProcess.FreePort(); // nothing listens there
        var unreachable = await CliProcess.RunAsync(_journal, "ls", "--endpoint", $"http://127.0.0.1:{port}", "--retries", "1");
        Assert.Equal(6, unreachable.ExitCode);
        Assert.Contains($"hint: is the image store running at http://127.0.0.1:{port}/?", unreachable.Stderr);
    }
}
