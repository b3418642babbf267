using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace HealthLedger.Node.Web;

/// <summary>
/// The one check for JSON lists, arrays and dictionaries that hold <c>null</c> (<c>"scope":[null]</c>,
/// <c>"policy":{"rules":[null]}</c>): System.Text.Json binds them as null elements, which every input's validation would
/// otherwise have to expect. <see cref="Find"/> walks a bound input (its public properties, nested inputs and list items, in
/// the API's camelCase names) and names each null item <c>field[i]</c> (<c>newRescuers[0]</c>,
/// <c>policy.rules[1]</c>, <c>labResults[2]</c>; a dictionary's <c>field[key]</c>). <see cref="Filter"/> answers an API
/// request whose body holds one with a 400 problem naming every such field, before the handler runs: nothing is written.
/// </summary>
public static class NullElements
{
    /// <summary>The message of a null item.</summary>
    public const string Message = "A list item cannot be null; leave it out instead.";

    private const int MaxDepth = 12;

    private static readonly ConcurrentDictionary<Type, (string Name, PropertyInfo Property)[]> Properties = new();

    /// <summary>The null items of <paramref name="input"/> (none when it is null), added to <paramref name="errors"/> under <paramref name="prefix"/>.</summary>
    public static FieldErrors Find(object? input, FieldErrors? errors = null, string prefix = "")
    {
        errors ??= new FieldErrors();
        Walk(input, prefix, errors, 0);
        return errors;
    }

    /// <summary>
    /// An endpoint filter for API groups: the request body the endpoint binds (its <see cref="IAcceptsMetadata.RequestType"/>)
    /// is checked with <see cref="Find"/>; null items are a 400 validation problem naming them.
    /// </summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } bodyType)
        {
            foreach (var argument in context.Arguments)
            {
                if (argument is null || !bodyType.IsInstanceOfType(argument)) continue;
                var errors = Find(argument);
                if (!errors.IsEmpty) return TypedResults.ValidationProblem(errors.ToDictionary(), detail: "Some fields need attention.");
            }
        }
        return await next(context);
    }

    private static void Walk(object? value, string path, FieldErrors errors, int depth)
    {
        if (value is null || depth > MaxDepth || IsScalar(value.GetType())) return;
        switch (value)
        {
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    var item = $"{path}[{entry.Key}]";
                    if (entry.Value is null) errors.Add(item, Message);
                    else Walk(entry.Value, item, errors, depth + 1);
                }
                return;
            case IEnumerable list:
                var i = 0;
                foreach (var element in list)
                {
                    var item = $"{path}[{i++}]";
                    if (element is null) errors.Add(item, Message);
                    else Walk(element, item, errors, depth + 1);
                }
                return;
        }
        if (value.GetType().Namespace?.StartsWith("HealthLedger", StringComparison.Ordinal) != true) return;
        foreach (var (name, property) in Properties.GetOrAdd(value.GetType(), Describe))
        {
            Walk(property.GetValue(value), path.Length == 0 ? name : path + "." + name, errors, depth + 1);
        }
    }

    private static bool IsScalar(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(Guid)
        || type == typeof(JsonElement) || type == typeof(byte[]);

    private static (string, PropertyInfo)[] Describe(Type type) => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null
            && !IsScalar(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))
        .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name), p))
        .ToArray();
}
