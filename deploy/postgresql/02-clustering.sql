-- MyNoSql mirror cluster on PostgreSQL, part 2 of 3: cluster membership (--clustering adonet).
-- One version row per cluster (DeploymentId = cluster id): every membership change bumps it, and a change
-- only succeeds when the caller's version is still current, so concurrent silos never overwrite each other.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

DELETE FROM OrleansQuery WHERE QueryKey IN ('InsertMembershipVersionKey', 'InsertMembershipKey', 'UpdateMembershipKey',
    'UpdateIAmAlivetimeKey', 'MembershipReadRowKey', 'MembershipReadAllKey', 'DeleteMembershipTableEntriesKey',
    'GatewaysQueryKey', 'CleanupDefunctSiloEntriesKey');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster's version row; returns 1 when created, 0 when it already existed.
('InsertMembershipVersionKey', '
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    SELECT @DeploymentId WHERE @DeploymentId IS NOT NULL
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1)
SELECT count(*)::integer FROM created;
'),

-- Adds a silo row and bumps the version, both or neither: only when @Version is current and the row is new.
-- Concurrent callers serialise on the version row; the loser sees a changed version and returns 0.
('InsertMembershipKey', '
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    WHERE v.DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
      AND v.Version = @Version AND @Version IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM OrleansMembershipTable m
                      WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
                        AND m.Port = @Port AND m.Generation = @Generation)
    RETURNING v.DeploymentId),
added AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT b.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM bumped b
    RETURNING 1)
SELECT count(*)::integer FROM added;
'),

-- Changes a silo row (status, suspicions, liveness) and bumps the version, both or neither.
('UpdateMembershipKey', '
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    WHERE v.DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
      AND v.Version = @Version AND @Version IS NOT NULL
      AND EXISTS (SELECT 1 FROM OrleansMembershipTable m
                  WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
                    AND m.Port = @Port AND m.Generation = @Generation)
    RETURNING v.DeploymentId),
changed AS (
    UPDATE OrleansMembershipTable m
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM bumped b
    WHERE m.DeploymentId = b.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    RETURNING 1)
SELECT count(*)::integer FROM changed;
'),

-- Liveness heartbeat of one silo; deliberately does not touch the version.
('UpdateIAmAlivetimeKey', '
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
  AND Address = @Address AND @Address IS NOT NULL
  AND Port = @Port AND @Port IS NOT NULL
  AND Generation = @Generation AND @Generation IS NOT NULL;
'),

-- One silo row with the table version; the version row alone (null silo columns) when the silo is unknown.
('MembershipReadRowKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address AND @Address IS NOT NULL
      AND m.Port = @Port AND @Port IS NOT NULL
      AND m.Generation = @Generation AND @Generation IS NOT NULL
WHERE v.DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
'),

-- Every silo row with the table version (the version row alone when the cluster has no silo yet).
('MembershipReadAllKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
'),

-- Forgets a whole cluster.
('DeleteMembershipTableEntriesKey', '
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
'),

-- Client gateways: silos in the given status (Active) that listen for clients.
('GatewaysQueryKey', '
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
  AND Status = @Status AND @Status IS NOT NULL
  AND ProxyPort > 0;
'),

-- Removes rows of silos that stopped heartbeating before @IAmAliveTime (never Active ones: status 3).
('CleanupDefunctSiloEntriesKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
  AND IAmAliveTime < @IAmAliveTime
  AND Status <> 3;
');
