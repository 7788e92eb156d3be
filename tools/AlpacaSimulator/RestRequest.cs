namespace QuoteCluster.AlpacaSimulator;

/// <summary>One request to the simulator's market-data REST API, as it was answered: how the tests check a client's requests.</summary>
public sealed record RestRequest(string Path, string? Feed, int Symbols, int Status);
