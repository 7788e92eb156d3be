using QuoteCluster.SmokeCheck;

return await SmokeCheckRun.RunAsync(args, Console.Out);
