using HealthLedger.Node.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace HealthLedger.Node.Web;

/// <summary>
/// A request body cap per endpoint, set before anything reads the body (Kestrel answers a larger body with 413, mapped to a
/// problem by the exception handler): small where no sign-in is needed (<see cref="Anonymous"/>: the login form,
/// <c>/auth/token</c>), <see cref="Signed"/> for signed-in endpoints, a document's size for uploads
/// (<see cref="DocumentUploadAttribute"/>), or what an endpoint's <see cref="IRequestSizeLimitMetadata"/> says (transactions, batches).
/// The peer service (gRPC) keeps its own message limits.
/// </summary>
public static class RequestBodyLimits
{
    /// <summary>The body cap of endpoints that need no sign-in.</summary>
    public const long Anonymous = 16 * 1024;

    /// <summary>The body cap of signed-in endpoints without a limit of their own.</summary>
    public const long Signed = 1024 * 1024;

    /// <summary>What a multipart form may add to a document's bytes (metadata fields, boundaries).</summary>
    public const long FormOverhead = 1024 * 1024;

    /// <summary>The cap for a request to <paramref name="endpoint"/>, or null to leave the server's (the peer service).</summary>
    public static long? For(Endpoint? endpoint, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (endpoint is null) return Anonymous;
        if (endpoint.Metadata.GetMetadata<DocumentUploadAttribute>() is not null) return options.MaxDocumentBytes + FormOverhead;
        if (endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } limit) return limit.MaxRequestBodySize;
        var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null || endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0;
        return anonymous ? Anonymous : Signed;
    }

    /// <summary>Applies <see cref="For"/> to every request but the peer service's.</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app, NodeOptions options) =>
        app.Use((context, next) =>
        {
            var isGrpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
            if (!isGrpc && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = For(context.GetEndpoint(), options);
            }
            return next(context);
        });
}
