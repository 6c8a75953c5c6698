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
-- the relay's heartbeat
EXEC [ferry].[heartbeat] @interval_ms = @p1;
