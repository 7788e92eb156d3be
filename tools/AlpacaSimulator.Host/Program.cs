using QuoteCluster.AlpacaSimulator;

SimulatorOptions options;
try
{
    options = SimulatorOptions.FromArgs(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

using var loggers = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
await using var server = await AlpacaSimulatorServer.StartAsync(options, loggers);
Console.WriteLine($"Alpaca simulator listening: ALPACA_STREAM_URL={server.Url.AbsoluteUri.TrimEnd('/')} APCA_API_DATA_URL={server.DataUrl.AbsoluteUri.TrimEnd('/')} (feeds {string.Join(", ", options.Feeds)}); Ctrl+C stops it");
var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopped.TrySetResult();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
await stopped.Task;
return 0;
