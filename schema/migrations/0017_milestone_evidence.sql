-- milestone_evidence: a milestone is done when its evidence says so, not when someone says
-- it is. The plan's steps (section 五) fall in two kinds:
--   record    the evidence lives in reno (the contracts, the public notice, the progress
--             reports, the acceptance, ...): marking the step done is checked against it,
--             by the function the row names (schema/functions/milestones.sql);
--   document  the evidence is a document outside reno (a feasibility approval, a design
--             review opinion, a construction permit): marking the step done records the
--             document's number, date and issuing unit, all three required.
-- A milestone code of a programme that this table does not list is a document step.

CREATE TABLE milestone_evidence (
    code                text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,40}$'),
    backed_by           text NOT NULL CHECK (backed_by IN ('record', 'document')),
    -- For a record step: reno_evidence_<name>(project bigint, on date) RETURNS text, NULL
    -- when the evidence is there by the date, else what is missing.
    check_function      text CHECK (check_function ~ '^reno_evidence_[a-z_]{1,40}$'),
    needs               text NOT NULL CHECK (length(needs) BETWEEN 1 AND 400),
    CHECK ((backed_by = 'record') = (check_function IS NOT NULL))
);

INSERT INTO milestone_evidence (code, backed_by, check_function, needs) VALUES
    ('survey_willingness',  'record',   'reno_evidence_willingness',
     '意愿征集：the willingness survey recorded (record_survey, kind willingness)'),
    ('feasibility',         'document', NULL, '可研批复：document number, date, issuing unit'),
    ('project_approval',    'document', NULL, '立项批复：document number, date, issuing unit'),
    ('draft_plan',          'document', NULL, '改造方案（初设）：document number, date, issuing unit'),
    ('plan_publicity',      'record',   'reno_evidence_notice',
     '方案公示：the public notice recorded and ended (record_notice)'),
    ('project_review',      'document', NULL, '项目评审意见：document number, date, issuing unit'),
    ('cost_estimate',       'document', NULL, '概算批复：document number, date, issuing unit'),
    ('construction_design', 'document', NULL, '施工图设计：document number, date, issuing unit'),
    ('design_review',       'document', NULL, '施工图审查合格书：document number, date, issuing unit'),
    ('tender_plan',         'document', NULL, '招投标计划：document number, date, issuing unit'),
    ('construction_plan',   'document', NULL, '施工方案：document number, date, issuing unit'),
    ('tendering_done',      'record',   'reno_evidence_contracts',
     '招投标完成：the construction and supervision contracts recorded (add_contract)'),
    ('contractors_fixed',   'record',   'reno_evidence_contracts',
     '施工、监理单位确定：the construction and supervision contracts recorded (add_contract)'),
    ('permits_done',        'document', NULL, '施工许可等建设手续：document number, date, issuing unit'),
    ('start_share',         'record',   'reno_evidence_started_any',
     '部分项目开工：the project''s progress shows households started (push_progress)'),
    ('start_all',           'record',   'reno_evidence_started_all',
     '所有项目开工：the progress shows every household in scope started (push_progress)'),
    ('supervision_audit',   'record',   'reno_evidence_supervision',
     '全过程工程监理：the supervision contract recorded (add_contract, kind supervision)'),
    ('complete_all',        'record',   'reno_evidence_completed_all',
     '全面完工：the progress shows every household in scope completed (push_progress)'),
    ('joint_acceptance',    'record',   'reno_evidence_acceptance',
     '联合竣工验收：a passed acceptance recorded (record_acceptance)'),
    ('final_audit',         'record',   'reno_evidence_final_audit',
     '决算审计，材料一式三份：the final audit and the three file copies recorded'),
    ('long_term_management', 'record',  'reno_evidence_management',
     '长效管理：the management arrangement recorded (set_management)'),
    ('performance_evaluation', 'record', 'reno_evidence_evaluation',
     '绩效评估并报送：the evaluation''s conclusion recorded with its report date (record_evaluation)');

-- The documentary evidence of a done step; empty while the step is open, like the rest.
ALTER TABLE project_milestone
    ADD COLUMN document_number text NOT NULL DEFAULT ''
        CONSTRAINT document_number CHECK (length(document_number) <= 100),
    ADD COLUMN document_date date,
    ADD COLUMN issuing_unit text NOT NULL DEFAULT ''
        CONSTRAINT issuing_unit CHECK (length(issuing_unit) <= 200),
    ADD CONSTRAINT project_milestone_document_when_done CHECK (
        done_on IS NOT NULL
        OR (document_number = '' AND document_date IS NULL AND issuing_unit = '')),
    ADD CONSTRAINT document_date CHECK (document_date <= done_on);
