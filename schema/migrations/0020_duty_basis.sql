-- duty_basis: for each right and each responsible unit's duty, whether it is the plan's
-- word (basis 'plan', with the sentence it rests on) or the county's own configuration
-- (basis 'county') where the document is silent. The rights stay as they are; what
-- changes is that `reno rights` says which are which. Examples of the county's own: the
-- street office also records the public notice (公示) and the satisfaction survey (the
-- document gives it 调查摸底 and 意愿征集), the housing bureau records the joint acceptance
-- (the document has the 建设单位 organise it) and holds 质量安全监管.

ALTER TABLE right_grant
    ADD COLUMN basis text NOT NULL DEFAULT 'county' CHECK (basis IN ('plan', 'county')),
    ADD COLUMN plan_words text NOT NULL DEFAULT '' CHECK (length(plan_words) <= 400),
    ADD CONSTRAINT right_grant_plan_words CHECK ((basis = 'plan') = (plan_words <> ''));
ALTER TABLE project_unit
    ADD COLUMN basis text NOT NULL DEFAULT 'county' CHECK (basis IN ('plan', 'county')),
    ADD COLUMN plan_words text NOT NULL DEFAULT '' CHECK (length(plan_words) <= 400),
    ADD CONSTRAINT project_unit_plan_words CHECK ((basis = 'plan') = (plan_words <> ''));

-- Marks the Ziyun 2022 rights and duties that are the plan's words, quoting them; every
-- other stays the county's. Called here for databases loaded before, and by the seed.
CREATE FUNCTION reno_ziyun_plan_words(p_programme_code text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_programme bigint := (SELECT id FROM programme WHERE code = p_programme_code);
BEGIN
    UPDATE right_grant g SET basis = 'plan', plan_words = v.words
      FROM (VALUES
        ('role', 'office', '*',
         '领导小组下设办公室在县住房和城乡建设局，负责统筹协调全县城镇老旧小区改造工作日常事务和督查督办，负责相关资料、信息收集，汇总及报告撰写等工作'),
        ('unit', 'housing', 'project.write',
         '（一）项目推进组…办公地点设在县住房和城乡建设局，负责统筹协调全县城镇老旧小区改造建设相关工作'),
        ('unit', 'housing', 'milestone.write',
         '县住房和城乡建设局牵头，要严格按照时间节点完成各项改造工作内容'),
        ('unit', 'housing', 'lines.government',
         '小区红线内及出入小区地下管道由地方政府负责管沟开挖、管道预埋、覆土'),
        ('unit', 'finance', 'funds.write',
         '（二）资金管理组…办公地点设在县财政局，负责指导监督全县城镇老旧小区改造项目的资金规范使用'),
        ('unit', 'party-supervision', 'tasks.write',
         '（三）督察督办组…办公地点设在县委督查室，负责对全县城镇老旧小区改造推进进度、资金使用等工作进行督查督办'),
        ('unit_kind', 'utility', 'lines.utility',
         '专营单位负责线路埋设及废旧线路规整；小区红线外的线路改造由专营单位负责；实施架空线规整改造的，由专营单位负责')
      ) AS v(kind, grantee, right_name, words)
     WHERE g.programme_id = v_programme AND g.grantee_kind = v.kind
       AND g.grantee = v.grantee AND g.right_name = v.right_name;

    UPDATE project_unit pu SET basis = 'plan', plan_words = v.words
      FROM project p, unit u,
           (VALUES
             ('songshan-street',
              '2021年12月：街道、社区对改造项目进行调查摸底，征集群众改造意愿，广泛发动群众参与到老旧小区改造工作中，做好宣传、动员等相关协调工作'),
             ('utility',
              '专营单位负责线路埋设及废旧线路规整；小区红线外的线路改造由专营单位负责；实施架空线规整改造的，由专营单位负责')
           ) AS v(who, words)
     WHERE p.id = pu.project_id AND u.id = pu.unit_id AND p.programme_id = v_programme
       AND (u.code = v.who OR (v.who = 'utility' AND u.kind = 'utility'))
       AND pu.duty IN ('群众意愿征集、宣传动员', '管线入地/架空线规整');
END $$;

SELECT reno_ziyun_plan_words('ziyun-2022');
