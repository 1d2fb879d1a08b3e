-- MyNoSql mirror cluster on PostgreSQL, part 3 of 3: grain state (--storage adonet).
-- One row per (service, grain type, grain id) with its serialized state and a version that is the ETag: a write
-- succeeds only when the caller's version is current (or, for a first write, when no row exists yet).
-- Keys are text: record grain ids ("{db}/{id}", ids up to 512 UTF-8 bytes) exceed the 512 characters others allow.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer   NOT NULL,
    GrainIdN0              bigint    NOT NULL,
    GrainIdN1              bigint    NOT NULL,
    GrainTypeHash          integer   NOT NULL,
    GrainTypeString        text      NOT NULL,
    GrainIdExtensionString text      NULL,
    ServiceId              text      NOT NULL,
    PayloadBinary          bytea     NULL,
    ModifiedOn             timestamp NOT NULL,
    Version                integer   NULL
);

-- The identity of a row; unique, so two first writes of the same grain cannot both insert.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, COALESCE(GrainIdExtensionString, ''));

DELETE FROM OrleansQuery WHERE QueryKey IN ('WriteToStorageKey', 'ReadFromStorageKey', 'ClearStorageKey', 'DeleteStorageKey');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Writes a state. With a version: updates the row at that version. Without: inserts the first row.
-- Returns the new version, or the unchanged one / null when the condition failed (the provider then
-- raises InconsistentStateException).
('WriteToStorageKey', '
WITH changed AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = (now() AT TIME ZONE ''utc''), Version = Version + 1
    WHERE @GrainStateVersion IS NOT NULL
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version),
created AS (
    INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
           @GrainIdExtensionString, @ServiceId, @PayloadBinary, (now() AT TIME ZONE ''utc''), 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version)
SELECT COALESCE((SELECT Version FROM changed), (SELECT Version FROM created), @GrainStateVersion) AS NewGrainStateVersion;
'),

-- Reads a state and its version (no row: the grain has no state yet).
('ReadFromStorageKey', '
SELECT PayloadBinary, (now() AT TIME ZONE ''utc'') AS Now, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND @GrainTypeHash IS NOT NULL
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;
'),

-- Clears a state at the caller''s version (keeps the row and bumps its version).
('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND Version IS NOT NULL AND Version = @GrainStateVersion AND @GrainStateVersion IS NOT NULL
RETURNING Version AS NewGrainStateVersion;
'),

-- Deletes a state at the caller''s version (when the provider is set to delete on clear).
('DeleteStorageKey', '
DELETE FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND Version IS NOT NULL AND Version = @GrainStateVersion AND @GrainStateVersion IS NOT NULL
RETURNING Version + 1 AS NewGrainStateVersion;
');
