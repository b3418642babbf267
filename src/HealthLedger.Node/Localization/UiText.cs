namespace HealthLedger.Node.Localization;

/// <summary>
/// The UI's text resources: <c>IStringLocalizer&lt;UiText&gt;</c> (<c>L["Log out"]</c> in the pages) looks each English text
/// up in <c>UiText.&lt;culture&gt;.resx</c> for the request's UI culture (the hospital's <see cref="Configuration.HospitalSettings.Culture"/>)
/// and answers the English text itself when a language has no entry. A translation is one such file (see docs/operations.md).
/// </summary>
public sealed class UiText;
