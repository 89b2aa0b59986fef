-- demonstration: 示范项目. A project may be one of the county's demonstration projects,
-- which the plan asks to lead the way; the flag is set by create_project and
-- update_project and shown by list_projects (schema/functions/projects.sql, whose new
-- signatures replace the ones dropped here; those functions are created again after the
-- migrations by every renod migrate).

ALTER TABLE project ADD COLUMN demonstration boolean NOT NULL DEFAULT false;

DROP FUNCTION reno_op_create_project(bigint, bytea, bytea, text, text, integer, text, text,
                                     integer, numeric, boolean, text, text, integer);
DROP FUNCTION reno_op_update_project(bigint, bytea, bytea, bigint, text, text, integer, text,
                                     text, integer, numeric, text, text, text, integer, text);
DROP FUNCTION reno_op_list_projects(bigint);
