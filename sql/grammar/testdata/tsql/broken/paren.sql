SELECT TOP (@p1 [seq] FROM [ferry].[outbox] WHERE [rv] > @p2
