-- try the lease (and the migration lock, with a wait)
DECLARE @result int;
EXEC @result = sys.sp_getapplock @Resource = @p1, @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = @p2;
SELECT @result;
GO
-- check it
SELECT CASE WHEN APPLOCK_MODE(N'public', @p1, N'Session') = N'Exclusive' THEN 1 ELSE 0 END;
GO
-- release it
EXEC sys.sp_releaseapplock @Resource = @p1, @LockOwner = N'Session';
GO
-- name the session that holds it
DECLARE @info varbinary(128) = @p1;
SET CONTEXT_INFO @info;
GO
-- who holds it, for ferry status
SELECT TOP (1) s.[session_id], SUBSTRING(s.[context_info], 33, 96), s.[program_name],
    ISNULL(c.[client_net_address], N''), s.[login_name],
    TODATETIMEOFFSET(s.[login_time], DATEPART(TZOFFSET, SYSDATETIMEOFFSET()))
FROM sys.dm_exec_sessions AS s
JOIN sys.dm_tran_locks AS l ON l.[request_session_id] = s.[session_id]
LEFT JOIN sys.dm_exec_connections AS c ON c.[session_id] = s.[session_id] AND c.[parent_connection_id] IS NULL
WHERE SUBSTRING(s.[context_info], 1, 32) = @p1
    AND l.[resource_type] = N'APPLICATION' AND l.[resource_database_id] = DB_ID()
    AND l.[request_owner_type] = N'SESSION' AND l.[request_mode] = N'X' AND l.[request_status] = N'GRANT'
ORDER BY s.[login_time];
GO
-- the relay's heartbeat
EXEC [ferry].[heartbeat] @interval_ms = @p1;
