-- The PostgreSQL baseline's schema: what a web application would keep.
-- unit + unit_tree (closure table: every ancestor of every unit, itself
-- included, with the ancestor's depth) are loaded once with COPY; the three
-- others are written by the submissions.
DROP TABLE IF EXISTS value, report, submission, unit_tree, unit;
CREATE TABLE unit (code text PRIMARY KEY, parent text, depth int NOT NULL, kind text NOT NULL,
                   reports boolean NOT NULL);
CREATE TABLE unit_tree (ancestor text NOT NULL, unit text NOT NULL, depth int NOT NULL,
                        PRIMARY KEY (ancestor, unit));
CREATE INDEX unit_tree_unit ON unit_tree (unit, depth);
-- every submission as received (the journal): idempotency on the id
CREATE TABLE submission (id text PRIMARY KEY, unit text NOT NULL, submitter text NOT NULL,
                         dataset text NOT NULL, period text NOT NULL, vals jsonb NOT NULL,
                         received_at timestamptz NOT NULL DEFAULT now());
-- the latest version of each unit/dataset/period
CREATE TABLE report (unit text, dataset text, period text, version int NOT NULL,
                     first_received_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
                     submission_id text NOT NULL, PRIMARY KEY (unit, dataset, period));
-- its values, one row each
CREATE TABLE value (unit text, dataset text, period text, indicator text, num bigint, tags text[],
                    PRIMARY KEY (unit, dataset, period, indicator));
