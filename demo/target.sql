-- demo/target.sql: the demo's target tables, in demo_target. The target
-- keeps cities by id, not by code: the departments route looks city_code up
-- in cities (SELECT code, id FROM cities) and writes the id to city_id. The
-- workload also uses the code MAD, which is not here: those departments go to
-- the DLQ (lookup miss).
CREATE TABLE cities (
    code text PRIMARY KEY,
    id   int
);
INSERT INTO cities (code, id) VALUES
    ('AMS', 31), ('BER', 49), ('LIS', 351), ('PAR', 33), ('ROM', 39);

CREATE TABLE departments (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    city_id int
);

CREATE TABLE employees (
    id      int PRIMARY KEY,
    dept_id int REFERENCES departments (id),
    name    text NOT NULL,
    email   text,
    phone   text,
    salary  numeric(12,2),
    born    date
);
