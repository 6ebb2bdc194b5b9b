using System.Net;
using BlobImageStore.SecurityTests.Infrastructure;

namespace BlobImageStore.SecurityTests;

/// <summary>One principal's way of sending a request (its certificate, or its bearer token).</summary>
public delegate Task<Answer> Send(Func<HttpRequestMessage> request);

/// <summary>
/// The session-binding scenario the certificate and Entra ID tests share (issue #11 item 5): a session started by
/// <c>owner</c> refuses chunks (new and re-sent ranges), commits and deletes from <c>stranger</c> with 403
/// E_ACCESSDENIED naming the owner's kind and not its identity, and each refusal changes nothing; the owner then finishes.
/// </summary>
public static class SessionOwnership
{
    public const string Hello = "hello", World = "world";

    /// <summary>Starts a session of a 10-byte file as <paramref name="owner"/> with its first 5 bytes; returns its id.</summary>
    public static async Task<Guid> StartAsync(Send owner, string path)
    {
        var id = Guid.NewGuid();
        (await owner(() => Calls.Chunk(path, id, 0, 10, Hello))).Is(HttpStatusCode.OK);
        return id;
    }

    /// <summary>Every session operation of <paramref name="stranger"/> on the session is refused, and the session is as it was.</summary>
    public static async Task AssertRefusedAsync(Send owner, Send stranger, string path, Guid id, string ownerKind, string ownerIdentity, bool deleteRefused)
    {
        var before = (await owner(() => Calls.GetSession(id))).Is(HttpStatusCode.OK).Body;
        var attempts = new List<(string What, Func<HttpRequestMessage> Request)>
        {
            ("a new chunk", () => Calls.Chunk(path, id, 5, 10, World)),
            ("a re-send with other bytes", () => Calls.Chunk(path, id, 0, 10, "HELLO")),
            ("a re-send with the same bytes", () => Calls.Chunk(path, id, 0, 10, Hello)),
            ("a commit", () => Calls.Commit(id)),
        };
        if (deleteRefused)
        {
            attempts.Add(("a delete", () => Calls.DeleteSession(id)));
        }

        foreach (var (what, request) in attempts)
        {
            var answer = await stranger(request);
            Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{what} by another principal: expected 403, got {(int)answer.Status} {answer.Body}");
            Assert.Equal("E_ACCESSDENIED", answer.Code);
            Assert.Contains($"started by another principal ({ownerKind})", answer.Message);
            Assert.DoesNotContain(ownerIdentity, answer.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(before, (await owner(() => Calls.GetSession(id))).Is(HttpStatusCode.OK).Body); // nothing changed, not even ModifiedDate
        }
    }

    /// <summary>The owner sends the rest and commits: the file has the owner's 10 bytes.</summary>
    public static async Task AssertOwnerFinishesAsync(Send owner, string path, Guid id)
    {
        (await owner(() => Calls.Chunk(path, id, 5, 10, World))).Is(HttpStatusCode.OK);
        (await owner(() => Calls.Commit(id))).Is(HttpStatusCode.OK);
        Assert.Contains("\"FileSize\":\"10\"", (await owner(() => Calls.Get(path))).Is(HttpStatusCode.OK).Body);
    }
}
