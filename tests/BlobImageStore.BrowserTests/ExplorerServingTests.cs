using System.Net;
using BlobImageStore.BrowserTests.Infrastructure;

namespace BlobImageStore.BrowserTests;

/// <summary>How the page is served: the redirect sfctl needs, the embedded files, same-origin headers.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class ExplorerServingTests(ExplorerFixture fixture)
{
    [Fact]
    public async Task Get_root_as_sfctl_cluster_select_does_follows_the_redirect_and_answers_2xx_with_the_explorer_page()
    {
        // sfctl's cluster select: a plain GET of the endpoint with redirects followed, success = any 2xx.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = true });
        using var response = await http.GetAsync(fixture.Server.Address);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/Explorer/index.html", response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<title>Image Store Explorer</title>", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/Explorer")]
    [InlineData("/Explorer/")]
    public async Task The_root_and_the_explorer_folder_redirect_to_the_page(string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(new Uri(fixture.Server.Address, path));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/Explorer/index.html", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("index.html", "text/html")]
    [InlineData("app.js", "text/javascript")]
    [InlineData("api.js", "text/javascript")]
    [InlineData("uploads.js", "text/javascript")]
    [InlineData("explorer.css", "text/css")]
    [InlineData("vendor/spark-md5.min.js", "text/javascript")]
    public async Task Every_file_of_the_page_is_served_same_origin_only_with_a_validator(string name, string type)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Server.Address, "/Explorer/" + name));
        request.Headers.Add("Origin", "http://elsewhere.example");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("connect-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Server.Address, "/Explorer/" + name));
        again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.Tag);
        using var revalidated = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task The_api_sends_no_cors_headers_to_another_origin()
    {
        using var http = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(fixture.Server.Address, "/ImageStore?api-version=6.0"));
        preflight.Headers.Add("Origin", "http://elsewhere.example");
        preflight.Headers.Add("Access-Control-Request-Method", "DELETE");
        using var response = await http.SendAsync(preflight);

        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_unknown_file_is_404_and_a_write_is_405()
    {
        using var http = new HttpClient();
        using var missing = await http.GetAsync(new Uri(fixture.Server.Address, "/Explorer/nope.js"));
        using var put = await http.PutAsync(new Uri(fixture.Server.Address, "/Explorer/index.html"), new StringContent("x"));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
    }
}
