-- households_in_scope: every figure of a project counts the households the renovation
-- covers. For a 拆改结合型 project "拆除部分不纳入城镇老旧小区改造范围" (section 四(二)2):
-- the demolished households are outside the scope, so they are neither started, nor
-- completed, nor accepted, nor evaluated. 0003 caps progress at households_in_scope;
-- here the field operations (surveys, the notice, acceptance, the final audit, the
-- evaluation) and the round's frozen snapshot follow. The round report's own query lives
-- in schema/functions/report_round.sql.

-- The households a project's field operations count: those in the renovation scope. With
-- every household the denominator, a project with demolished households could never reach
-- "all completed", and its acceptance and everything after it were refused for ever.
CREATE OR REPLACE FUNCTION reno_fld_households(p_project bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT households_in_scope FROM project WHERE id = p_project
$$;

-- A round's frozen progress counts the households in scope, as the live status does, so
-- that a closed round's 开工率/完工率 equal the status's on the same day. The close
-- operation (0006) inserts the project's households; this trigger states the invariant
-- for every insert rather than trusting each writer to pass the right column.
CREATE FUNCTION round_snapshot_progress_in_scope() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT households_in_scope INTO NEW.households FROM project WHERE id = NEW.project_id;
    RETURN NEW;
END $$;
CREATE TRIGGER round_snapshot_progress_in_scope BEFORE INSERT ON round_snapshot_progress
    FOR EACH ROW EXECUTE FUNCTION round_snapshot_progress_in_scope();
