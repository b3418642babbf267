namespace HealthLedger.Node.Web;

/// <summary>
/// Endpoint metadata: the request carries an uploaded document, so its body may be as large as
/// <see cref="Configuration.NodeOptions.MaxDocumentBytes"/> plus <see cref="RequestBodyLimits.FormOverhead"/> (see <see cref="RequestBodyLimits"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class DocumentUploadAttribute : Attribute;
