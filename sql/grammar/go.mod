module github.com/ferry-cdc/ferry/sql/grammar

go 1.26.8

require (
	github.com/antlr4-go/antlr/v4 v4.13.1
	github.com/bytebase/parser v0.0.0-20260417075056-57b6ef7a2640
)

require golang.org/x/exp v0.0.0-20240506185415-9bf2ced13842 // indirect
