INSERT INTO [dbo].[emp] ([name]) VALUES (N'unterminated)
