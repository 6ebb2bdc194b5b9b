using System.Security.Cryptography;
using Azure.Storage.Blobs;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Client.Tests.Infrastructure;

/// <summary>
/// One Azurite (in memory, its own port), one server process in front of it (1 MiB staging blocks, so a 4 MiB chunk
/// is several blocks and a cut-off chunk leaves real partial state; 25 entries per listing page), and the <see cref="CountingProxy"/> in front of
/// the server. Clients under test talk to the proxy; checks read the server directly or the blobs in Azurite.
/// </summary>
public sealed class ClientStoreFixture : IAsyncLifetime
{
    public static IReadOnlyDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>
    {
        ["ImageStore__BlockSize"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Small listing pages, so that listings through the client and the CLI follow continuation tokens.
        ["ImageStore__ListPageSize"] = "25",
    };

    public TestAzurite Azurite { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public CountingProxy Proxy { get; private set; } = null!;

    /// <summary>Raw HTTP straight to the server (not through the proxy): the server's own view.</summary>
    public ImageStoreApi ServerApi { get; private set; } = null!;

    public BlobContainerClient Files { get; private set; } = null!;

    public string Scratch => Path.Combine(Azurite.Folder, "scratch");

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("client", inMemory: true);
        Directory.CreateDirectory(Scratch);
        Server = await ServerProcess.StartAsync(Azurite.ConnectionString, ServerSettings);
        Proxy = await CountingProxy.StartAsync(Server.Address);
        ServerApi = new ImageStoreApi(Server.Address);
        Files = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient("imagestore");
    }

    /// <summary>A client through the proxy, with fast retries and optional handlers (e.g. fault injection) in front of the network.</summary>
    public ImageStoreClient Client(HttpMessageHandler? handler = null, int maxRetries = 6) => new(
        new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan },
        Options.Create(new ImageStoreClientOptions
        {
            Endpoint = Proxy.Address,
            Timeout = TimeSpan.FromSeconds(60),
            Retry = new RetryOptions { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1) },
        }));

    /// <summary>A local file of random bytes in the scratch folder.</summary>
    public string NewFile(long size, int seed, string? name = null)
    {
        var path = Path.Combine(Scratch, name ?? $"{Guid.NewGuid():N}.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[1024 * 1024];
        using var file = File.Create(path);
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
        }

        return path;
    }

    public static string NewStorePath(string name = "file.bin") => $"ct-{Guid.NewGuid():N}/{name}";

    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of the committed blob, read from Azurite (not from the server, not from the client).</summary>
    public async Task<string> BlobSha256Async(string storePath)
    {
        await using var stream = await Files.GetBlobClient(storePath).OpenReadAsync();
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }

    public async Task DisposeAsync()
    {
        ServerApi.Dispose();
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClientStoreCollection : ICollectionFixture<ClientStoreFixture>
{
    public const string Name = "client-store";
}
