Console.WriteLine("MyNoSql silo: not yet");
