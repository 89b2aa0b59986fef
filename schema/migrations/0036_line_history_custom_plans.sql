-- 0036_line_history_custom_plans: the statements of reno_line_history_refresh (0035) are
-- planned for the projects of each call. A writer's connection calls it many times for one
-- project's line work; after five calls PL/pgSQL may keep a plan made for any list of
-- projects, and that plan, given every project of a programme (a bulk load, a batch of
-- handovers), made the histories of 60,000 projects in 161 s instead of about 17 s.
-- Planning for the call costs about a millisecond.
ALTER FUNCTION reno_line_history_refresh(bigint[]) SET plan_cache_mode = force_custom_plan;
