SELECT TOP (@p1) [seq], [rv], [table_id], [op], [ts], [before], [after]
FROM [ferry].[outbox] WITH (READCOMMITTEDLOCK)
WHERE [rv] > @p2 AND [rv] < MIN_ACTIVE_ROWVERSION()
ORDER BY [rv]
