using System.Net;
using BlobImageStore.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BlobImageStore.Http;

/// <summary>A FabricError answer: the status of note S16, the code as the status text (as the gateway does), the JSON body.</summary>
public sealed class FabricErrorResult(HttpStatusCode status, string code, string message) : IResult
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;

    public string Message { get; } = message;

    public static FabricErrorResult From(FabricException e) => new(e.Status, e.Code, e.Message);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = (int)Status;
        if (httpContext.Features.Get<IHttpResponseFeature>() is { } feature)
        {
            feature.ReasonPhrase = Code;
        }

        await response.WriteAsJsonAsync(new FabricErrorBody(new FabricErrorDetail(Code, Message)),
            ImageStoreJson.Wire.FabricErrorBody, contentType: "application/json; charset=utf-8");
    }
}
