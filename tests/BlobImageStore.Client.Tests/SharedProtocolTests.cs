using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using BlobImageStore.Http;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Client.Tests;

/// <summary>
/// Issue 13, item 6: the protocol is written once (BlobImageStore.Protocol) and both sides use it. The client used to
/// accept store paths the server refuses (trailing-dot segments, control characters) and send them; now it refuses
/// exactly what the server refuses, before any request.
/// </summary>
public sealed class SharedProtocolTests
{
    /// <summary>Paths the server answers with 400 (FABRIC_E_INVALID_NAME_URI or FABRIC_E_PATH_TOO_LONG).</summary>
    public static TheoryData<string> ServerRefusedPaths() => new()
    {
        "a/b.", "a./b", "a/b/...", "a/b\u0001c", "a/\nb", "a/b\u007F", "a/\u0085", "a/\uFFFF", "a/\uE000.txt",
        "$", "a/$/b", "a/../b", "./b", new string('a', 1025), string.Join('/', Enumerable.Repeat("a", 255)),
    };

    [Theory]
    [MemberData(nameof(ServerRefusedPaths))]
    public async Task The_client_refuses_a_path_the_server_refuses_before_sending_anything(string path)
    {
        var handler = new RecordingHandler();
        var client = new ImageStoreClient(new HttpClient(handler), Options.Create(new ImageStoreClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") }));

        Assert.Throws<ArgumentException>(() => StorePaths.RequireFilePath(path));
        Assert.Throws<ArgumentException>(() => StorePaths.Normalize(path));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UploadFileAsync(path, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetUploadSessionsByPathAsync(path));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DeleteContentAsync(path));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CopyContentAsync(new CopyDescription("ok/src", path)));

        Assert.Empty(handler.Requests);
    }

    [Theory]
    [MemberData(nameof(ServerRefusedPaths))]
    [InlineData("a/b")]
    [InlineData("\\a\\b\\")]
    [InlineData(" a / b.c / d ")]
    [InlineData("a/_.dir")]
    [InlineData("a/.hidden")]
    [InlineData("a/$b/c$")]
    [InlineData("Ünïcödé/文件.xml")]
    [InlineData("a/\U0001F600.txt")]
    [InlineData("")]
    [InlineData("//")]
    public void The_client_and_the_server_agree_on_every_path(string path)
    {
        var server = StorePath.TryParse(path, out var parsed, out _);
        string? client;
        try
        {
            client = StorePaths.RequireFilePath(path);
        }
        catch (ArgumentException)
        {
            client = null;
        }

        Assert.Equal(server ? parsed!.Value : null, client);
    }

    [Fact]
    public void The_message_of_a_refused_path_says_what_to_change()
    {
        var e = Assert.Throws<ArgumentException>(() => StorePaths.RequireFilePath("pkg/Code./a.dll"));

        Assert.Contains("'Code.'", e.Message);
        Assert.Contains("trailing dot", e.Message);
    }

    [Fact]
    public void Client_and_server_resolve_the_same_protocol_types()
    {
        var protocol = typeof(StorePath).Assembly;
        Assert.Equal("BlobImageStore.Protocol", protocol.GetName().Name);
        Assert.All([typeof(ByteRange), typeof(ContentRange), typeof(Errors.FabricErrorCodes), typeof(ImageStoreJson), typeof(UploadSessionInfoBody), typeof(ImageStoreProtocol)],
            t => Assert.Same(protocol, t.Assembly));

        // The client's public models and the server core's types are built on the same definitions.
        Assert.Same(typeof(ByteRange), typeof(UploadSessionInfo).GetProperty(nameof(UploadSessionInfo.ExpectedRanges))!.PropertyType.GetGenericArguments()[0]);
        Assert.Same(typeof(ByteRange), typeof(RangeOverlap).GetProperty(nameof(RangeOverlap.Missing))!.PropertyType.GetGenericArguments()[0]);
        Assert.Same(typeof(ContentRange), typeof(ChunkRequest).GetProperty(nameof(ChunkRequest.Range))!.PropertyType);
        Assert.Same(typeof(StorePath), typeof(ChunkRequest).GetProperty(nameof(ChunkRequest.Path))!.PropertyType);
        Assert.Equal(ImageStoreProtocol.MaxChunks, ChunkLayout.MaxChunks);
        Assert.Equal(ImageStoreProtocol.MaxChunks, Uploads.ChunkSizing.MaxChunks);
        Assert.Equal(ImageStoreProtocol.DefaultMaxChunkSize, new ImageStoreOptions().MaxChunkSize);
        Assert.Equal(ImageStoreProtocol.MarkFileName, Content.ContentCopies.MarkFileName);
        Assert.Equal(ImageStoreProtocol.MarkFileName, Uploads.PackageUploader.MarkFileName);
    }

    [Fact]
    public void No_other_assembly_defines_a_protocol_type_again()
    {
        var protocolNames = typeof(StorePath).Assembly.GetExportedTypes().Where(t => !t.IsNested).Select(t => t.Name)
            .Concat(["ImageStoreErrorCodes", "WireJson"]) // the names of the client's former copies
            .ToHashSet(StringComparer.Ordinal);
        var assemblies = new[]
        {
            typeof(ImageStoreClient).Assembly,           // the client
            typeof(Cli.ExitCodes).Assembly,              // the CLI
            typeof(ChunkLayout).Assembly,                // the server's core
            typeof(ImageStoreOptions).Assembly,          // the server's HTTP layer and adapters
        };

        var copies = assemblies.SelectMany(a => a.GetTypes().Where(t => !t.IsNested && protocolNames.Contains(t.Name)).Select(t => $"{a.GetName().Name}: {t.FullName}")).ToList();
        Assert.Empty(copies);
        // The client reads and writes the wire with the protocol's JSON context: its own contexts (the resume journal's)
        // hold no wire shape.
        var wireShapes = typeof(ImageStoreClient).Assembly.GetTypes()
            .Where(t => typeof(JsonSerializerContext).IsAssignableFrom(t))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(p => p.PropertyType)
            .Where(t => t.IsGenericType && t.GetGenericArguments()[0] is var shape && (shape.Name.EndsWith("Wire", StringComparison.Ordinal) || shape.Name.EndsWith("Body", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(wireShapes);
    }

    [Fact]
    public void The_protocol_references_no_Azure_SDK_and_the_client_only_Azure_Core_for_credentials()
    {
        static List<string> Referenced(System.Reflection.Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

        var protocol = Referenced(typeof(StorePath).Assembly);
        Assert.DoesNotContain(protocol, n => n.StartsWith("Azure", StringComparison.Ordinal) || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));

        // The client talks only to the image store's REST API: no storage SDK, no ASP.NET Core. Azure.Core is there for
        // one type, TokenCredential, the Azure SDK's credential (so any Azure.Identity credential signs in with --aad).
        var client = Referenced(typeof(ImageStoreClient).Assembly);
        Assert.DoesNotContain(client, n => (n.StartsWith("Azure", StringComparison.Ordinal) && n != "Azure.Core") || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_server_writes_numbers_as_strings_and_the_client_reads_strings_or_numbers()
    {
        var written = JsonSerializer.Serialize(new FolderSizeInfoBody("a/b", 12_345_678_901), ImageStoreJson.Wire.FolderSizeInfoBody);
        Assert.Equal("""{"StoreRelativePath":"a/b","FolderSize":"12345678901"}""", written);

        Assert.Equal(12_345_678_901, JsonSerializer.Deserialize(written, ImageStoreJson.Default.FolderSizeInfoBody)!.FolderSize);
        Assert.Equal(7, JsonSerializer.Deserialize("""{"folderSize":7}""", ImageStoreJson.Default.FolderSizeInfoBody)!.FolderSize);
        Assert.Null(JsonSerializer.Deserialize("{}", ImageStoreJson.Default.FolderSizeInfoBody)!.FolderSize);
    }

    [Fact]
    public void A_chunk_names_its_range_as_the_server_parses_it()
    {
        var chunk = new UploadChunkRequest("a/b", Guid.NewGuid(), 100, 199, 1000, new byte[100]);
        Assert.True(ContentRange.TryParse(chunk.ContentRange, out var range, out _));
        Assert.Equal(new ContentRange(100, 199, 1000), range);

        Assert.True(ContentRange.TryParse((chunk with { First = 0, Last = 0, FileSize = 0, Content = Array.Empty<byte>() }).ContentRange, out var empty, out _));
        Assert.True(empty.IsEmptyFile);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add($"{request.Method} {request.RequestUri}");
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("") });
        }
    }
}
