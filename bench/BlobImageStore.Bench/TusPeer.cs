using System.Diagnostics;
using System.Text.Json;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.Bench;

/// <summary>
/// The tus peer: @tus/server with @tus/azure-store (bench/tus, pinned by its own npm lock) on the same Azurite,
/// uploaded by tus-js-client. The tus Azure store supports neither parallel nor concatenated uploads, so its client
/// sends one chunk at a time.
/// </summary>
public sealed class TusPeer : IAsyncDisposable
{
    public const string Container = "tus";

    private static readonly string Folder = Path.Combine(RepoPaths.Root, "bench", "tus");

    private readonly Process _server;

    private TusPeer(Process server, int port)
    {
        _server = server;
        Endpoint = $"http://127.0.0.1:{port}/files";
    }

    public string Endpoint { get; }

    public int Pid => _server.Id;

    public static async Task<TusPeer> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        var port = AzuriteProcess.FreePort();
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "server.mjs", port.ToString(System.Globalization.CultureInfo.InvariantCulture), connectionString, Container })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        if (line is null || !line.Contains("listening", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The tus server did not start: " + await process.StandardError.ReadToEndAsync(cancellationToken));
        }

        return new TusPeer(process, port);
    }

    /// <summary>Uploads the file with tus-js-client; returns the blob name the tus Azure store wrote.</summary>
    public async Task<string> UploadAsync(string file, long chunkSize, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "client.mjs", Endpoint, file, chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var client = Process.Start(start)!;
        var output = await client.StandardOutput.ReadToEndAsync(cancellationToken);
        await client.WaitForExitAsync(cancellationToken);
        if (client.ExitCode != 0)
        {
            throw new InvalidOperationException("tus-js-client failed: " + await client.StandardError.ReadToEndAsync(cancellationToken));
        }

        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("blob").GetString()!;
    }

    public ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit(10_000);
        }

        _server.Dispose();
        return ValueTask.CompletedTask;
    }
}
