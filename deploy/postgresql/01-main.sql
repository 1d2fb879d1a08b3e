-- MyNoSql mirror cluster on PostgreSQL (9.5 or newer), part 1 of 3: the query table.
-- Apply 01-main.sql, 02-clustering.sql and 03-persistence.sql, in this order, to an empty database, e.g.
--   psql -v ON_ERROR_STOP=1 -d mynosql -f 01-main.sql -f 02-clustering.sql -f 03-persistence.sql
--
-- The Orleans ADO.NET providers (Microsoft.Orleans.Clustering.AdoNet / Persistence.AdoNet, invariant "Npgsql")
-- issue no SQL of their own: at start they load named statements from OrleansQuery and run those. The contract
-- is the statement names, the parameter names they bind (@DeploymentId, @GrainIdHash, …) and the column names
-- they read back; the statements below are our own implementation of that contract.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
