// Clusters are heavy on 2 cores: run the collections one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
