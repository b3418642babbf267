using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// Completes the generated OpenAPI document so that an independent linter (Redocly CLI) passes it: the bearer security
/// scheme and, per operation, whether it needs it; the server URL without a trailing slash; a description for every tag;
/// the media type and binary schema of file and PDF downloads; the multipart report upload part by part.
/// </summary>
public static class OpenApiDocumentation
{
    /// <summary>The name of the bearer scheme in <c>components.securitySchemes</c>.</summary>
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Node"] = "The node's health and consensus state.",
        ["Ledger"] = "Committed blocks (admins) and signers' nonces.",
        ["Transactions"] = "Submit signed transactions and follow them.",
        ["Authentication"] = "Bearer tokens, password changes, logout.",
        ["Patients"] = "Registration, demographics, search, password resets.",
        ["Doctors"] = "The doctor directory and who is on call.",
        ["Lists"] = "Patient entries and accounts: admissions, visits, transfers, discharges, charges, payments.",
        ["Vital signs"] = "Temperature, pulse, blood pressure, respiration, SpO2, weight.",
        ["Medical reports"] = "Reports with files, amendments, printouts and authenticity.",
        ["Verification"] = "Is this file or printed code a report on the chain?",
        ["Consent and disclosures"] = "Grants, revocations and who read what.",
        ["Statistics"] = "The admin reports.",
    };

    /// <summary>Adds the transformers to the OpenAPI options.</summary>
    public static OpenApiOptions AddHealthLedgerTransformers(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "HealthLedger node API";
            document.Info.Version = "v1";
            document.Info.Description = "Hospital records on a permissioned BFT ledger: submit signed transactions, read blocks, and use the hospital modules.";
            foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A token from POST /api/v1/auth/token: 'Authorization: Bearer <accessToken>'.",
            };
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description)) tag.Description = description;
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var secured = metadata.Any(m => m is IAuthorizeData or AuthorizationPolicy) && !metadata.Any(m => m is IAllowAnonymous);
            var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] };
            operation.Security = operation.OperationId switch
            {
                // Answered to a session or to a signer proof header: the bearer token is optional.
                "GetSigner" => [bearer, new OpenApiSecurityRequirement()],
                _ => secured ? [bearer] : [],
            };
            switch (operation.OperationId)
            {
                case "AddReport" or "AmendReport":
                    operation.RequestBody = Multipart(withMetadata: true);
                    break;
                case "VerifyFile":
                    operation.RequestBody = Multipart(withMetadata: false);
                    break;
                case "GetReportFile":
                    Binary(operation, "application/octet-stream", "The report's file, with the content type it was uploaded with.");
                    break;
                case "GetReportPdf":
                    Binary(operation, "application/pdf", "The printable report (PDF).");
                    break;
            }
            return Task.CompletedTask;
        });
        // The uploads' bodies are described part by part above; the generator's single-file schema is then unused.
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components?.Schemas?.Remove("IFormFile");
            return Task.CompletedTask;
        });
        return options;
    }

    private static void Binary(OpenApiOperation operation, string mediaType, string description)
    {
        operation.Responses ??= new OpenApiResponses();
        operation.Responses["200"] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [mediaType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
            },
        };
    }

    private static OpenApiRequestBody Multipart(bool withMetadata)
    {
        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The file (PDF, PNG, JPEG, DICOM, text)." },
        };
        var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = properties, Required = new HashSet<string>(StringComparer.Ordinal) };
        var encoding = new Dictionary<string, OpenApiEncoding>(StringComparer.Ordinal);
        if (withMetadata)
        {
            properties["metadata"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "JSON, sent first: type (lab|prescription|imaging|discharge-summary|document), title, summary, labResults[{test,value,unit,referenceRange,flag}], drug, dose, route, frequency, duration, amendmentReason.",
                Examples = [JsonValue.Create("""{"type":"lab","title":"Full blood count","labResults":[{"test":"Hb","value":"98","unit":"g/L","referenceRange":"130-170","flag":"L"}]}""")],
            };
            schema.Required.Add("metadata");
            encoding["metadata"] = new OpenApiEncoding { ContentType = "application/json" };
        }
        else
        {
            schema.Required.Add("file");
        }
        return new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new OpenApiMediaType { Schema = schema, Encoding = encoding },
            },
        };
    }
}
