using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// A real Azurite for one test fixture: its own free port and temp folder, telemetry and the API-version check off
/// (see <see cref="AzuriteProcess"/>), stopped by its PID and its folder removed on dispose.
/// </summary>
public sealed class TestAzurite : IAsyncDisposable
{
    private TestAzurite(AzuriteProcess process, string folder)
    {
        Process = process;
        Folder = folder;
    }

    public AzuriteProcess Process { get; }

    /// <summary>The fixture's temp folder (Azurite's data is in <c>azurite/</c> below it); free for the fixture's own files too.</summary>
    public string Folder { get; }

    public string ConnectionString => Process.ConnectionString;

    public static async Task<TestAzurite> StartAsync(string name, bool inMemory = false)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"blobimagestore-{name}-{Guid.NewGuid():N}");
        var process = await AzuriteProcess.StartAsync(
            new AzuriteOptions { ToolsRoot = RepoPaths.Root, Port = AzuriteProcess.FreePort(), Location = Path.Combine(folder, "azurite"), InMemory = inMemory },
            reuseRunning: false, CancellationToken.None);
        return new TestAzurite(process, folder);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
