using System.Security.Cryptography;
using Azure.Storage.Blobs;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BlobImageStore.BrowserTests.Infrastructure;

/// <summary>
/// One Azurite (in memory, its own port), one server process on it (listing pages of 500 entries, so a 2,500-file
/// folder takes five pages), the client tests' <see cref="CountingProxy"/> in front of the server, and one headless
/// Debian Chromium. Pages are opened on the proxy's origin, so every byte the page sends is counted on its way to the
/// server; checks read the server directly or the blobs in Azurite.
/// </summary>
public sealed class ExplorerFixture : IAsyncLifetime
{
    public const int ListPageSize = 500;

    /// <summary>The flags Chromium needs as root on a closed network.</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-default-apps", "--disable-sync",
    ];

    public TestAzurite Azurite { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public CountingProxy Proxy { get; private set; } = null!;

    public BlobContainerClient Files { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string Scratch => Path.Combine(Azurite.Folder, "scratch");

    /// <summary>Screenshots of each view, in the test output folder.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static IReadOnlyDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>
    {
        ["ImageStore__ListPageSize"] = ListPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Debian's chromium (<c>apt-get install chromium</c>), or the one <c>CHROMIUM_PATH</c> names.</summary>
    public static string ChromiumPath
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } p ? p : "/usr/bin/chromium";
            if (!File.Exists(path) && path == "/usr/bin/chromium")
            {
                InstallDebianChromium();
            }

            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"No Chromium at {path}. Install Debian's (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH.", path);
        }
    }

    private static readonly Lock InstallLock = new();

    /// <summary>
    /// A fresh clone's <c>dotnet test</c> needs nothing installed by hand: where Debian's chromium is missing and the
    /// tests run as root (a fresh CI or development machine here), install it with apt-get once, as .ci/run does.
    /// </summary>
    private static void InstallDebianChromium()
    {
        lock (InstallLock)
        {
            if (File.Exists("/usr/bin/chromium") || !File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
            {
                return;
            }

            foreach (var args in new[] { "update -qq", "install -y -qq chromium" })
            {
                var info = new System.Diagnostics.ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true };
                info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
                using var apt = System.Diagnostics.Process.Start(info)!;
                _ = apt.StandardOutput.ReadToEndAsync();
                _ = apt.StandardError.ReadToEndAsync();
                apt.WaitForExit(TimeSpan.FromMinutes(10));
            }
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        // Generous waits: the whole solution's tests share 2 cores in CI; a condition that never comes still fails.
        Assertions.SetDefaultExpectTimeout(20_000);
        Azurite = await TestAzurite.StartAsync("browser", inMemory: true);
        Directory.CreateDirectory(Scratch);
        Server = await ServerProcess.StartAsync(Azurite.ConnectionString, ServerSettings);
        Proxy = await CountingProxy.StartAsync(Server.Address);
        Files = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient("imagestore");
        await Files.CreateIfNotExistsAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh browser context (own localStorage) at 1280×800 with a page on the proxy's origin.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800, IBrowserContext? context = null)
    {
        context ??= await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Proxy.Address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>A local file of random bytes in the scratch folder.</summary>
    public string NewFile(string relative, long size, int seed)
    {
        var path = Path.Combine(Scratch, relative);
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

    public static string UniqueFolder(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of the committed blob, read from Azurite (not through the server or the page).</summary>
    public async Task<string> BlobSha256Async(string storePath)
    {
        await using var stream = await Files.GetBlobClient(storePath).OpenReadAsync();
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }

    public async Task<bool> BlobExistsAsync(string storePath) => (await Files.GetBlobClient(storePath).ExistsAsync()).Value;

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        Playwright?.Dispose();
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ExplorerCollection : ICollectionFixture<ExplorerFixture>
{
    public const string Name = "explorer";
}
