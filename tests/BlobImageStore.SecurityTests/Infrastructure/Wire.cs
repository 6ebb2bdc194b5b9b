using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BlobImageStore.SecurityTests.Infrastructure;

/// <summary>One answer: status, FabricError code (null for a success), the raw body and the headers.</summary>
public sealed record Answer(HttpStatusCode Status, string? Code, string Body, HttpResponseHeaders Headers)
{
    public string? Message => Code is null ? null : JsonDocument.Parse(Body).RootElement.GetProperty("Error").GetProperty("Message").GetString();

    /// <summary>Asserts the status, showing the body when it differs.</summary>
    public Answer Is(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected}, got {(int)Status} {Code}: {Body}");
        return this;
    }

    /// <summary>Asserts a success (200, or 204 for an empty listing).</summary>
    public Answer IsSuccess()
    {
        Assert.True((int)Status is >= 200 and < 300, $"Expected a success, got {(int)Status} {Code}: {Body}");
        return this;
    }

    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        string? code = null;
        if (!response.IsSuccessStatusCode && body.Length > 0) // bare-status answers (S10) have no body
        {
            using var json = JsonDocument.Parse(body);
            var error = json.RootElement.GetProperty("Error");
            code = error.GetProperty("Code").GetString();
            Assert.False(string.IsNullOrEmpty(error.GetProperty("Message").GetString()), "a FabricError has a message");
            Assert.Equal(code, response.ReasonPhrase); // the gateway puts the code in the status line
        }

        return new Answer(response.StatusCode, code, body, response.Headers);
    }
}

/// <summary>A few image store calls, enough to tell reading from writing.</summary>
public static class Calls
{
    public static HttpRequestMessage List() => new(HttpMethod.Get, "/ImageStore?api-version=6.0");

    public static HttpRequestMessage Upload(string path, string content = "hello") =>
        new(HttpMethod.Put, $"/ImageStore/{path}?api-version=6.0") { Content = new StringContent(content) };

    public static HttpRequestMessage Delete(string path) => new(HttpMethod.Delete, $"/ImageStore/{path}?api-version=6.0");

    /// <summary>An UploadChunk of <paramref name="body"/> as bytes <paramref name="first"/>..(first + length - 1) of a file of <paramref name="total"/> bytes.</summary>
    public static HttpRequestMessage Chunk(string path, Guid session, long first, long total, string body)
    {
        var content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Range", $"bytes {first}-{first + body.Length - 1}/{total}");
        return new(HttpMethod.Put, $"/ImageStore/{path}/$/UploadChunk?api-version=6.0&session-id={session}") { Content = content };
    }

    public static HttpRequestMessage GetSession(Guid session) => new(HttpMethod.Get, $"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={session}");

    public static HttpRequestMessage Commit(Guid session) => new(HttpMethod.Post, $"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}");

    public static HttpRequestMessage DeleteSession(Guid session) => new(HttpMethod.Delete, $"/ImageStore/$/DeleteUploadSession?api-version=6.0&session-id={session}");

    public static HttpRequestMessage Get(string path) => new(HttpMethod.Get, $"/ImageStore/{path}?api-version=6.0");

    public static HttpRequestMessage AadMetadata() => new(HttpMethod.Get, "/$/GetAadMetadata?api-version=1.0");

    public static HttpRequestMessage WithBearer(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static async Task<Answer> SendAsync(this HttpClient client, Func<HttpRequestMessage> request)
    {
        using var message = request();
        using var response = await client.SendAsync(message);
        return await Answer.ReadAsync(response);
    }
}
