-- demo/source.sql: the demo's source tables, in demo_source (demo/demo.sh
-- drops and recreates the database, then runs this file).
CREATE TABLE departments (
    id        int PRIMARY KEY,
    name      text NOT NULL,
    city_code text
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
