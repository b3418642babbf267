using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Staff;

/// <summary>/api/v1/staff: laboratory technicians, pathologists, pharmacists and accountants.</summary>
public static class StaffApi
{
    /// <summary>Maps the staff endpoints.</summary>
    public static IEndpointRouteBuilder MapStaffApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/staff").WithTags("Staff").RequireSession();
        group.MapPost("", Register)
            .WithName("RegisterStaff").WithSummary("Register staff: {userId, role: lab-technician|pathologist|pharmacist|accountant} (admins); returns a one-time password shown once")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        group.MapGet("", List).WithName("ListStaff").WithSummary("The organisation's laboratory technicians, pathologists, pharmacists and accountants (admins)").ProducesProblem(403);
        return app;
    }

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> Register(StaffInput input, HttpContext http, StaffService staff, CancellationToken ct) =>
        ApiResults.Created(await staff.RegisterAsync(http.Session(), input, ct), r => "/api/v1/staff", WriteResponse.From);

    private static Results<Ok<List<StaffMember>>, ProblemHttpResult> List(HttpContext http, StaffService staff) =>
        ApiResults.Read(staff.List(http.Session()), list => list.ToList());
}
