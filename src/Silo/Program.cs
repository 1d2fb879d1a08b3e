using MyNoSql.Silo.Hosting;

return await MirrorHost.RunAsync(args).ConfigureAwait(false);
