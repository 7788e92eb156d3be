using QuoteCluster.Configuration;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Configuration;

public class AllSymbolsSettingsTests
{
    [Theory]
    [InlineData("*")]
    [InlineData(" * ")]
    public void A_lone_wildcard_means_every_symbol(string value)
    {
        var options = QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", value));
        Assert.True(options.AllSymbols);
        Assert.Empty(options.MonitoredSymbols);
    }

    [Fact]
    public void The_legacy_name_takes_the_wildcard_too()
    {
        Assert.True(QuoteClusterTestCluster.Options(("ALPACA_SYMBOLS", "*")).AllSymbols);
    }

    [Theory]
    [InlineData("*,AAPL")]
    [InlineData("AAPL, *")]
    public void A_wildcard_among_names_is_a_configuration_error(string value)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", value)));
        Assert.Contains("MONITORED_SYMBOLS", e.Message);
        Assert.Contains("alone", e.Message);
    }

    [Fact]
    public void Named_symbols_do_not_set_the_wildcard()
    {
        var options = QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "AAPL,MSFT"));
        Assert.False(options.AllSymbols);
        Assert.Equal(["AAPL", "MSFT"], options.MonitoredSymbols);
    }

    [Fact]
    public void The_wildcard_keeps_MAX_SYMBOLS_as_the_bound_on_discovered_symbols()
    {
        // A named list over the limit is refused at start-up; the wildcard is not a list, so the limit bounds arrivals.
        Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "AAPL,MSFT,SPY"), ("MAX_SYMBOLS", "2")));
        var options = QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "*"), ("MAX_SYMBOLS", "2"));
        Assert.Equal(2, options.MaxSymbols);
        Assert.Equal(11_000, QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "*"), ("MAX_SYMBOLS", "11000")).MaxSymbols);
    }

    [Fact]
    public void SIMULATED_UNIVERSE_sizes_the_simulated_market()
    {
        Assert.Equal(0, QuoteClusterTestCluster.Options().SimulatedUniverse);
        Assert.Equal(11_000, QuoteClusterTestCluster.Options(("SIMULATED_UNIVERSE", "11000")).SimulatedUniverse);
        Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("SIMULATED_UNIVERSE", "-1")));
    }
}
