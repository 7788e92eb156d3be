namespace QuoteCluster.Configuration;

/// <summary>A setting that stops start-up; the message is the one line the operator sees.</summary>
public sealed class InvalidConfigurationException(string message) : Exception(message);
