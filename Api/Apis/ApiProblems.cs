using Microsoft.AspNetCore.Http.HttpResults;

namespace QuoteCluster.Api;

/// <summary>
/// The gateway's refusals as RFC 7807 problem details (`application/problem+json`), written by the framework's
/// problem-details service.
/// </summary>
/// <remarks>
/// Beside `type`, `title`, `status` and `detail`, each problem keeps the two members of the body the gateway answered
/// with before: `error`, a stable code for programs to branch on, and `message`, the text of `detail` again, for the
/// clients that already read it.
/// </remarks>
internal static class ApiProblems
{
    public static ProblemHttpResult BadRequest(string error, string detail) => Problem(StatusCodes.Status400BadRequest, error, detail);

    public static ProblemHttpResult NotFound(string error, string detail) => Problem(StatusCodes.Status404NotFound, error, detail);

    public static ProblemHttpResult Conflict(string error, string detail) => Problem(StatusCodes.Status409Conflict, error, detail);

    public static ProblemHttpResult PayloadTooLarge(string error, string detail) => Problem(StatusCodes.Status413PayloadTooLarge, error, detail);

    public static ProblemHttpResult TooManyRequests(string error, string detail) => Problem(StatusCodes.Status429TooManyRequests, error, detail);

    public static ProblemHttpResult ServiceUnavailable(string error, string detail) => Problem(StatusCodes.Status503ServiceUnavailable, error, detail);

    private static ProblemHttpResult Problem(int status, string error, string detail) =>
        TypedResults.Problem(detail, statusCode: status, extensions: new Dictionary<string, object?>
        {
            ["error"] = error,
            ["message"] = detail,
        });
}
