using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HealthLedger.Bench;

/// <summary>
/// Checks a config's JSON against the shape of the types it is read into (their properties as the serializer sees them), before
/// the serializer reads it: so that a typo, a null or a value of the wrong type is one line that names its place in the file
/// (<c>rounds[0]: "name" is required</c>), never a .NET type name or a default silently kept for a misspelt key.
/// </summary>
internal static class ConfigShape
{
    /// <summary>The first problem with <paramref name="element"/> read as <paramref name="type"/>, or null.</summary>
    public static string? Problem(JsonElement element, Type type, JsonSerializerOptions options) => Check(element, type, nullable: false, "", options);

    private static string? Check(JsonElement e, Type type, bool nullable, string path, JsonSerializerOptions options)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            type = underlying;
            nullable = true;
        }
        if (e.ValueKind == JsonValueKind.Null) return nullable ? null : $"{Where(path)}: must be {What(type, options)}, not null";
        var ok = Type.GetTypeCode(type) switch
        {
            _ when type.IsEnum => e.ValueKind == JsonValueKind.String && EnumNames(type).Contains(e.GetString(), StringComparer.Ordinal),
            TypeCode.Int32 => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _),
            TypeCode.Int64 => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out _),
            TypeCode.Double => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d),
            TypeCode.Boolean => e.ValueKind is JsonValueKind.True or JsonValueKind.False,
            TypeCode.String => e.ValueKind == JsonValueKind.String,
            _ => true,
        };
        if (!ok && type == typeof(int) && e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var whole) && Math.Abs(whole) > int.MaxValue)
        {
            return $"{Where(path)}: {Show(e)} is out of range";
        }
        if (!ok) return $"{Where(path)}: {Show(e)} is not {What(type, options)}";
        if (type.IsEnum || type.IsPrimitive || type == typeof(string)) return null;

        var info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Enumerable:
                if (e.ValueKind != JsonValueKind.Array) return $"{Where(path)}: {Show(e)} is not {What(type, options)}";
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (Check(item, info.ElementType!, nullable: false, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), options) is { } problem) return problem;
                }
                return null;
            case JsonTypeInfoKind.Object:
                if (e.ValueKind != JsonValueKind.Object) return $"{Where(path)}: {Show(e)} is not {What(type, options)}";
                var properties = info.Properties.Where(p => p.Set is not null).ToList();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in e.EnumerateObject())
                {
                    var at = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                    // Keys are matched exactly, as documented ("Targets" is not "targets").
                    var property = properties.FirstOrDefault(p => string.Equals(p.Name, member.Name, StringComparison.Ordinal));
                    if (property is null && properties.FirstOrDefault(p => string.Equals(p.Name, member.Name, StringComparison.OrdinalIgnoreCase)) is { } other)
                    {
                        return $"{at}: unknown key (keys are case-sensitive: \"{other.Name}\")";
                    }
                    if (property is null) return $"{at}: unknown key (known: {string.Join(", ", properties.Select(p => p.Name))})";
                    if (!seen.Add(property.Name)) return $"{at}: given twice";
                    if (Check(member.Value, property.PropertyType, property.IsSetNullable, at, options) is { } problem) return problem;
                }
                return properties.FirstOrDefault(p => p.IsRequired && !seen.Contains(p.Name)) is { } missing ? $"{Where(path)}: \"{missing.Name}\" is required" : null;
            default:
                return null;
        }
    }

    private static string Where(string path) => path.Length == 0 ? "the config" : path;

    private static IEnumerable<string> EnumNames(Type type) => Enum.GetNames(type).Select(JsonNamingPolicy.KebabCaseLower.ConvertName);

    private static string What(Type type, JsonSerializerOptions options)
    {
        if (type.IsEnum) return "one of " + string.Join(", ", EnumNames(type));
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 or TypeCode.Int64 => "a whole number",
            TypeCode.Double => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String => "a string",
            _ => options.GetTypeInfo(type).Kind == JsonTypeInfoKind.Enumerable ? "a list" : "an object",
        };
    }

    // The value as written, cut short.
    private static string Show(JsonElement e)
    {
        var raw = e.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "…";
    }
}
