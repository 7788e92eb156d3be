using System.Diagnostics.CodeAnalysis;

namespace QuoteCluster.Symbols;

/// <summary>The one symbol rule used everywhere: configuration, the API, grains and feeds.</summary>
/// <remarks>
/// Alpaca symbols are upper-case letters and digits with '.' for share classes (BRK.B), '/' for pairs (BTC/USD)
/// and '-' in some preferred issues; they start with a letter. Input is trimmed and upper-cased first.
/// </remarks>
public static class Symbol
{
    public const int MaxLength = 21;

    /// <summary>Every symbol: what MONITORED_SYMBOLS=* sets, and what a feed is asked for then (Alpaca's SIP accepts it).</summary>
    public const string Wildcard = "*";

    public static string Normalize(string? raw) =>
        TryNormalize(raw, out var symbol, out var error) ? symbol : throw new InvalidSymbolException(error);

    public static bool TryNormalize(string? raw, [NotNullWhen(true)] out string? symbol, [NotNullWhen(false)] out string? error)
    {
        symbol = null;
        var candidate = (raw ?? string.Empty).Trim().ToUpperInvariant();
        if (candidate.Length is 0 or > MaxLength || !char.IsAsciiLetterUpper(candidate[0]) || !IsLetterOrDigit(candidate[^1]))
        {
            error = Describe(raw);
            return false;
        }

        for (var i = 0; i < candidate.Length; i++)
        {
            var c = candidate[i];
            var separator = c is '.' or '/' or '-';
            if (!(IsLetterOrDigit(c) || separator) || (separator && !IsLetterOrDigit(candidate[i - 1])))
            {
                error = Describe(raw);
                return false;
            }
        }

        symbol = candidate;
        error = null;
        return true;
    }

    /// <summary>Parses a comma-separated list; every bad entry is named in one message and nothing is returned.</summary>
    public static IReadOnlyList<string> ParseList(string? commaSeparated)
    {
        var symbols = new List<string>();
        var errors = new List<string>();
        foreach (var part in (commaSeparated ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryNormalize(part, out var symbol, out var error))
            {
                if (!symbols.Contains(symbol)) symbols.Add(symbol);
            }
            else
            {
                errors.Add(error);
            }
        }

        return errors.Count > 0 ? throw new InvalidSymbolException(string.Join(" ", errors)) : symbols;
    }

    private static bool IsLetterOrDigit(char c) => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c);

    private static string Describe(string? raw) =>
        $"Invalid symbol '{raw}': expected 1-{MaxLength} characters, letters and digits with single '.', '/' or '-' between them, starting with a letter (e.g. AAPL, BRK.B).";
}

[GenerateSerializer, Alias("QuoteCluster.InvalidSymbolException")]
public sealed class InvalidSymbolException(string message) : ArgumentException(message);

/// <summary>A change that would take the feed past its symbol limit (MAX_SYMBOLS); nothing was changed.</summary>
[GenerateSerializer, Alias("QuoteCluster.SymbolLimitExceededException")]
public sealed class SymbolLimitExceededException(string message) : InvalidOperationException(message);
