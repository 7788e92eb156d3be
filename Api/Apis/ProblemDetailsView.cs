namespace QuoteCluster.Api;

public sealed record ProblemDetailsView(string Error, string Message);
