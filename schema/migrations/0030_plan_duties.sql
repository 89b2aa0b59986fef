-- plan duties: the last parties and duties the work plan names that reno did not keep.
--
-- - 三: "（二）资金管理组…负责…指导全县争取城镇老旧小区各类专项资金的申报工作":
--   fund_application, one special-fund application (专项资金申报) of a project, written by
--   the group's seat (right funds.apply); one not submitted by its deadline is a plan guard.
-- - 三: "刘川荣同志兼任办公室主任，何忠诚同志兼任办公室副主任": office_officer, the office's
--   director and deputy director as roles of named people (兼任: they keep their own units).
-- - 六(一): "专营单位的改造计划应与我县城镇老旧小区改造规划和计划有效对接，同步推进实施":
--   utility_plan, a utility's own renovation dates for a project, checked against the
--   project's milestone plan (all started, all completed).
-- - 六(一): "改造后的专营设施产权可依照法定程序移交给专营单位，并由其负责维护管理" and 五's
--   "落实长效管理": upkeep, who maintains what of a project after its handover.
--
-- The operations' bodies are in schema/functions/duties.sql, the guards in
-- schema/functions/guards.sql; both are applied after the migrations by every renod migrate.

CREATE TABLE fund_application (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    fund_name           text NOT NULL CONSTRAINT fund_name
                            CHECK (length(fund_name) BETWEEN 1 AND 200),
    source              reno_fund_source NOT NULL,
    amount              numeric(15, 2) NOT NULL CONSTRAINT amount CHECK (amount > 0),
    deadline            date NOT NULL,
    submitted_on        date,
    outcome             text NOT NULL DEFAULT 'pending' CONSTRAINT outcome
                            CHECK (outcome IN ('pending', 'approved', 'rejected')),
    decided_on          date,
    amount_approved     numeric(15, 2) NOT NULL DEFAULT 0 CONSTRAINT amount_approved
                            CHECK (amount_approved >= 0 AND amount_approved <= amount),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, fund_name),
    -- Decided means: submitted first, then answered on a date; pending means no answer.
    CONSTRAINT decided_on CHECK ((outcome = 'pending') = (decided_on IS NULL)
                                 AND (decided_on IS NULL OR submitted_on <= decided_on)),
    CONSTRAINT approved CHECK (outcome = 'approved' OR amount_approved = 0)
);

CREATE TABLE office_officer (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    person_id           bigint NOT NULL UNIQUE REFERENCES person(id),
    role                text NOT NULL CHECK (role IN ('director', 'deputy_director')),
    recorded_by         bigint REFERENCES account(id)
);
-- One director per office; deputies may be several.
CREATE UNIQUE INDEX office_officer_director ON office_officer (programme_id)
    WHERE role = 'director';

CREATE TABLE utility_plan (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    utility_unit_id     bigint NOT NULL REFERENCES unit(id),
    filed_on            date NOT NULL,
    starts_on           date NOT NULL,
    ends_on             date NOT NULL CONSTRAINT ends_on CHECK (ends_on >= starts_on),
    document_ref        text NOT NULL DEFAULT '' CHECK (length(document_ref) <= 200),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, utility_unit_id)
);

CREATE TABLE upkeep (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    facility            text NOT NULL CONSTRAINT facility
                            CHECK (length(facility) BETWEEN 1 AND 200),
    unit_id             bigint REFERENCES unit(id),
    party_id            bigint REFERENCES party(id),
    starts_on           date NOT NULL,
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, facility),
    -- Maintained by a county unit (a utility for its facilities) or by a party of the
    -- project (物业服务企业, 业主委员会, ...), never both, never nobody.
    CONSTRAINT maintainer CHECK ((unit_id IS NULL) <> (party_id IS NULL))
);

-- The office's director and deputy as the document names them, and the fund management
-- group's right to record special-fund applications, for programmes loaded before this
-- migration; a programme loaded later takes them from its seed.
INSERT INTO office_officer (programme_id, person_id, role)
SELECT pe.programme_id, pe.id, v.role
  FROM (VALUES ('刘川荣', 'director'), ('何忠诚', 'deputy_director')) AS v(name, role)
  JOIN person pe ON pe.name = v.name
  JOIN programme p ON p.id = pe.programme_id AND p.code = 'ziyun-2022'
ON CONFLICT DO NOTHING;

INSERT INTO right_grant (programme_id, grantee_kind, grantee, right_name, source, basis,
                         plan_words)
SELECT p.id, 'unit', 'finance', 'funds.apply', 'seat of 资金管理组: 专项资金申报', 'plan',
       '（二）资金管理组…办公地点设在县财政局，负责…指导全县争取城镇老旧小区各类专项资金的申报工作'
  FROM programme p
 WHERE EXISTS (SELECT 1 FROM unit u WHERE u.programme_id = p.id AND u.code = 'finance')
ON CONFLICT DO NOTHING;
