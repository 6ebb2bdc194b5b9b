using System.Text.RegularExpressions;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The Functions app answers exactly as the self-host: the same requests (a full session with chunks out of order, the
/// queries, a refused overlap, an early commit, the commit, a repeat, a delete, and the error paths) go to the real server
/// process and to the function classes in-process, and every answer must match in status, body (ModifiedDate aside),
/// content type and, for errors, the reason phrase that carries the FabricError code.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed partial class FunctionsParityTests(HostsFixture hosts)
{
    private sealed record Step(string Name, HttpMethod Method, string Target, byte[]? Body = null, string? ContentRange = null);

    [Fact]
    public async Task A_full_session_and_its_error_paths_answer_as_the_self_host_does()
    {
        var folder = $"parity-{Guid.NewGuid():N}";
        var path = $"{folder}/pkg/app.bin";
        var encoded = $"{folder}%2Fpkg%2Fapp.bin";
        var file = TestData.Bytes(300_000, 42);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), d = Guid.NewGuid(), e = Guid.NewGuid();

        string Chunk(string p, Guid s) => ImageStoreApi.ChunkUrl(p, s);
        Step Put(string name, string p, Guid s, long first, long last) =>
            new(name, HttpMethod.Put, Chunk(p, s), file[(int)first..(int)(last + 1)], $"bytes {first}-{last}/{file.Length}");
        string ById(Guid s) => $"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={s}";
        string Commit(Guid s) => $"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={s}";
        string Delete(Guid s) => $"/ImageStore/$/DeleteUploadSession?api-version=6.0&session-id={s}";

        Step[] steps =
        [
            Put("last chunk first", path, a, 200_000, 299_999),
            new("query by id", HttpMethod.Get, ById(a)),
            Put("first chunk", path, a, 0, 99_999),
            new("query by path", HttpMethod.Get, $"/ImageStore/{path}/$/GetUploadSession?api-version=6.0"),
            new("query by %2F path", HttpMethod.Get, $"/ImageStore/{encoded}/$/GetUploadSession?api-version=6.0"),
            Put("overlap refused", path, a, 50_000, 149_999),
            new("early commit refused", HttpMethod.Post, Commit(a)),
            Put("middle chunk", path, a, 100_000, 199_999),
            Put("exact re-send accepted", path, a, 100_000, 199_999),
            new("commit", HttpMethod.Post, Commit(a)),
            new("commit again", HttpMethod.Post, Commit(a)),
            new("query committed by id", HttpMethod.Get, ById(a)),
            new("query committed by path", HttpMethod.Get, $"/ImageStore/{path}/$/GetUploadSession?api-version=6.0"),
            Put("second session on the path", path, b, 0, 9),
            Put("third session on the path: conflict", path, c, 0, 9),
            new("delete", HttpMethod.Delete, Delete(b)),
            new("query deleted", HttpMethod.Get, ById(b)),
            new("delete again", HttpMethod.Delete, Delete(b)),
            new("commit unknown", HttpMethod.Post, Commit(d)),
            new("zero-byte file", HttpMethod.Put, Chunk($"{folder}/empty.txt", e), [], "bytes 0-0/0"),
            new("commit zero-byte file", HttpMethod.Post, Commit(e)),
            new("bad session id", HttpMethod.Get, "/ImageStore/$/GetUploadSession?api-version=6.0&session-id=not-a-guid"),
            new("missing session id on commit", HttpMethod.Post, "/ImageStore/$/CommitUploadSession?api-version=6.0"),
            new("no api-version", HttpMethod.Get, $"/ImageStore/$/GetUploadSession?session-id={a}"),
            new("api-version too high", HttpMethod.Get, $"/ImageStore/$/GetUploadSession?api-version=9.2&session-id={a}"),
            new("root (ImageStoreRoot function)", HttpMethod.Get, "/ImageStore?api-version=6.0"),
            new("unknown operation", HttpMethod.Get, "/ImageStore/$/NoSuchOperation?api-version=6.0"),
            new("wrong method", HttpMethod.Patch, $"/ImageStore/{path}/$/UploadChunk?api-version=6.0&session-id={d}"),
            new("malformed Content-Range", HttpMethod.Put, Chunk($"{folder}/x.bin", d), new byte[10], "bytes 9-0/20"),
            new("missing Content-Range", HttpMethod.Put, Chunk($"{folder}/x.bin", d), new byte[10]),
            new("body longer than the range", HttpMethod.Put, Chunk($"{folder}/x.bin", d), new byte[11], "bytes 0-9/20"),
            new("control character in the path", HttpMethod.Put, Chunk($"{folder}/a%01b", d), new byte[1], "bytes 0-0/1"),
            new("path too long", HttpMethod.Put, Chunk(new string('a', 1025), d), new byte[1], "bytes 0-0/1"),
            // The rest of the API goes through the same door.
            new("cluster manifest (ClusterManifest function)", HttpMethod.Get, "/$/GetClusterManifest?api-version=6.0"),
            new("whole-file upload", HttpMethod.Put, $"/ImageStore/{folder}/whole.txt?api-version=6.0", new byte[5]),
            new("mark file", HttpMethod.Put, $"/ImageStore/{folder}/_.dir?api-version=6.0", []),
            new("list the folder", HttpMethod.Get, $"/ImageStore/{folder}?api-version=6.2"),
            new("folder size", HttpMethod.Get, $"/ImageStore/{folder}/$/FolderSize?api-version=6.5"),
            new("copy", HttpMethod.Post, "/ImageStore/$/Copy?api-version=6.0", System.Text.Encoding.UTF8.GetBytes($$"""{"RemoteSource":"{{folder}}/whole.txt","RemoteDestination":"{{folder}}/copy.txt"}""")),
            new("delete the copy", HttpMethod.Delete, $"/ImageStore/{folder}/copy.txt?api-version=6.0"),
            new("list a missing path", HttpMethod.Get, $"/ImageStore/{folder}/missing?api-version=6.2"),
        ];

        foreach (var step in steps)
        {
            var server = await SendToServerAsync(step);
            var function = await hosts.Functions.SendAsync(step.Method, step.Target, step.Body, step.ContentRange);

            Assert.True(server.Status == function.Status,
                $"{step.Name}: self-host {server.Status} {server.Body} but function {function.Status} {function.Body}");
            Assert.Equal(Normalise(server.Body), Normalise(function.Body));
            Assert.Equal(server.ContentType, function.ContentType);
            if (server.Status >= 400 && server.Body.Length > 0)
            {
                // FabricErrors carry their code as the status text; bare statuses (S10's 404) get the host's default text.
                Assert.Equal(server.Reason, function.Reason);
            }
        }

        // The function's session left the same file in its own container.
        var committed = hosts.Blobs.GetBlobContainerClient(HostsFixture.FunctionsSettings["Container"]).GetBlobClient(path);
        Assert.Equal(file, (await committed.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task The_answers_carry_the_spec_shapes()
    {
        // A spot check that the comparison above compares real answers, not two empty ones.
        var path = $"parity-{Guid.NewGuid():N}/a.bin";
        var session = Guid.NewGuid();
        var chunk = await hosts.Functions.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), new byte[10], "bytes 10-19/30");
        var query = await hosts.Functions.SendAsync(HttpMethod.Get, $"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={session}");
        var error = await hosts.Functions.SendAsync(HttpMethod.Post, "/ImageStore/$/CommitUploadSession?api-version=6.0&session-id=" + Guid.NewGuid());

        Assert.Equal(200, chunk.Status);
        Assert.Equal(200, query.Status);
        Assert.Matches("""^\{"UploadSessions":\[\{"StoreRelativePath":"parity-[0-9a-f]+\\\\a.bin","SessionId":"[-0-9a-f]{36}","ModifiedDate":"[-0-9T:.]+Z","FileSize":"30","ExpectedRanges":\[\{"StartPosition":"0","EndPosition":"9"\},\{"StartPosition":"20","EndPosition":"29"\}\]\}\]\}$""", query.Body);
        Assert.Equal(404, error.Status);
        Assert.Equal("FABRIC_E_FILE_NOT_FOUND", error.Reason);
        Assert.StartsWith("""{"Error":{"Code":"FABRIC_E_FILE_NOT_FOUND","Message":""", error.Body);
    }

    private async Task<Answer> SendToServerAsync(Step step)
    {
        using var request = new HttpRequestMessage(step.Method, step.Target);
        if (step.Body is not null)
        {
            request.Content = new ByteArrayContent(step.Body);
        }

        if (step.ContentRange is not null)
        {
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Range", step.ContentRange);
        }

        using var response = await hosts.Api.Http.SendAsync(request);
        return new Answer((int)response.StatusCode, response.ReasonPhrase,
            response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>ModifiedDate values, the times in conflict messages, and ETag-based file versions differ between two runs.</summary>
    private static string Normalise(string body) =>
        VersionNumber().Replace(IsoTime().Replace(body, "<time>"), "\"VersionNumber\":\"<version>\"");

    [GeneratedRegex("\"VersionNumber\":\"\\d+\"")]
    private static partial Regex VersionNumber();

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")]
    private static partial Regex IsoTime();
}
