namespace BlobImageStore.Server.Hosting;

public static class GatewayDefaults
{
    /// <summary>The Service Fabric HTTP gateway's address, used unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string Url = "http://127.0.0.1:19080";

    public static void UseGatewayAddressByDefault(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(Url);
        }
    }
}
