-- window: the bound, then the rows below it
DECLARE @bound binary(8) = MIN_ACTIVE_ROWVERSION();
SELECT CAST(@bound AS bigint);
SELECT TOP (@p1) CAST([rv] AS bigint), [txid], [table_id], [op], [ts], [before], [after]
FROM [ferry].[outbox]
WHERE [rv] > CAST(@p2 AS binary(8)) AND [rv] < @bound
ORDER BY [rv];
GO
-- purge
DELETE TOP (@p1) FROM [ferry].[outbox] WHERE [rv] <= CAST(@p2 AS binary(8));
GO
-- backlog
DECLARE @bound binary(8) = MIN_ACTIVE_ROWVERSION();
SELECT COUNT_BIG(*), MIN([ts])
FROM [ferry].[outbox]
WHERE [rv] > CAST(@p1 AS binary(8)) AND [rv] < @bound;
GO
-- snapshot mark
SELECT CAST(@@DBTS AS bigint);
GO
-- the oldest open transaction holding the bound back
SELECT TOP (1) DATEDIFF_BIG(millisecond, dt.[database_transaction_begin_time], SYSDATETIME()),
       ISNULL(st.[session_id], 0)
FROM sys.dm_tran_database_transactions AS dt
LEFT JOIN sys.dm_tran_session_transactions AS st ON st.[transaction_id] = dt.[transaction_id]
WHERE dt.[database_id] = DB_ID() AND dt.[database_transaction_type] = 1
  AND dt.[database_transaction_begin_time] IS NOT NULL
ORDER BY dt.[database_transaction_begin_time];
