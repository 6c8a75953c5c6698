package pgtest

// AllTypesColumns are the columns of a table with every type the
// foundation issue lists, for round-trip tests: CREATE TABLE x (AllTypesColumns).
const AllTypesColumns = `
	id bigint PRIMARY KEY,
	c_smallint smallint, c_integer integer, c_bigint bigint,
	c_numeric numeric(38,10), c_numeric_free numeric,
	c_real real, c_double double precision,
	c_text text, c_varchar varchar(50), c_char char(5),
	c_bytea bytea, c_bool boolean,
	c_date date, c_time time, c_timestamp timestamp, c_timestamptz timestamptz, c_interval interval,
	c_uuid uuid, c_json json, c_jsonb jsonb,
	c_int_array integer[], c_text_array text[],
	c_empty text, c_null text`

// AllTypesRows are rows of awkward values for AllTypesColumns: extremes,
// precision, non-ASCII, NaN, infinities, empty versus NULL, and the float4
// value whose shortest text is not exact when read as a float64.
var AllTypesRows = []string{
	`(1, -32768, -2147483648, -9223372036854775808,
	  '1234567890123456789012345678.1234567890', '-0.000000000000000000000000000000000000000001234567890123456789',
	  3.4028235e38, 0.1,
	  'héllo wörld ✓ 日本語 🚀 "quoted" \ back', 'Ærøskøbing', 'ab',
	  '\x00ff10fe'::bytea, true,
	  '0001-01-01', '23:59:59.999999', '2024-02-29 13:14:15.123456', '2024-06-30 23:59:59.654321+05:30', '1 year 2 mons 3 days 04:05:06.789',
	  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2.50, "x"], "a": null}', '{"k": {"n": 1.0E+2}}',
	  '{1,NULL,-3}', '{"a b","",NULL,"ü"}',
	  '', NULL)`,
	`(2, 32767, 2147483647, 9223372036854775807,
	  '-9999999999999999999999999999.9999999999', 'NaN',
	  '-Infinity', 1.7976931348623157e308,
	  '', ' ', 'xyz  ',
	  ''::bytea, false,
	  '9999-12-31', '00:00:00', 'infinity', '-infinity', '-178000000 years',
	  '00000000-0000-0000-0000-000000000000', '[]', '[null, {}]',
	  '{}', '{}',
	  '', NULL)`,
	`(3, 0, 0, 0, 0, 0, -7.038531e-26, 0, 'x', 'x', 'x', '\xdeadbeef', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
}
