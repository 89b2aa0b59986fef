-- 0028_size_indexes: indexes the status sections read by at the size of a province or the
-- country (tens of thousands of projects, over a million milestones).
--
-- Each project's milestones in the order of their due dates: the status ranks them per
-- project (the next one, the first five overdue), and read in this order the ranking sorts
-- a project's few rows at a time instead of the programme's million at once.
CREATE INDEX project_milestone_project_due ON project_milestone (project_id, due);
