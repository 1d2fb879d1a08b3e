// One scenario at a time: each owns the mirrors' attention (and the kill scenario restarts one of them).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
