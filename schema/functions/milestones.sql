-- milestones: marking a project's milestone done, against its evidence (0017).
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run.
--
-- Each reno_evidence_* function answers one row of milestone_evidence: NULL when the
-- evidence is in reno by the date the step is marked done, else what is missing, named
-- by the operation and field that records it, so that the refusal tells the office what
-- to record first. They are STABLE and read only.

-- 街道、社区对改造项目进行调查摸底，征集群众改造意愿.
CREATE OR REPLACE FUNCTION reno_evidence_willingness(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM resident_survey s
                              WHERE s.project_id = p_project AND s.kind = 'willingness'
                                AND s.surveyed_on <= p_on)
                THEN NULL
                ELSE 'no willingness survey (record_survey.kind = willingness) by ' || p_on END
$$;

-- 公示后根据业主意见对方案进行调整完善: the notice has run its course.
CREATE OR REPLACE FUNCTION reno_evidence_notice(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM plan_notice n
                              WHERE n.project_id = p_project AND n.ends_on <= p_on)
                THEN NULL
                ELSE 'no public notice (record_notice) ended by ' || p_on END
$$;

-- 确定改造工程的施工、监理单位: both contracts awarded.
CREATE OR REPLACE FUNCTION reno_evidence_contracts(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN count(*) = 0 THEN NULL
                ELSE 'no ' || string_agg(k.kind, ' and ' ORDER BY k.kind)
                     || ' contract (add_contract.kind) awarded by ' || p_on END
      FROM (VALUES ('construction'), ('supervision')) AS k(kind)
     WHERE NOT EXISTS (SELECT 1 FROM contract c
                        WHERE c.project_id = p_project AND c.kind = k.kind
                          AND c.awarded_on <= p_on)
$$;

-- 实行全过程工程监理.
CREATE OR REPLACE FUNCTION reno_evidence_supervision(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM contract c
                              WHERE c.project_id = p_project AND c.kind = 'supervision'
                                AND c.awarded_on <= p_on)
                THEN NULL
                ELSE 'no supervision contract (add_contract.kind = supervision) awarded by '
                     || p_on END
$$;

-- The project's latest progress report on or before a date.
CREATE OR REPLACE FUNCTION reno_evidence_progress(p_project bigint, p_on date,
                                                  OUT started integer, OUT completed integer,
                                                  OUT in_scope integer)
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(r.households_started, 0), COALESCE(r.households_completed, 0),
           p.households_in_scope
      FROM project p
      LEFT JOIN LATERAL (SELECT pr.households_started, pr.households_completed
                           FROM progress_report pr
                          WHERE pr.project_id = p.id AND pr.report_date <= p_on
                          ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r ON true
     WHERE p.id = p_project
$$;

-- 部分项目开工实施改造: the project has started, i.e. its progress shows at least one
-- household started.
CREATE OR REPLACE FUNCTION reno_evidence_started_any(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN g.started > 0 THEN NULL
                ELSE 'no household started in the progress (push_progress.households_started) by '
                     || p_on END
      FROM reno_evidence_progress(p_project, p_on) g
$$;

-- 所有项目开工实施改造，开工率100%: every household in scope started.
CREATE OR REPLACE FUNCTION reno_evidence_started_all(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN g.started >= g.in_scope THEN NULL
                ELSE format('%s of %s households in scope started in the progress '
                            '(push_progress.households_started) by %s',
                            g.started, g.in_scope, p_on) END
      FROM reno_evidence_progress(p_project, p_on) g
$$;

-- 全面完成改造工程施工任务: every household in scope completed.
CREATE OR REPLACE FUNCTION reno_evidence_completed_all(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN g.completed >= g.in_scope THEN NULL
                ELSE format('%s of %s households in scope completed in the progress '
                            '(push_progress.households_completed) by %s',
                            g.completed, g.in_scope, p_on) END
      FROM reno_evidence_progress(p_project, p_on) g
$$;

-- 组织改造工程竣工验收 … 联合竣工验收.
CREATE OR REPLACE FUNCTION reno_evidence_acceptance(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM acceptance a
                              WHERE a.project_id = p_project AND a.result = 'passed'
                                AND a.accepted_on <= p_on)
                THEN NULL
                ELSE 'no passed acceptance (record_acceptance.result = passed) by ' || p_on END
$$;

-- 完成改造工程项目决算审计，竣工验收材料一式三份.
CREATE OR REPLACE FUNCTION reno_evidence_final_audit(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM final_audit f
                          WHERE f.project_id = p_project AND f.audited_on <= p_on)
            THEN 'no final audit (record_final_audit) by ' || p_on
        WHEN (SELECT count(*) FROM acceptance_copy c JOIN acceptance a ON a.id = c.acceptance_id
               WHERE a.project_id = p_project AND c.filed_on <= p_on) < 3
            THEN 'fewer than three file copies (record_file_copy.holder) filed by ' || p_on
        END
$$;

-- 落实长效管理.
CREATE OR REPLACE FUNCTION reno_evidence_management(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM management_arrangement m
                              WHERE m.project_id = p_project AND m.starts_on <= p_on)
                THEN NULL
                ELSE 'no management arrangement (set_management) starting by ' || p_on END
$$;

-- 开展项目绩效评估，并及时将绩效评估情况报送市住房和城乡建设局.
CREATE OR REPLACE FUNCTION reno_evidence_evaluation(p_project bigint, p_on date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM evaluation_conclusion e
                              WHERE e.project_id = p_project AND e.reported_on <= p_on)
                THEN NULL
                ELSE 'no evaluation conclusion reported (record_evaluation.reported_on) by '
                     || p_on END
$$;

-- Every record step names a function of this file: checked on every migrate, as op_init
-- checks the operations against their SQL.
DO $$
DECLARE
    v_missing text;
BEGIN
    SELECT string_agg(e.check_function, ', ') INTO v_missing
      FROM milestone_evidence e
     WHERE e.check_function IS NOT NULL
       AND to_regprocedure(e.check_function || '(bigint, date)') IS NULL;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'milestone_evidence names functions that do not exist: %', v_missing;
    END IF;
END $$;

-- Marks a project's milestone done (first in 0003). The date may lie in the past: the plan
-- was issued on 2022-03-03, after its own December to February steps, which are recorded
-- afterwards. It may not lie in the future nor before the programme began. A step whose
-- evidence lives in reno is refused until that evidence is there by the date; any other
-- step needs its document: number, date (not after the step) and issuing unit. Marking it
-- again corrects date, evidence and document; the audit keeps both.
DROP FUNCTION IF EXISTS reno_op_mark_milestone(bigint, bytea, bytea, bigint, text, text, text);
CREATE OR REPLACE FUNCTION reno_op_mark_milestone(p_account bigint, p_key bytea, p_digest bytea,
                                                  p_project_id bigint, p_milestone_code text,
                                                  p_done_on text, p_evidence text,
                                                  p_document_number text,
                                                  p_document_date text, p_issuing_unit text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before project_milestone%ROWTYPE;
    v_after project_milestone%ROWTYPE;
    v_rule milestone_evidence%ROWTYPE;
    v_done date;
    v_starts date;
    v_evidence text;
    v_number text;
    v_date date;
    v_issuer text;
    v_missing text;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'mark_milestone');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'milestone.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_text(p_milestone_code, 'milestone_code', 41, true);
    SELECT m.* INTO v_before FROM project_milestone m
      JOIN milestone_template t ON t.id = m.template_id
     WHERE m.project_id = p_project_id AND t.code = p_milestone_code
       FOR UPDATE OF m;
    IF v_before.id IS NULL THEN
        RAISE EXCEPTION 'project % has no milestone "%" (see milestone list)', p_project_id,
            p_milestone_code
            USING ERRCODE = 'RN404', COLUMN = 'milestone_code';
    END IF;

    IF COALESCE(p_done_on, '') = '' THEN
        RAISE EXCEPTION 'done_on is required (YYYY-MM-DD)'
            USING ERRCODE = 'check_violation', COLUMN = 'done_on', DETAIL = 'required',
                  HINT = 'YYYY-MM-DD';
    END IF;
    BEGIN
        v_done := p_done_on::date;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION 'done_on must be a date YYYY-MM-DD'
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END;
    IF v_done > current_date THEN
        RAISE EXCEPTION 'done_on % is in the future', v_done
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;
    SELECT g.starts_on INTO v_starts FROM programme g
      JOIN project p ON p.programme_id = g.id WHERE p.id = p_project_id;
    IF v_done < v_starts THEN
        RAISE EXCEPTION 'done_on % is before the programme began (%)', v_done, v_starts
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;
    v_evidence := reno_text(p_evidence, 'evidence', 2000, true);
    v_number := reno_text(p_document_number, 'document_number', 100, false);
    v_date := reno_date(p_document_date, 'document_date', false);
    v_issuer := reno_text(p_issuing_unit, 'issuing_unit', 200, false);

    -- The evidence: a record step against reno's records, any other against its document.
    SELECT * INTO v_rule FROM milestone_evidence e WHERE e.code = p_milestone_code;
    IF v_rule.backed_by = 'record' THEN
        EXECUTE format('SELECT %I($1, $2)', v_rule.check_function)
           INTO v_missing USING p_project_id, v_done;
        IF v_missing IS NOT NULL THEN
            RAISE EXCEPTION '% needs its evidence in reno (%): %', p_milestone_code,
                v_rule.needs, v_missing
                USING ERRCODE = 'check_violation', COLUMN = 'milestone_code';
        END IF;
    ELSE
        IF v_number = '' THEN
            RAISE EXCEPTION '% is shown by a document: its number is required', p_milestone_code
                USING ERRCODE = 'check_violation', COLUMN = 'document_number',
                      DETAIL = 'required';
        END IF;
        IF v_date IS NULL THEN
            RAISE EXCEPTION '% is shown by a document: its date is required (YYYY-MM-DD)',
                p_milestone_code USING ERRCODE = 'check_violation', COLUMN = 'document_date',
                DETAIL = 'required', HINT = 'YYYY-MM-DD';
        END IF;
        IF v_issuer = '' THEN
            RAISE EXCEPTION '% is shown by a document: its issuing unit is required',
                p_milestone_code USING ERRCODE = 'check_violation', COLUMN = 'issuing_unit',
                DETAIL = 'required';
        END IF;
    END IF;
    IF v_date > v_done THEN
        RAISE EXCEPTION 'document_date % is after done_on %', v_date, v_done
            USING ERRCODE = 'check_violation', COLUMN = 'document_date';
    END IF;

    UPDATE project_milestone m
       SET done_on = v_done, evidence = v_evidence, done_by_account = p_account,
           done_by_unit = (SELECT a.unit_id FROM account a WHERE a.id = p_account),
           done_at = now(), document_number = v_number, document_date = v_date,
           issuing_unit = v_issuer
     WHERE m.id = v_before.id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'mark_milestone', 'project_milestone', v_after.id,
                       to_jsonb(v_before), to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'mark_milestone', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;
