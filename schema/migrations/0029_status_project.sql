-- 0029_status_project: the serving role may call the two functions with which renod
-- brings its in-memory status up to date by project (schema/functions/status_project.sql):
-- which projects the writes since a position touched, read from the audit log in the
-- status's own snapshot, and the progress figures of those projects only.
INSERT INTO runtime_function (name, why) VALUES
    ('reno_status_touched', 'consolidated status: what changed since a position'),
    ('reno_status_projects_some', 'consolidated status: some projects'' progress');
