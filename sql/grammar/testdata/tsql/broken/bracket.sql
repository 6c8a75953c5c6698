SELECT [a]b] FROM [dbo].[emp]
