// One chaos run at a time: it owns three mirrors, several peers and most of a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
